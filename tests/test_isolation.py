"""Isolation, proven: three candidates in one store answer exactly as three people with a store
each, on the memory, SQLite and PostgreSQL stores.

Random operations of three candidates (add, record, edit, undo, remove, import, tick, the
clock moving on, notices delivered, one candidate reaching for another's application) run on
one shared store through bound engines, and on three separate stores through plain engines.
Every answer (recorded results, errors, advice, agenda, list, show, can, drafts) and every
notice delivered must be equal once ids are mapped (see tests/isolation.py). Offers, accepted
offers and ranks are among the events, so each candidate's portfolio matters: Alice accepting
an offer must not make Bob's application advise `withdraw`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful import Engine, MemoryStore, RuleBook, SQLiteStore
from tactful.hookspecs import Notice
from tactful.runtime.rows import ImportRow
from tactful.testing import FakeClock, RecordingPlugin, deliver, get_plugin_manager

from .isolation import WHO, Side, outcome, separate_side, shared_side

#: A Monday evening; interviews are on the days before.
START = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)
COMPANIES = ("Northwind", "Contoso", "Fabrikam", "Initech")
OUTCOMES = ("no_answer", "voicemail", "noncommittal", "callback_requested")
EVENTS = ("thank_you_sent", "called", "note_sent", "emailed", "offer", "offer", "accepted", "accepted", "declined",
          "rejected", "withdrawn", "news")  # fmt: skip
#: How many random runs each store gets: each run is two dozen operations on four stores.
EXAMPLES = {"memory": 40, "sqlite": 15, "postgres": 5}

who = st.sampled_from(WHO)
n = st.integers(0, 5)
HOURS_BEFORE = st.sampled_from([0, 0, 5, 30])  # when it happened: now, or hours before
RECORD = st.tuples(st.just("record"), who, n, st.sampled_from(EVENTS), st.integers(0, 7), HOURS_BEFORE)
WAIT = st.tuples(st.just("wait"), st.sampled_from([1, 7, 26, 75, 190]))
DAYS_AGO, RANK, DECIDED_IN = st.integers(0, 6), st.sampled_from([None, 1, 2, 3]), st.sampled_from([None, 3, 9])
FIELDS = st.sampled_from(["rank", "decision_by", "company", "no_calls"])
IMPORTS = st.sampled_from(["fresh", "export", "foreign fresh", "foreign export"])
REACH = st.sampled_from(["show", "advise", "can", "drafts", "history", "record", "edit", "undo", "remove"])
OPERATIONS = st.one_of(
    st.tuples(st.just("add"), who, st.sampled_from(COMPANIES), DAYS_AGO, RANK, st.booleans(), DECIDED_IN),
    RECORD,  # recording is what moves applications (and portfolios) along: drawn thrice as often
    RECORD,
    RECORD,
    st.tuples(st.just("edit"), who, n, FIELDS, st.integers(0, 3)),
    st.tuples(st.just("undo"), who, n),
    st.tuples(st.just("remove"), who, n),
    st.tuples(st.just("import"), who, n, IMPORTS, who, st.booleans()),
    st.tuples(st.just("tick"), st.sampled_from([2, 20000])),
    WAIT,
    WAIT,
    st.tuples(st.just("deliver")),
    st.tuples(st.just("foreign"), who, who, n, REACH),
)
#: Each candidate starts with two applications, so most operations find something to act on.
PROLOGUE = [("add", w, c, 1, r, False, None) for w in WHO for c, r in (("Northwind", 1), ("Contoso", 2))]
#: And at the end, what is due by three days later fires, in batches that mix candidates, and is delivered.
EPILOGUE = [("wait", 75), ("tick", 2), ("deliver",)]


def params(event: str, k: int, now: datetime) -> dict[str, Any]:
    """The options of ``event``, varied by ``k``."""
    if event == "offer":
        return {"deadline": (now + timedelta(days=1 + k % 5)).date().isoformat()}
    if event == "called":
        outcome = OUTCOMES[k % len(OUTCOMES)]
        later = {"callback_at": (now + timedelta(days=1, hours=k)).isoformat()} if outcome == OUTCOMES[3] else {}
        return {"outcome": outcome, **later}
    return {"text": f"news {k}"} if event == "news" else {}


def edited(field: str, k: int, now: datetime) -> dict[str, Any]:
    values = {"rank": [1, 2, 3, None][k], "decision_by": (now + timedelta(days=3 * k)).date().isoformat(),
              "company": COMPANIES[k], "no_calls": k % 2 == 1}  # fmt: skip
    return {field: values[field]}


def act(side: Side, op: tuple[Any, ...]) -> Any:
    """Do ``op`` on ``side``; its answer, normalized."""
    kind, who = op[0], op[1]
    engine = side.engines[who]
    now = engine.now()
    if kind == "add":
        _, _, company, days, rank, no_calls, decision = op
        facts = {"interviewed": (now - timedelta(days=days)).date().isoformat(), "rank": rank, "no_calls": no_calls,
                 "decision_by": (now + timedelta(days=decision)).date().isoformat() if decision else None}  # fmt: skip
        done = outcome(lambda: engine.add(company, **facts))
        if done[0] == "ok":
            side.ids[who].append(done[1].id)
        return side.norm(who, done)
    if kind == "import":
        return side.import_rows(who, op[2], op[3], op[4], op[5])
    if kind == "foreign":
        return side.norm(who, reach(engine, side.foreign_id(who, op[2], op[3]), op[4]))
    app_id = side.app_id(who, op[2])
    at = now - timedelta(hours=op[5]) if kind == "record" and op[5] else None
    calls: dict[str, Callable[[], Any]] = {
        "record": lambda: engine.record(app_id, op[3], at=at, **params(op[3], op[4], now)),
        "edit": lambda: engine.edit(app_id, **edited(op[3], op[4], now)),
        "undo": lambda: engine.undo(app_id),
        "remove": lambda: engine.remove(app_id),
    }
    return side.norm(who, outcome(calls[kind]))


def reach(engine: Engine, app_id: int, what: str) -> tuple[str, Any]:
    """Whatever ``engine`` answers when asked ``what`` of an application that is not its candidate's."""
    calls: dict[str, Callable[[], Any]] = {
        "show": lambda: engine.get(app_id), "advise": lambda: engine.advise(app_id),
        "can": lambda: engine.check(app_id, "call"), "drafts": lambda: engine.drafts(app_id),
        "history": lambda: engine.history(app_id), "record": lambda: engine.record(app_id, "accepted"),
        "edit": lambda: engine.edit(app_id, rank=1), "undo": lambda: engine.undo(app_id),
        "remove": lambda: engine.remove(app_id),
    }  # fmt: skip
    return outcome(calls[what])


