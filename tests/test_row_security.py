"""Row-level security on PostgreSQL, set up as docs/embedding.md says (its SQL blocks are run
here): a role bound to one candidate reads and writes nothing of another's, a connection that
states no candidate gets an error rather than rows, and the worker's role serves everyone."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from tactful import Engine, InputError
from tactful.stores.postgres_rls import ENABLE
from tactful.stores.postgres_store import PostgresStore
from tactful.stores.store import Change, Conflict
from tactful.testing import FakeClock
from tactful.vocabulary.records import Candidate

from .clirun import doc, ok, run
from .helpers import at

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "embedding.md"
NOW = "2026-05-04T18:00:00+00:00"
#: Every candidate's rows in each table, as the worker reads them: what a test compares.
ROWS = {
    "applications": "SELECT a.candidate, a.* FROM applications a",
    "history": "SELECT a.candidate, h.* FROM history h JOIN applications a ON a.id = h.app_id",
    "outbox": "SELECT o.candidate, o.* FROM outbox o",
    "deliveries": "SELECT o.candidate, d.* FROM deliveries d JOIN outbox o ON o.id = d.outbox_id",
    "candidates": "SELECT c.key, c.* FROM candidates c",
}


def sql_block(starts: str) -> str:
    """The ```sql block of the embedding guide that starts with ``starts``."""
    found = [b for b in re.findall(r"^```sql\n(.*?)^```", GUIDE.read_text(encoding="utf-8"), re.S | re.M)
             if b.startswith(starts)]  # fmt: skip
    assert len(found) == 1, starts
    return found[0]


def as_role(url: str, role: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://{role}@")


@pytest.fixture(scope="module")
def roles(pg_cluster: str) -> Iterator[list[str]]:
    """The guide's roles and database, made by its first SQL block (the database under a name of
    its own); yields the list of databases to drop with the roles at the end."""
    made = [f"t_{uuid.uuid4().hex[:12]}"]
    block = sql_block("CREATE ROLE tactful_owner")
    assert "CREATE DATABASE tactful OWNER tactful_owner;" in block
    with psycopg.connect(pg_cluster, autocommit=True) as admin:
        for statement in filter(str.strip, block.replace("DATABASE tactful ", f'DATABASE "{made[0]}" ').split(";")):
            admin.execute(statement)
    yield made
    with psycopg.connect(pg_cluster, autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute("DROP ROLE tactful_app, tactful_worker, tactful_owner")


@pytest.fixture
def platform(pg_cluster: str, roles: list[str]) -> SimpleNamespace:
    """A database of the guide's owner with its tables, its grants and row-level security on;
    the URLs of its three roles."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" OWNER tactful_owner')
    roles.append(name)
    url = pg_cluster.rsplit("/", 1)[0] + f"/{name}"
    urls = SimpleNamespace(**{role: as_role(url, f"tactful_{role}") for role in ("owner", "worker", "app")})
    owner = PostgresStore(urls.owner)  # makes the tables
    try:
        owner.enable_row_security()
        with owner.transaction() as conn:
            conn.execute(sql_block("GRANT"))
    finally:
        owner.close()
    return urls


def seeded(urls: SimpleNamespace, ticked: bool = True) -> dict[str, Any]:
    """Ada's and Bob's applications, with history, and (``ticked``) notices and deliveries,
    written by the worker; the ids of each one's application."""
    store = PostgresStore(urls.worker)
    try:
        clock = FakeClock(at("2026-05-04 17:00"))
        engine = Engine(store, clock, notify=True)
        ids: dict[str, Any] = {}
        for key, company in (("ada", "Northwind"), ("bob", "Contoso")):
            engine.add_candidate(key, name=key.title())
            app = engine.candidate(key).add(company, interviewed="2026-05-04")
            engine.candidate(key).record(app.id, "news", text=f"{company} opened an office in Lyon")
            ids[key] = app.id
        if not ticked:
            return ids
        clock.set(at("2026-05-22 10:00"))
        assert len(engine.tick()) == 2  # the follow-ups come due: notices for the outbox
        with store.transaction() as conn:
            kinds = [row[0] for row in conn.execute("SELECT DISTINCT payload::json->>'kind' FROM outbox")]
        assert store.outbox.expand({kind: ["mail"] for kind in kinds}) > 0
        every = rows(urls.worker)
        assert all({"ada", "bob"} <= {row[0] for row in found} for found in every.values()), every
        return ids
    finally:
        store.close()


def rows(url: str, statement: str = "") -> dict[str, list[tuple[Any, ...]]]:
    """Each table's rows as ``url``'s role reads them (after ``statement``), ordered."""
    with psycopg.connect(url) as conn:
        if statement:
            conn.execute(statement)
        return {table: sorted(conn.execute(sql).fetchall(), key=repr) for table, sql in ROWS.items()}


def of(every: dict[str, list[tuple[Any, ...]]], key: str) -> dict[str, list[tuple[Any, ...]]]:
    return {table: [row for row in found if row[0] == key] for table, found in every.items()}


def test_the_guide_shows_the_sql_enable_row_security_runs():
    assert sql_block("CREATE OR REPLACE FUNCTION tactful_candidate()") == ENABLE


def test_a_role_bound_to_one_candidate_reads_none_of_anothers_rows(platform):
    ids = seeded(platform)
    every = rows(platform.worker)
    assert rows(platform.app, "SET tactful.candidate = 'ada'") == of(every, "ada")  # every table, raw SQL
    store = PostgresStore(platform.app, candidate="ada")
    try:
        far = at("2030-01-01 00:00")
        assert [a.id for a in store.all()] == [ids["ada"]]  # all(None): "every candidate" is Ada alone
        assert store.get(ids["bob"]) is None and store.history(ids["bob"]) == []
        assert len(store.history(ids["ada"])) > 1
        assert [a.id for a in store.agenda(far)] == [a.id for a in store.page(0, 100)] == [ids["ada"]]
        states = {row[3] for row in every["applications"]}  # Bob's state too
        assert [a.id for a in store.in_states(states)] == [ids["ada"]]
        with store.claim_due(far, 100) as claimed:  # a tick of Ada's own, were her app to run one
            assert {a.candidate for a in claimed} <= {"ada"}
        assert [c.key for c in store.candidates()] == ["ada"]
        assert store.get_candidate("bob") is None and store.get_candidate("") is None
        notices = [d.notice for d in store.outbox.listing(["pending", "failed", "delivered"])]
        assert notices and {n.candidate for n in notices} == {"ada"}
    finally:
        store.close()


def test_a_role_bound_to_one_candidate_claims_and_delivers_its_own_deliveries_only(platform):
    """The claim keeps a connection of its own: its transactions state the candidate too."""
    seeded(platform)
    now = at("2030-01-01 00:00")
    store = PostgresStore(platform.app, candidate="ada")
    try:
        with store.outbox.claim(now, 100) as mine:
            assert mine and {d.notice.candidate for d in mine} == {"ada"}
            for delivery in mine:
                store.outbox.finish(delivery, now, None)
    finally:
        store.close()
    worker = PostgresStore(platform.worker)
    try:
        done = {d.notice.candidate for d in worker.outbox.listing(["delivered"])}
        waiting = {d.notice.candidate for d in worker.outbox.listing(["pending"])}
    finally:
        worker.close()
    assert (done, waiting) == ({"ada"}, {"bob"})


#: What Ada's connection tries on Bob's rows: each finds no row to change.
CHANGES = (
    "UPDATE applications SET company = 'Mallory' WHERE candidate = 'bob'",
    "UPDATE history SET name = 'forged' WHERE app_id = {bob}",
    "UPDATE outbox SET payload = '{{}}' WHERE candidate = 'bob'",
    "UPDATE deliveries SET status = 'failed'",  # only Ada's own
    "UPDATE candidates SET name = 'Mallory' WHERE key = 'bob'",
    "DELETE FROM history WHERE app_id = {bob}",
    "DELETE FROM deliveries WHERE outbox_id IN (SELECT id FROM outbox WHERE candidate <> 'ada')",
    "DELETE FROM outbox WHERE candidate = 'bob'",
    "DELETE FROM applications WHERE candidate = 'bob'",
    "DELETE FROM candidates WHERE key <> 'ada'",
)
#: What Ada's connection tries to write as Bob's: each is refused.
FORGERIES = (
    "INSERT INTO applications (company, state, entered, facts, rules, rules_hash, candidate) "
    "SELECT 'Mallory', state, entered, facts, rules, rules_hash, 'bob' FROM applications",
    "UPDATE applications SET candidate = 'bob'",
    "INSERT INTO history (app_id, kind, name, at, recorded, source, target) "
    "VALUES ({bob}, 'event', 'news', 'x', 'x', 'x', 'x')",
    "INSERT INTO outbox (key, app_id, payload, candidate) VALUES ('forged', {bob}, '{{}}', 'bob')",
    "INSERT INTO deliveries (outbox_id, plugin, key) VALUES ({bob_notice}, 'mail', 'forged')",
    "INSERT INTO candidates (key) VALUES ('mallory')",
)


def test_a_role_bound_to_one_candidate_changes_none_of_anothers_rows(platform):
    ids = seeded(platform)
    bobs = of(rows(platform.worker), "bob")
    with psycopg.connect(platform.app, autocommit=True) as conn:
        conn.execute("SET tactful.candidate = 'ada'")
        for sql in CHANGES:
            conn.execute(sql.format(bob=ids["bob"]))
        for sql in FORGERIES:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute(sql.format(bob=ids["bob"], bob_notice=bobs["outbox"][0][1]))
    assert of(rows(platform.worker), "bob") == bobs  # all of Bob's rows, as they were


def test_the_store_bound_to_one_candidate_writes_nothing_of_anothers(platform):
    ids = seeded(platform)
    worker = PostgresStore(platform.worker)
    store = PostgresStore(platform.app, candidate="ada")
    try:
        bob, ada = worker.get(ids["bob"]), worker.get(ids["ada"])
        bobs = of(rows(platform.worker), "bob")
        with pytest.raises(InputError, match="refuses to write a row of another candidate"):
            store.insert([(ada._replace(id=0, candidate="bob"), [])])
        with pytest.raises(InputError, match="refuses to write a row of another candidate"):
            store.put_candidate(Candidate("bob", name="Mallory"))
        with pytest.raises(Conflict):
            store.save([Change(bob._replace(company="Mallory"), [], None, [])])
        assert store.remove(ids["bob"]) is False and store.remove_candidate("bob") is False
        assert of(rows(platform.worker), "bob") == bobs
    finally:
        store.close()
        worker.close()


def test_a_connection_that_states_no_candidate_gets_an_error_not_rows(platform, tmp_path):
    ids = seeded(platform)
    says = "answers only connections that state their candidate"
    with psycopg.connect(platform.app, autocommit=True) as conn:
        for before in ("", "SET tactful.candidate = ''", "SET tactful.candidate = 'ada'; RESET tactful.candidate"):
            if before:
                conn.execute(before)
            for table in ROWS:  # never set, set empty, reset: each an error, the implicit candidate's rows too
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="states no candidate"):
                    conn.execute(f"SELECT * FROM {table}")
    store = PostgresStore(platform.app, max_connections=1)  # one connection: the stated one is used again
    try:
        with store.as_candidate("ada"):
            assert [a.id for a in store.all()] == [ids["ada"]]
        for call in (lambda: store.get(ids["ada"]), store.candidates, lambda: store.outbox.listing(["pending"])):
            with pytest.raises(InputError, match=says):  # the statement ended with its transaction
                call()
    finally:
        store.close()
    done = run(tmp_path, "--database", platform.app, "list", now=NOW)
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert says in done.stderr and "the worker's" in done.stderr and "Traceback" not in done.stderr
    listed = json.loads(
        ok(tmp_path, "--database", platform.app, "--candidate", "ada", "list", "--json", now=NOW).stdout
    )
    assert [app["id"] for app in listed] == [ids["ada"]]  # --candidate is stated: the app role reads hers


def test_each_thread_states_its_own_candidate_and_the_engine_stays_within_it(platform):
    ids = seeded(platform)
    store = PostgresStore(platform.app)
    engine = Engine(store, FakeClock(at("2026-05-06 09:00")), notify=True)
    both = threading.Barrier(2, timeout=30)
    seen: dict[str, list[int]] = {}

    def serve(key: str) -> None:
        with store.as_candidate(key):
            both.wait()  # both threads are inside their blocks at once
            seen[key] = [a.id for a in store.all()]

    try:
        threads = [threading.Thread(target=serve, args=(key,)) for key in ("ada", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert seen == {"ada": [ids["ada"]], "bob": [ids["bob"]]}
        with store.as_candidate("ada"):
            ada = engine.candidate("ada")
            added = ada.add("Fabrikam", interviewed="2026-05-05")  # an application and its history
            assert [a.id for a in ada.applications()] == [ids["ada"], added.id]
            assert [c.key for c in engine.candidates()] == ["ada"]
            with pytest.raises(InputError, match=f"no application with id {ids['bob']}"):
                ada.load(ids["bob"])
            with pytest.raises(InputError, match="no candidate 'bob'"):  # the app's mistake, stopped
                engine.candidate("bob")
    finally:
        store.close()
    assert ("ada", added.id, "Fabrikam") in [row[:3] for row in rows(platform.worker)["applications"]]


def test_as_candidate_refuses_what_it_cannot_state(platform):
    store = PostgresStore(platform.app, candidate="ada")
    try:
        with pytest.raises(InputError, match="implicit candidate"), store.as_candidate(""):
            pass
        with pytest.raises(InputError, match="opened for candidate 'ada', not 'bob'"), store.as_candidate("bob"):
            pass
        with store.transaction(), pytest.raises(InputError, match="outside a transaction"), store.as_candidate("ada"):
            pass
    finally:
        store.close()
    with pytest.raises(InputError, match="malformed"):
        PostgresStore(platform.app, candidate="no spaces")


def test_the_workers_role_ticks_every_candidate(platform, tmp_path):
    ids = seeded(platform, ticked=False)
    fired = doc(tmp_path, "--database", platform.worker, "tick", now="2026-05-22T10:00:00+00:00")
    assert sorted(item["id"] for item in fired) == sorted(ids.values())
    assert {row[0] for row in rows(platform.worker)["outbox"]} == {"ada", "bob"}  # each one's notices
    owner = PostgresStore(platform.owner)  # the owner, too, reads every candidate's rows without stating one
    try:
        assert sorted(a.id for a in owner.all()) == sorted(ids.values())
    finally:
        owner.close()


def test_row_security_turned_on_twice_stays_on_and_off_lets_every_row_be_read(platform):
    ids = seeded(platform)
    owner = PostgresStore(platform.owner)
    app = PostgresStore(platform.app)
    try:
        owner.enable_row_security()  # again: nothing changes
        with pytest.raises(InputError, match="state their candidate"):
            list(app.all())
        with pytest.raises(InputError, match="only the owner of tactful's tables"):
            app.enable_row_security(on=False)
        owner.enable_row_security(on=False)
        assert sorted(a.id for a in app.all()) == sorted(ids.values())
        owner.enable_row_security()
        with pytest.raises(InputError, match="state their candidate"):
            list(app.all())
    finally:
        app.close()
        owner.close()
