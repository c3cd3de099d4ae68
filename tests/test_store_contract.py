"""The store contract, run against every store tactful ships (memory, SQLite, PostgreSQL):
what an embedding app writing its own store must also do (see docs/embedding.md)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tactful import Application, Change, Conflict, Engine, LogEntry
from tactful.runtime.notify import Notice
from tactful.testing import FakeClock

from .helpers import at

PARIS = "Europe/Paris"


def new_app(company: str = "Northwind", wake: str | None = "2026-05-21 09:00", tz: str = PARIS) -> Application:
    moment = at(wake, tz) if wake else None
    return Application(0, company, "interviewed", at("2026-05-04 09:00", tz), {"interviewed": "2026-05-04"},
                       "default", "h1", next_due=moment, timer=0, wake=moment)  # fmt: skip


def entry(name: str, when: str = "2026-05-04 18:00") -> LogEntry:
    moment = at(when, PARIS)
    return LogEntry("event", name, moment, moment, "interviewed", "awaiting_decision", {"note": name})


def notice(key: str) -> Notice:
    moment = at("2026-05-21 09:00", PARIS)
    return Notice("action_due", key, 1, "Northwind", "follow_up_due", moment, action="call", due=moment)


def test_insert_numbers_applications_and_get_gives_them_back(store):
    first, second = store.insert([(new_app("A"), [entry("added")]), (new_app("B"), [])], [("h1", "default", "{}")])
    assert 0 < first.id < second.id and first.version == second.version == 1
    got = store.get(first.id)
    assert got == first and isinstance(got.id, int)
    assert store.get(second.id + 100) is None
    assert store.kept_rules("h1") == "{}" and store.kept_rules("nope") is None


def test_times_come_back_with_their_iana_zone(store):
    [app] = store.insert([(new_app(), [entry("added")])])
    app = store.get(app.id)
    assert app.entered == at("2026-05-04 09:00", PARIS) and str(app.entered.tzinfo) == PARIS
    [row] = store.history(app.id)
    assert row.at == at("2026-05-04 18:00", PARIS) and str(row.at.tzinfo) == PARIS
    store.save([Change(app._replace(notified=at("2026-05-22 10:00", PARIS)), outbox=[notice("k1")])])
    assert str(store.get(app.id).notified.tzinfo) == PARIS
    store.outbox.expand({"action_due": ["p"]})
    [delivery] = store.outbox.listing(["pending"])
    assert delivery.notice.at == at("2026-05-21 09:00", PARIS) and str(delivery.notice.at.tzinfo) == PARIS
    assert str(delivery.notice.due.tzinfo) == PARIS


def test_save_bumps_the_version_and_a_stale_save_writes_nothing(store):
    [app] = store.insert([(new_app(), [entry("added")])])
    store.save([Change(app._replace(state="awaiting_decision"), [entry("thank_you_sent")], outbox=[notice("a")])])
    saved = store.get(app.id)
    assert saved.version == 2 and saved.state == "awaiting_decision"
    with pytest.raises(Conflict):
        store.save([Change(app._replace(state="withdrawn"), [entry("withdrawn")], outbox=[notice("b")])])
    assert store.get(app.id) == saved and [e.name for e in store.history(app.id)] == ["added", "thank_you_sent"]
    assert store.outbox.expand({"action_due": ["p"]}) == 1  # only the first save's notice was kept


def test_history_rows_are_numbered_in_order_and_undo_drops_from_a_row(store):
    [app] = store.insert([(new_app(), [entry("added")])])
    store.save([Change(app, [entry("one"), entry("two"), entry("three")])])
    rows = store.history(app.id)
    assert [e.name for e in rows] == ["added", "one", "two", "three"]
    assert [e.id for e in rows] == sorted(e.id for e in rows) and len({e.id for e in rows}) == 4
    store.save([Change(store.get(app.id), drop_from=rows[2].id)])
    assert [e.name for e in store.history(app.id)] == ["added", "one"]


def test_due_is_ordered_by_wake_then_id_and_pages_by_cursor(store):
    made = store.insert([(new_app("late", "2026-05-22 09:00"), []), (new_app("early", "2026-05-20 09:00"), []),
                         (new_app("none", None), []), (new_app("future", "2026-07-01 09:00"), []),
                         (new_app("early too", "2026-05-20 09:00"), [])])  # fmt: skip
    now = at("2026-06-01 00:00")
    assert [a.company for a in store.due(now, 10)] == ["early", "early too", "late"]
    first = store.due(now, 1)
    assert [a.company for a in store.due(now, 10, (first[0].wake, first[0].id))] == ["early too", "late"]
    assert [a.id for a in store.all()] == sorted(a.id for a in made)
    assert {a.company for a in store.in_states(["interviewed"])} == {a.company for a in made}


def test_a_claim_commits_its_saves_at_the_end_and_an_error_writes_nothing(store):
    [app] = store.insert([(new_app(), [])])
    now = at("2026-06-01 00:00")
    with pytest.raises(RuntimeError), store.claim_due(now, 10) as due:
        store.save([Change(due[0]._replace(wake=None), [entry("fired")])])
        raise RuntimeError("the tick died here")
    assert store.get(app.id).version == 1 and store.history(app.id) == []
    with store.claim_due(now, 10) as due:
        store.save([Change(due[0]._replace(wake=None), [entry("fired")])])
    assert store.get(app.id).version == 2 and store.due(now, 10) == []


def test_removing_deletes_the_application_and_its_history(store):
    [app] = store.insert([(new_app(), [entry("added")])])
    assert store.remove(app.id) is True and store.remove(app.id) is False
    assert store.get(app.id) is None and store.history(app.id) == []


def test_a_notice_key_is_kept_once_and_expanded_once_per_plugin(store):
    [app] = store.insert([(new_app(), [])])
    store.save([Change(app, outbox=[notice("k"), notice("k")])])
    store.save([Change(store.get(app.id), outbox=[notice("k")])])
    assert store.outbox.expand({"action_due": ["mail", "sms"]}) == 2
    assert store.outbox.expand({"action_due": ["mail", "sms"]}) == 0
    assert sorted(d.key for d in store.outbox.listing(["pending"])) == ["k/mail", "k/sms"]


def test_a_claimed_delivery_is_given_to_nobody_else_until_finished(store):
    [app] = store.insert([(new_app(), [])])
    store.save([Change(app, outbox=[notice(f"k{n}") for n in range(6)])])
    store.outbox.expand({"action_due": ["p"]})
    now = at("2026-06-01 00:00")
    seen: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def first() -> None:
        with store.outbox.claim(now, 3) as mine:
            seen.extend(d.key for d in mine)
            inside.set()
            release.wait(30)
            for d in mine:
                store.outbox.finish(d, now, None)

    holder = threading.Thread(target=first)
    holder.start()
    assert inside.wait(30)
    try:
        with store.outbox.claim(now, 10) as others:  # PostgreSQL skips the locked rows; the others skip claims
            seen.extend(d.key for d in others)
            for d in others:
                store.outbox.finish(d, now, None)
    finally:
        release.set()
        holder.join(30)
    assert sorted(seen) == sorted(f"k{n}/p" for n in range(6))
    assert len(store.outbox.listing(["delivered"])) == 6


def test_threads_sharing_one_engine_fire_each_due_application_once(store):
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    ids = [a.id for a in engine.add_many([{"company": f"C{n}", "interviewed": "2026-05-04"} for n in range(40)])]
    clock.set(at("2026-05-04 17:00") + timedelta(days=30))
    fired: list[int] = []
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            engine.record(ids[offset], "news", text="hello")
            fired.extend(f.id for f in engine.tick(batch=5))
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    # Each first timer fired once: by a tick, or by the record that caught its application up.
    assert len(fired) == len(set(fired)) and set(ids[4:]) <= set(fired)
    assert [sum(e.kind == "timer" for e in store.history(i)) for i in ids] == [1] * len(ids)
    assert [sum(e.name == "news" for e in store.history(i)) for i in ids[:4]] == [1] * 4