def ticked(side: Side, batch: int) -> dict[str, list[Any]]:
    """Tick ``side`` (the shared store once, for everyone; each separate store for its candidate);
    what fired for each candidate."""
    found: dict[str, list[Any]] = {w: [] for w in WHO}
    for whom, engine in side.tickers:
        for fired in engine.tick(batch):
            owner = whom or next(w for w in WHO if fired.id in side.ids[w])  # the shared store's: by id
            found[owner].append(side.norm(owner, fired))
    return found


def compare(sides: tuple[Side, Side], op: tuple[Any, ...], full: frozenset[str], people: tuple[str, ...] = WHO) -> None:
    """Each of ``people`` sees the same on both sides (those in ``full``: application by application too)."""
    for w in people:
        assert sides[0].views(w, w in full) == sides[1].views(w, w in full), (op, w)


def run(ops: list[tuple[Any, ...]], stores: list[Any], clock: FakeClock, rules: RuleBook) -> None:
    """``ops`` on the first store shared by the three candidates and on the other three, one each."""
    sides = (shared_side(stores[0], clock, rules), separate_side(stores[1:], clock, rules))
    for op in [*PROLOGUE, *ops, *EPILOGUE]:
        if op[0] == "wait":
            clock.advance(hours=op[1])
        elif op[0] == "tick":
            assert ticked(sides[0], op[1]) == ticked(sides[1], op[1]), op
        elif op[0] == "deliver":
            assert sides[0].notices() == sides[1].notices(), op
        else:
            assert act(sides[0], op) == act(sides[1], op), op
        compare(sides, op, frozenset([op[1]]) if op[0] not in ("wait", "tick", "deliver") else frozenset())
    compare(sides, ("end",), frozenset(WHO))
    assert sides[0].notices() == sides[1].notices()
    coach = sides[0].base.agenda_by_candidate(until=clock() + timedelta(days=10))
    alone = {w: sides[1].engines[w].agenda(until=clock() + timedelta(days=10)) for w in WHO}
    assert {p.key: sides[0].norm(p.key, items) for p, items in coach} == {
        w: sides[1].norm(w, items) for w, items in alone.items() if items
    }
    every = {w: sides[1].engines[w].agenda() for w in WHO}  # and everything to come, in one pass
    assert {p.key: sides[0].norm(p.key, items) for p, items in sides[0].base.agenda_by_candidate()} == {
        w: sides[1].norm(w, items) for w, items in every.items() if items
    }
    # Erasing one candidate changes nothing the others see.
    sides[0].base.remove_candidate("bob")
    compare(sides, ("bob erased",), frozenset(WHO), ("alice", "carol"))


