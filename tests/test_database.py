"""Choosing the database, and what goes wrong with one: a malformed URL, a server that is not
there, a user without rights, a store from a newer tactful. Each is one line on stderr and
exit 2, with nothing written and no password shown."""

from __future__ import annotations

import json
import sqlite3
import stat

import psycopg
import pytest

from tactful import Engine, InputError, SQLiteStore
from tactful.stores.postgres_store import PostgresStore
from tactful.testing import FakeClock, MemoryStore

from .clirun import doc, run
from .helpers import at

NOW = "2026-05-04T18:00:00+00:00"


def one_line_exit_2(done) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and done.stdout == "", done.stderr
    return lines[0]


def test_the_database_option_and_variable_choose_postgresql_over_the_home(tmp_path, pg_url):
    added = doc(tmp_path, "--database", pg_url, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    listed = doc(tmp_path, "list", now=NOW, env={"TACTFUL_DATABASE": pg_url})
    assert [a["id"] for a in listed] == [added["id"]] and listed[0]["company"] == "Northwind"
    assert doc(tmp_path, "list", now=NOW) == []  # the home's SQLite file is another store
    store = PostgresStore(pg_url)
    try:
        assert store.get(added["id"]).company == "Northwind"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://me:s3cret@[oops/db", "is malformed"),
        ("mysql://me:s3cret@localhost/db", "unknown kind of database 'mysql://'"),
        ("postgresql://me:s3cret@127.0.0.1:1/db", "cannot use the database postgresql://me:***@127.0.0.1:1/db"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_and_exit_2(tmp_path, url, says):
    line = one_line_exit_2(run(tmp_path, "--database", url, "list", now=NOW))
    assert says in line and "s3cret" not in line


def test_a_database_path_naming_a_folder_is_one_line_and_leaves_the_folders_mode_alone(tmp_path):
    """The store's file is made private (0600) when tactful opens it, but a path that names a
    folder (a slip: `--database ~`, `--database /`) is refused as it is: made 0600, the folder
    could no longer be entered, even by its owner's programs."""
    folder = tmp_path / "somewhere"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    line = one_line_exit_2(run(tmp_path, "--database", str(folder), "list", now=NOW))
    assert line.startswith(f"tactful: cannot open the store {folder}: ")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_a_user_without_rights_on_the_database_is_told_so(tmp_path, pg_url):
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE ROLE visitor LOGIN")  # PostgreSQL 15: no CREATE on schema public
    visitor = pg_url.replace("postgresql://postgres@", "postgresql://visitor@")
    line = one_line_exit_2(run(tmp_path, "--database", visitor, "list", now=NOW))
    assert "refuses this user" in line and "permission denied" in line
    with psycopg.connect(pg_url) as admin:
        assert admin.execute("SELECT to_regclass('applications')").fetchone() == (None,)  # nothing half-made


def test_a_postgresql_database_from_a_newer_tactful_is_refused(tmp_path, pg_url):
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("INSERT INTO tactful_schema (version) VALUES (99)")
    line = one_line_exit_2(run(tmp_path, "--database", pg_url, "list", now=NOW))
    assert "written by a newer tactful (schema 99" in line


def test_an_sqlite_store_from_a_newer_tactful_is_refused_and_left_alone(tmp_path):
    doc(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    with sqlite3.connect(tmp_path / "tactful.sqlite3") as db:
        db.execute("PRAGMA user_version = 99")
    line = one_line_exit_2(run(tmp_path, "list", now=NOW))
    assert "written by a newer tactful (schema 99" in line
    with sqlite3.connect(tmp_path / "tactful.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (99,)
        assert db.execute("SELECT count(*) FROM applications").fetchone() == (1,)


#: A writer of its own: inserts one application at a time, removing every third right away (its
#: id is then the largest), until it has made 60 and seen one of the other writer's between
#: two of its own; prints every id it was given.
_WRITER = """
import json, sys
from tactful import SQLiteStore
from tactful import Application
from datetime import datetime, timezone
store, me, other = SQLiteStore(sys.argv[1]), sys.argv[2], sys.argv[3]
moment = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)
given, crossed = [], False
while len(given) < 60 or not crossed:
    before = {a.company for a in store.all()}
    app = Application(0, me, "interviewed", moment, {}, "default", "h", wake=moment)
    [stored] = store.insert([(app, [])])
    given.append(stored.id)
    if len(given) % 3 == 0:
        store.remove(stored.id)
    crossed = crossed or other in before
print(json.dumps(given))
"""


def test_two_processes_adding_and_removing_on_one_sqlite_file_are_never_given_the_same_id(tmp_path):
    """Each insert reads the next id and writes it in one write transaction (and removal marks
    the largest id it takes away in the same way), so writers in two processes at once get
    ids of their own, and none given before, removed or not."""
    import subprocess
    import sys

    path = str(tmp_path / "tactful.sqlite3")
    SQLiteStore(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, path, me, other], stdout=subprocess.PIPE, text=True)
               for me, other in (("A", "B"), ("B", "A"))]  # fmt: skip
    given = []
    for writer in writers:
        out, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0
        given.append(json.loads(out))
    every = given[0] + given[1]
    assert len(set(every)) == len(every) and min(every) == 1
    store = SQLiteStore(path)
    kept = sorted(a.id for a in store.all())
    assert kept == sorted(i for ids in given for n, i in enumerate(ids, start=1) if n % 3)
    store.close()


def test_library_errors_speak_of_the_api_and_the_cli_of_its_commands(tmp_path):
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 18:00")))
    with pytest.raises(InputError) as caught:
        engine.load(7)
    assert "tactful list" not in str(caught.value) and "Engine.applications()" in str(caught.value)
    line = one_line_exit_2(run(tmp_path, "show", "7", now=NOW))
    assert line == "tactful: no application with id 7; 'tactful list' shows them"


def _added_in_new_york(store) -> int:
    clock = FakeClock(at("2026-05-04 17:00"))
    [app] = Engine(store, clock, notify=True).add_many([{"company": "Northwind", "interviewed": "2026-05-04",
                                                         "timezone": "America/New_York"}])  # fmt: skip
    return app.id


def test_an_sqlite_store_from_before_zones_were_kept_gives_its_moments_the_applications_zone(tmp_path):
    path = tmp_path / "tactful.sqlite3"
    store = SQLiteStore(path)
    app_id = _added_in_new_york(store)
    expected = store.get(app_id)
    store.close()
    with sqlite3.connect(path) as db:  # as schema 4 left it: moments as UTC seconds, no zones
        db.execute("ALTER TABLE applications DROP COLUMN zones")
        db.execute("PRAGMA user_version = 4")
    store = SQLiteStore(path)
    try:
        app = store.get(app_id)
        assert app == expected and str(app.next_due.tzinfo) == str(app.wake.tzinfo) == "America/New_York"
        assert str(app.agenda.tzinfo) == "America/New_York"
    finally:
        store.close()


def test_a_postgresql_store_of_schema_1_gains_the_agenda_index_and_its_moments_their_zone(pg_url):
    store = PostgresStore(pg_url)
    app_id = _added_in_new_york(store)
    expected = store.get(app_id)
    store.close()
    with psycopg.connect(pg_url) as db:  # as schema 1 left it: no agenda index, no zones
        db.execute("ALTER TABLE deliveries DROP COLUMN claimed_by")  # as schema 3 left it: no claims
        db.execute("DROP SEQUENCE delivery_claims")
        db.execute("DROP TABLE candidates")  # and as schema 2 left it: no candidates
        db.execute("ALTER TABLE applications DROP COLUMN candidate")
        db.execute("ALTER TABLE outbox DROP COLUMN candidate")
        db.execute("DROP INDEX applications_agenda")
        db.execute("ALTER TABLE applications DROP COLUMN agenda, DROP COLUMN zones")
        db.execute("DELETE FROM tactful_schema WHERE version >= 2")
    store = PostgresStore(pg_url)
    try:
        app = store.get(app_id)
        assert str(app.next_due.tzinfo) == "America/New_York" and app.next_due == expected.next_due
        assert app.agenda is not None and app.agenda < expected.agenda  # "look at me" until a tick settles it
        assert [a.id for a in store.agenda(at("2000-01-01 00:00"))] == [app_id]
        engine = Engine(store, FakeClock(at("2026-05-05 10:00")), notify=True)
        assert engine.tick() == []  # nothing is due yet, and the row gets its index back
        assert store.get(app_id)._replace(version=0, notified=None) == expected._replace(version=0)
        assert store.agenda(at("2000-01-01 00:00")) == []
    finally:
        store.close()


def test_the_postgresql_agenda_and_pages_read_an_index_not_every_row(pg_url):
    store = PostgresStore(pg_url)
    try:
        with store.transaction() as conn:
            conn.execute("SET LOCAL enable_seqscan = off")  # the table is small: is there an index to use?
            plans = [
                " ".join(row[0] for row in conn.execute(f"EXPLAIN {sql}", args))
                for sql, args in (
                    (
                        "SELECT id FROM applications WHERE candidate = %s AND agenda <= %s ORDER BY id",
                        ("", at("2026-05-04 00:00")),
                    ),
                    ("SELECT id FROM applications WHERE candidate = %s AND id > %s ORDER BY id LIMIT %s", ("", 10, 50)),
                )
            ]
    finally:
        store.close()
    assert all("Index" in plan and "applications_candidate" in plan for plan in plans)  # an index of theirs


# -- faults: a connection cut mid-command, a user without rights ---------------------------

#: A trigger that cuts its own connection (pg_terminate_backend) when history row number
#: CUT_AT is written: the sequence counts on through rollbacks, so the cut happens once.
CUT = """
CREATE SEQUENCE cut_counter;
CREATE FUNCTION cut_connection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('cut_counter') = {at} THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER cut_connection BEFORE INSERT ON history FOR EACH ROW EXECUTE FUNCTION cut_connection();
"""


def _cut_at(url: str, at: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(CUT.format(at=at))  # type: ignore[arg-type]  # fixed text


def _counts(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT (SELECT count(*) FROM applications), (SELECT count(*) FROM history), "
            "(SELECT coalesce(sum(version), 0) FROM applications)"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def test_a_connection_cut_mid_command_is_one_line_exit_2_and_writes_nothing(tmp_path, pg_url):
    added = doc(tmp_path, "--database", pg_url, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    _cut_at(pg_url, 1)  # the next history row written cuts the connection
    before = _counts(pg_url)
    line = one_line_exit_2(run(tmp_path, "--database", pg_url, "record", str(added["id"]), "news", "--text",
                               "Opened an office in Lyon", now=NOW))  # fmt: skip
    assert "connection" in line and "nothing of this change was written" in line, line
    assert _counts(pg_url) == before
    again = run(tmp_path, "--database", pg_url, "record", str(added["id"]), "news", "--text", "Lyon", now=NOW)
    assert again.returncode == 0, again.stderr  # the cut was once: the same command now works


def test_a_tick_cut_off_mid_batch_tries_again_and_fires_each_application_once(tmp_path, pg_url):
    store = PostgresStore(pg_url)
    try:
        engine = Engine(store, FakeClock(at("2026-05-04 17:00")), notify=True)
        ids = [a.id for a in engine.add_many([{"company": f"C{n}", "interviewed": "2026-05-04"} for n in range(30)])]
    finally:
        store.close()
    _cut_at(pg_url, 11)  # the first history row of the tick's second batch of 10
    done = run(tmp_path, "--database", pg_url, "tick", "--json", "--batch", "10", now="2026-06-15T10:00:00+00:00")
    assert done.returncode == 0, done.stderr
    assert "database unavailable; trying again" in done.stderr and "Traceback" not in done.stderr
    assert sorted(doc["id"] for doc in json.loads(done.stdout)) == ids
    with psycopg.connect(pg_url) as db:
        timers = db.execute("SELECT app_id, count(*) FROM history WHERE kind = 'timer' GROUP BY app_id").fetchall()
        assert db.execute("SELECT last_value FROM cut_counter").fetchone()[0] > 11  # the cut did happen
    assert sorted(timers) == [(i, 1) for i in ids]


def test_a_user_who_may_only_read_can_list_and_is_refused_a_change_in_one_line(tmp_path, pg_url):
    doc(tmp_path, "--database", pg_url, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE ROLE reader LOGIN")
        admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    reader = pg_url.replace("postgresql://postgres@", "postgresql://reader@")
    assert [a["company"] for a in doc(tmp_path, "--database", reader, "list", now=NOW)] == ["Northwind"]
    assert doc(tmp_path, "--database", reader, "show", "1", now=NOW)["company"] == "Northwind"
    assert doc(tmp_path, "--database", reader, "agenda", now=NOW) is not None
    before = _counts(pg_url)
    line = one_line_exit_2(run(tmp_path, "--database", reader, "add", "Contoso", "--interviewed", "2026-05-04",
                               now=NOW))  # fmt: skip
    assert "refuses this user" in line and "permission denied" in line and "INSERT" in line, line
    assert _counts(pg_url) == before


def test_a_server_nothing_listens_on_is_one_line_exit_2_at_once(tmp_path):
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://me:s3cret@127.0.0.1:{port}/tactful"
    for command in (("list",), ("tick",), ("worker", "--poll", "0.1")):
        line = one_line_exit_2(run(tmp_path, "--database", url, *command, now=NOW))
        assert f"cannot use the database postgresql://me:***@127.0.0.1:{port}/tactful" in line and "s3cret" not in line


def test_a_tick_on_postgresql_writes_the_notices_no_plugin_takes_already_expanded(tmp_path, pg_url):
    store = PostgresStore(pg_url)
    try:
        clock = FakeClock(at("2026-05-04 17:00"))
        engine = Engine(store, clock, notify=True)
        engine.add("Northwind", interviewed="2026-05-04")
        store.outbox.keep_takers({"action_due": ["mail"]})  # as a tick does, its plugins set
        clock.set(at("2026-05-22 10:00"))
        [fired] = list(engine.tick_each(100))
        assert fired.target == "follow_up_due"
        with psycopg.connect(pg_url) as conn:
            kinds = dict(conn.execute("SELECT payload::json->>'kind', expanded FROM outbox").fetchall())
        assert kinds == {"transition": True, "action_due": False}  # only what "mail" takes waits to be expanded
        assert store.outbox.expand({"action_due": ["mail"]}) == 1
        assert [d.key.rsplit("/", 1)[-1] for d in store.outbox.listing(["pending"])] == ["mail"]
    finally:
        store.close()


def test_a_claim_on_deliveries_is_taken_over_once_its_session_ends_and_never_while_it_lives(pg_url):
    """The claim of a process whose connection ended (killed, on any host) is taken over by the
    next claim; a live one is not; the old claimant learns it lost the claim at its next attempt."""
    from tactful import Change
    from tactful.errors import StoreUnavailable
    from tactful.stores.postgres_outbox import CLAIM_LOCKS

    from .test_store_contract import notice

    store, now = PostgresStore(pg_url), at("2026-06-01 00:00")
    try:
        app = Engine(store, FakeClock(at("2026-05-04 17:00"))).add("Northwind", interviewed="2026-05-04")
        store.save([Change(app, outbox=[notice("k")])])
        store.outbox.expand({"action_due": ["p"]})
        with store.outbox.claim(now, 10) as first:
            assert len(first) == 1
            with store.outbox.claim(now, 10) as second:
                assert second == []  # the first claim lives: its delivery is nobody else's
            with psycopg.connect(pg_url, autocommit=True) as admin:
                sql = "SELECT pg_terminate_backend(pid, 30000) FROM pg_locks WHERE classid = %s"
                ended = admin.execute(sql, (CLAIM_LOCKS,)).fetchall()
                assert ended == [(True,)]  # (it waits, up to 30 s, for the session to end)
            with store.outbox.claim(now, 10) as third:
                assert [d.key for d in third] == [first[0].key]  # taken over
            with pytest.raises(StoreUnavailable, match="claim on the deliveries being made was lost"):
                store.outbox.finish(first[0], now, None)
    finally:
        store.close()


def test_a_connection_cut_while_delivering_costs_one_resend_and_the_summary_counts_every_delivery(tmp_path, pg_url):
    from .test_delivery_crash import install_plugin
    from .test_workers import KEEPER, LATER, Setup

    setup = Setup(tmp_path, pg_url)
    ids = setup.add(5)
    when = "UPDATE ON deliveries FOR EACH ROW WHEN (NEW.status = 'delivered')"
    with psycopg.connect(pg_url, autocommit=True) as admin:  # the third delivery marked delivered cuts its connection
        admin.execute(CUT.replace("INSERT ON history FOR EACH ROW", when).format(at=3))  # type: ignore[arg-type]
    env = {"PYTHONPATH": str(install_plugin(tmp_path / "site", "keeper", KEEPER)), "KEEPER_DIR": str(tmp_path)}
    done = setup.run("tick", "--now", LATER, **env)
    assert done.returncode == 0 and "database unavailable; trying again" in done.stderr, done.stderr
    assert done.stderr.strip().endswith(f"tactful: tick: 5 timers fired, {2 * len(ids)} notices delivered, 0 failed")
    keys = (tmp_path / "keys.txt").read_text().split()
    assert len(set(keys)) == 2 * len(ids) and len(keys) == 2 * len(ids) + 1  # the one in flight, once more
