"""The right to erasure: removing a candidate leaves no row of theirs in any table of an SQLite
or PostgreSQL store (applications, history, notices, deliveries, the candidate), and every
other row exactly as it was. Read straight from the database, table by table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tactful import Change, Engine, InputError, SQLiteStore
from tactful.runtime.notify import Notice
from tactful.runtime.rows import ImportRow
from tactful.testing import FakeClock, RecordingPlugin, deliver, get_plugin_manager

START = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)
#: What only Alice's rows hold: none of it may be left anywhere.
HERS = ("alice", "Alice Ames", "alice@example.org", "Aliceworks", "Ms Secret")


def rows(store: Any) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table of ``store``'s database, by table."""
    if isinstance(store, SQLiteStore):
        names = [n for (n,) in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: set(store.db.execute(f'SELECT * FROM "{n}"').fetchall()) for n in names}
    with store.transaction() as conn:
        names = [n for (n,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {n: set(map(tuple, conn.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}


def fill(engine: Engine, clock: FakeClock) -> list[int]:
    """Three candidates' applications, events, timers fired and notices delivered (one plugin
    fails, so some deliveries wait); Alice's application ids."""
    engine.add_candidate("alice", name="Alice Ames", email="alice@example.org", zone="Europe/Paris")
    engine.add_candidate("bob", name="Bob", email="bob@example.org")
    alice, bob = engine.candidate("alice"), engine.candidate("bob")
    engine.add("Northwind", interviewed="2026-05-04")
    mine = [alice.add("Aliceworks", interviewed="2026-05-04", interviewer="Ms Secret", rank=1),
            alice.add("Contoso", interviewed="2026-05-04", rank=2),
            alice.add("Fabrikam", interviewed="2026-05-03")]  # fmt: skip
    theirs = [bob.add("Contoso", interviewed="2026-05-04", rank=1), bob.add("Initech", interviewed="2026-05-04")]
    clock.advance(days=2)
    alice.record(mine[1].id, "offer", deadline="2026-05-12")
    bob.record(theirs[1].id, "offer", deadline="2026-05-12")
    alice.record(mine[0].id, "news", text="Aliceworks opened an office")
    pm = get_plugin_manager(entry_points=False, builtins=False)
    failing = RecordingPlugin()
    failing.fail_with = RuntimeError("down")
    pm.register(RecordingPlugin(), "recorder")
    pm.register(failing, "failing")
    for _ in range(3):
        clock.advance(days=7)
        engine.tick()
        deliver(engine.store.outbox, pm, clock(), drafts=engine.notice_draft)
    alice.remove(mine[2].id)  # its notices stay until she is erased
    return [a.id for a in mine]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_removing_a_candidate_leaves_no_row_of_theirs_and_every_other_row_as_it_was(kind, tmp_path, request):
    if kind == "sqlite":
        store = SQLiteStore(tmp_path / "tactful.sqlite3")
    else:
        from tactful.stores.postgres_store import PostgresStore

        store = PostgresStore(request.getfixturevalue("pg_url"))
    clock = FakeClock(START)
    engine = Engine(store, clock, notify=True)
    ids = fill(engine, clock)
    before = rows(store)
    hers = {"applications": {r for r in before["applications"] if r[0] in ids},
            "history": {r for r in before["history"] if r[1] in ids},
            "outbox": {r for r in before["outbox"] if '"candidate": "alice"' in r[3]},
            "candidates": {r for r in before["candidates"] if r[0] == "alice"}}  # fmt: skip
    hers["deliveries"] = {r for r in before["deliveries"] if r[1] in {o[0] for o in hers["outbox"]}}
    assert all(hers.values()) and {r[4] for r in hers["deliveries"]} >= {"pending", "delivered"}
    engine.remove_candidate("alice")
    after = rows(store)
    after.pop("id_mark", None)  # the SQLite store's mark of the largest id given: it counts theirs
    before.pop("id_mark", None)
    assert after == {table: found - hers.get(table, set()) for table, found in before.items()}
    assert not [r for table in after.values() for r in table if any(word in repr(r) for word in HERS)]
    assert [c.key for c in engine.candidates()] == ["", "bob"]
    store.close()


def test_an_engine_bound_to_a_candidate_before_they_were_removed_finds_and_adds_nothing(tmp_path):
    """A request still holding an engine bound to Alice when she is erased (a web worker, say)
    finds nothing of hers, and cannot add an application that nobody would own."""
    store = SQLiteStore(tmp_path / "tactful.sqlite3")
    clock = FakeClock(START)
    engine = Engine(store, clock, notify=True)
    ids = fill(engine, clock)
    alice = engine.candidate("alice")
    engine.remove_candidate("alice")
    assert list(alice.overview()) == [] and alice.agenda(until=clock() + timedelta(days=30)) == []
    for app_id in ids:
        with pytest.raises(InputError, match=f"^no application with id {app_id};"):
            alice.get(app_id)
    with pytest.raises(InputError, match="^no candidate 'alice'; Engine.candidates"):
        alice.add("Globex", interviewed="2026-05-04")
    with pytest.raises(InputError, match="^no candidate 'alice'"):
        alice.import_rows([ImportRow("rows.csv:2", {"company": "Globex", "interviewed": "2026-05-04"})])
    assert {a.candidate for a in store.all()} == {"", "bob"}
    store.close()


def _waiting_for_a_lock(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                           "AND datname = current_database()").fetchone()  # fmt: skip
    return bool(row and row[0])


def test_erasing_a_candidate_while_a_tick_holds_their_application_takes_the_ticks_notices_too(pg_url):
    """On PostgreSQL a tick holds its batch's rows until it commits: an erasure meanwhile waits
    for it, and then also erases the notices that tick wrote for the candidate (read before
    the wait, they were left behind, name, company and all)."""
    import threading

    from tactful.stores.postgres_store import PostgresStore

    store = PostgresStore(pg_url)
    clock = FakeClock(START)
    engine = Engine(store, clock, notify=True)
    engine.add_candidate("alice", name="Alice Ames")
    engine.candidate("alice").add("Aliceworks", interviewed="2026-05-04")
    clock.advance(days=30)
    erased: list[bool] = []
    with store.claim_due(clock(), 10) as due:  # a tick's batch: Alice's application, held
        [app] = due
        told = Notice("action_due", "alice-1", app.id, app.company, "follow_up_due", clock(), candidate="alice")
        store.save([Change(app, outbox=[told])])
        eraser = threading.Thread(target=lambda: erased.append(store.remove_candidate("alice")))
        eraser.start()
        for _ in range(5000):  # until the erasure waits for this batch's rows
            if _waiting_for_a_lock(store.url.conninfo) or not eraser.is_alive():
                break
    eraser.join(timeout=60)
    assert erased == [True]
    after = rows(store)
    assert not [r for table in after.values() for r in table if any(word in repr(r) for word in HERS)], after
    store.close()