def empty_stores(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[list[Any]]:
    """Four empty stores of ``kind`` for each run (PostgreSQL: four databases, emptied between runs)."""
    if kind == "memory":
        while True:
            yield [MemoryStore() for _ in range(4)]
    if kind == "sqlite":
        for number in itertools.count():
            stores = [SQLiteStore(tmp_path / f"{number}-{k}.sqlite3") for k in range(4)]
            yield stores
            for store in stores:
                store.close()
    from tactful.stores.postgres_store import PostgresStore

    from . import pgcluster

    cluster = request.getfixturevalue("pg_cluster")
    stores = [PostgresStore(pgcluster.fresh_database(cluster), max_connections=2) for _ in range(4)]
    try:
        while True:
            for store in stores:
                with store.transaction() as conn:
                    conn.execute("TRUNCATE applications, history, outbox, deliveries, rulesets, candidates, proposals, "
                                 "seen_messages "
                                 "RESTART IDENTITY")  # fmt: skip
                    conn.execute("INSERT INTO candidates (key) VALUES ('')")
            yield stores
    finally:
        for store in stores:
            store.close()


@pytest.mark.parametrize("kind", ["memory", "sqlite", "postgres"])
def test_three_candidates_in_one_store_answer_as_three_stores_do(kind, tmp_path, request):
    rules = RuleBook()
    supply = empty_stores(kind, tmp_path, request)

    @settings(max_examples=EXAMPLES[kind], deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ops=st.lists(OPERATIONS, min_size=8, max_size=24))
    def check(ops: list[tuple[Any, ...]]) -> None:
        run(ops, next(supply), FakeClock(START), rules)

    try:
        check()
    finally:
        supply.close()


def test_an_id_freed_by_a_removal_is_never_given_to_another_application(store):
    """Alice removes an application while its notices wait for delivery, and later leaves; the
    applications Carol adds or imports get ids nobody had, so Alice's notice is not drafted from
    Carol's application, and Carol's notices, whose keys start with the id, are not taken for
    Alice's and dropped (nor by a plugin that remembers the keys it has seen)."""
    clock = FakeClock(START)
    base = Engine(store, clock, notify=True)
    for key in ("alice", "carol"):
        base.add_candidate(key)
    alice, carol = base.candidate("alice"), base.candidate("carol")
    pm = get_plugin_manager(entry_points=False, builtins=False)
    pm.register(recorder := RecordingPlugin(), "recorder")

    def delivered() -> list[tuple[str, str, str, str]]:
        recorder.calls.clear()
        deliver(store.outbox, pm, clock(), drafts=base.notice_draft)
        return sorted((n.candidate, n.kind, n.company, n.draft or "") for _, n, _ in recorder.calls)

    gone = alice.add("Northwind", interviewed="2026-05-04", interviewer="Ms Ames")
    clock.set(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    base.tick()  # Alice's transition and call are announced, not delivered yet
    alice.remove(gone.id)
    added = carol.add("Contoso", interviewed="2026-05-04", interviewer="Mr Cole")
    row = ImportRow("rows.csv:2", {"id": gone.id, "company": "Fabrikam", "interviewed": "2026-05-04"})
    [imported] = carol.import_rows([row])
    assert delivered() == [("alice", "action_due", "Northwind", ""), ("alice", "transition", "Northwind", "")]
    base.tick()
    news = delivered()
    assert [(who, kind, company) for who, kind, company, _ in news] == [
        ("carol", kind, company) for kind in ("action_due", "transition") for company in ("Contoso", "Fabrikam")
    ]
    left = alice.add("Initech", interviewed="2026-05-04")
    base.remove_candidate("alice")
    erased = carol.add("Globex", interviewed="2026-05-04")
    base.tick()
    assert [company for _, _, company, _ in delivered()] == ["Globex", "Globex"]
    assert gone.id < added.id < imported < left.id < erased.id


def test_a_notice_is_drafted_only_from_its_own_candidates_application():
    """However a notice came to name an application of someone else's (an id given again, a
    store that reuses them), its draft is not written from that application."""
    clock = FakeClock(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    base = Engine(MemoryStore(), clock, notify=True)
    base.add_candidate("carol")
    app = base.candidate("carol").add("Contoso", interviewed="2026-05-04", interviewer="Mr Cole")
    notice = Notice("action_due", f"{app.id}/action/call/x", app.id, "Northwind", app.state, clock(), action="call",
                    candidate="carol")  # fmt: skip
    assert "Mr Cole" in (base.notice_draft(notice) or "")
    assert base.notice_draft(notice._replace(candidate="alice")) is None
    assert base.notice_draft(notice._replace(candidate="")) is None
