"""The store contract, run against every store tactful ships (memory, SQLite, PostgreSQL):
what an embedding app writing its own store must also do (see docs/embedding.md)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tactful import Application, Change, Conflict, Engine, LogEntry
from tactful.runtime.notify import Notice
from tactful.stores.store import outside_states
from tactful.testing import FakeClock
from tactful.vocabulary.records import Candidate

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


def zoned(app: Application) -> list[tuple[datetime | None, str | None]]:
    """Each indexed moment of ``app`` with the name of its zone: what must survive a store."""
    return [(m, None if m is None else str(m.tzinfo)) for m in (app.next_due, app.wake, app.agenda)]


def test_indexed_moments_come_back_in_the_zone_they_went_in_from_every_read(store):
    india = timezone(timedelta(hours=5, minutes=30))  # a fixed offset stays a fixed offset
    shared = new_app("shared")._replace(agenda=at("2026-05-21 09:00", PARIS))
    mixed = new_app("mixed")._replace(wake=at("2026-05-20 09:00", "America/New_York"),
                                      agenda=datetime(2026, 5, 19, 8, 0, tzinfo=india))  # fmt: skip
    bare = new_app("bare", None)
    stored = store.insert([(shared, []), (mixed, []), (bare, [])])
    expected = [zoned(a) for a in (shared, mixed, bare)]
    assert [zoned(a) for a in stored] == expected
    assert expected[1] == [(at("2026-05-21 09:00", PARIS), PARIS), (at("2026-05-20 09:00", "America/New_York"),
                           "America/New_York"), (datetime(2026, 5, 19, 8, 0, tzinfo=india), "UTC+05:30")]  # fmt: skip
    now, ids = at("2026-06-01 00:00"), [a.id for a in stored]
    reads = {
        "get": [store.get(i) for i in ids],
        "all": list(store.all()),
        "in_states": sorted(store.in_states(["interviewed"]), key=lambda a: a.id),
        "page": store.page(0, 10),
        "agenda": store.agenda(now) + [store.get(ids[2])],
    }
    with store.claim_due(now, 10) as claimed:
        reads["claim_due"] = sorted(claimed, key=lambda a: a.id) + [store.get(ids[2])]
    reads["due"] = sorted(store.due(now, 10), key=lambda a: a.id) + [store.get(ids[2])]
    for read, apps in reads.items():
        assert [zoned(a) for a in apps] == expected, read
    tokyo = at("2026-07-01 09:00", "Asia/Tokyo")
    store.save([Change(stored[0]._replace(next_due=tokyo, wake=tokyo, agenda=None))])
    assert zoned(store.get(ids[0])) == [(tokyo, "Asia/Tokyo"), (tokyo, "Asia/Tokyo"), (None, None)]


def test_the_agenda_index_gives_what_is_due_by_a_moment_and_pages_go_by_id(store):
    def app(company: str, agenda: str | None) -> Application:
        return new_app(company)._replace(agenda=at(agenda, PARIS) if agenda else None)

    made = store.insert([(app("overdue", "2026-05-01 09:00"), []), (app("finished", None), []),
                         (app("on the day", "2026-05-15 09:00"), []), (app("later", "2026-05-15 09:01"), []),
                         (app("soon", "2026-05-10 09:00"), [])])  # fmt: skip
    ids = [a.id for a in made]
    assert [a.company for a in store.agenda(at("2026-05-15 09:00", PARIS))] == ["overdue", "on the day", "soon"]
    assert store.agenda(at("2026-04-01 00:00")) == []
    assert [a.id for a in store.page(0, 2)] == ids[:2]
    assert [a.id for a in store.page(ids[1], 2)] == ids[2:4]
    assert [a.id for a in store.page(ids[3], 10)] == ids[4:] and store.page(ids[4], 10) == []
    assert store.page(0, 10) == [store.get(i) for i in ids]


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


def test_notices_expanded_while_no_plugin_took_them_are_not_delivered_later(store):
    [app] = store.insert([(new_app(), [])])
    store.save([Change(app, outbox=[notice("old"), notice("older")])])
    assert store.outbox.expand({}) == 0  # no plugin configured yet: nothing to deliver
    store.save([Change(store.get(app.id), outbox=[notice("new")])])
    assert store.outbox.expand({"action_due": ["mail"], "transition": []}) == 1
    assert [d.key for d in store.outbox.listing(["pending"])] == ["new/mail"]


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


def test_an_attempt_finished_inside_a_claim_is_kept_before_the_claim_ends(store):
    """What a claim has delivered is durable at once: a process killed later in its claim
    does not have it delivered again."""
    [app] = store.insert([(new_app(), [])])
    store.save([Change(app, outbox=[notice("k0"), notice("k1")])])
    store.outbox.expand({"action_due": ["p"]})
    now = at("2026-06-01 00:00")
    seen: list[str] = []
    with store.outbox.claim(now, 10) as mine:
        store.outbox.finish(mine[0], now, None)
        other = threading.Thread(target=lambda: seen.extend(d.key for d in store.outbox.listing(["delivered"])))
        other.start()  # another thread: another connection, which sees only what is committed
        other.join(30)
    assert seen == ["k0/p"]


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


# -- candidates -------------------------------------------------------------------------


def of(candidate: str, company: str = "Northwind", **changes: Any) -> Application:
    return new_app(company)._replace(candidate=candidate, **changes)


def test_the_implicit_candidate_is_always_there_and_candidates_come_by_key(store):
    assert store.candidates() == [Candidate("")] and store.get_candidate("") == Candidate("")
    bob = Candidate("bob", "Bob", "America/New_York", "small-company", "bob@example.org", "TACTFUL_SMS_BOB")
    store.put_candidate(bob)
    store.put_candidate(Candidate("alice", "Alice"))
    assert store.candidates() == [Candidate(""), Candidate("alice", "Alice"), bob]
    assert store.get_candidate("bob") == bob and store.get_candidate("carol") is None
    store.put_candidate(bob._replace(name="Robert", email=None))  # the same key: replaced
    assert store.get_candidate("bob") == bob._replace(name="Robert", email=None)
    assert len(store.candidates()) == 3


def test_every_read_that_spans_applications_takes_the_candidate(store):
    soon, later = at("2026-05-10 09:00", PARIS), at("2026-05-20 09:00", PARIS)
    made = store.insert([(of("alice", "A1", agenda=soon), []), (of("bob", "B1", agenda=soon), []),
                         (of("", "I1", agenda=later), []), (of("alice", "A2", state="offer_received"), []),
                         (of("bob", "B2", agenda=later), [])])  # fmt: skip
    a1, b1, i1, a2, b2 = (a.id for a in made)
    assert [a.candidate for a in made] == ["alice", "bob", "", "alice", "bob"]
    assert [a.id for a in store.all("alice")] == [a1, a2] and [a.id for a in store.all("")] == [i1]
    assert [a.id for a in store.all()] == [a1, b1, i1, a2, b2] and list(store.all("carol")) == []
    assert [a.id for a in store.agenda(soon, "bob")] == [b1] and [a.id for a in store.agenda(later, "bob")] == [b1, b2]
    assert [a.id for a in store.agenda(soon)] == [a1, b1]
    assert [a.id for a in store.page(0, 1, "bob")] == [b1] and [a.id for a in store.page(b1, 5, "bob")] == [b2]
    assert [a.id for a in store.page(a1, 2)] == [b1, i1] and store.page(0, 5, "carol") == []
    assert [a.id for a in store.in_states(["offer_received"], ["alice"])] == [a2]
    assert store.in_states(["offer_received"], ["bob", ""]) == [] and store.in_states(["offer_received"], []) == []
    assert sorted(a.id for a in store.in_states(["interviewed"], ["bob", ""])) == [b1, i1, b2]
    assert [a.id for a in store.in_states(["offer_received"])] == [a2]
    assert store.get(b1).candidate == "bob"  # get is not scoped: the engine checks whose it is
    with store.claim_due(at("2026-06-01 00:00"), 10) as due:
        assert {a.id: a.candidate for a in due} == {a.id: a.candidate for a in made}
    assert {a.candidate for a in store.due(at("2026-06-01 00:00"), 10)} == {"alice", "bob", ""}


def test_outside_states_gives_a_candidates_others_by_id_and_counts_the_rest(store):
    """What the board reads: the applications not finished, and how many are (the store's own
    method, or the walk a store without one gets)."""
    made = store.insert([(of("alice", "A1"), []), (of("alice", "A2", state="closed"), []),
                         (of("bob", "B1", state="closed"), []), (of("alice", "A3", state="offer_received"), []),
                         (of("alice", "A4", state="withdrawn"), [])])  # fmt: skip
    a1, a2, b1, a3, a4 = (a.id for a in made)
    apps, count = outside_states(store, {"closed", "withdrawn"}, "alice")
    assert [a.id for a in apps] == [a1, a3] and count == 2
    assert [a.id for a in outside_states(store, set(), "alice")[0]] == [a1, a2, a3, a4]
    assert outside_states(store, {"closed"}, "bob") == ([], 1) and outside_states(store, {"closed"}, "carol") == ([], 0)


def test_one_candidates_applications_in_some_states_are_all_found_however_many_stand_in_them(store):
    """A portfolio's look-up: few in the states asked for (read through the state index) or
    a thousand and more (through the candidate's own), the same answer, by id."""
    rows = [(of("alice" if n % 3 == 0 else "bob", f"C{n}"), []) for n in range(1_200)]
    made = store.insert([*rows, (of("alice", "Offer", state="offer_received"), [])])
    alices = [a.id for a in made if a.candidate == "alice" and a.state == "interviewed"]
    assert sorted(a.id for a in store.in_states(["interviewed"], ["alice"])) == alices
    assert [a.id for a in store.in_states(["offer_received"], ["alice"])] == [made[-1].id]
    assert store.in_states(["offer_received"], ["bob"]) == []


def test_a_saved_application_and_its_notices_keep_their_candidate(store):
    [app] = store.insert([(of("alice"), [entry("added")])])
    store.save([Change(app._replace(state="awaiting_decision"), [entry("sent")],
                       outbox=[notice("k")._replace(app_id=app.id, candidate="alice")])])  # fmt: skip
    assert store.get(app.id).candidate == "alice" and [a.id for a in store.all("alice")] == [app.id]
    store.outbox.expand({"action_due": ["p"]})
    [delivery] = store.outbox.listing(["pending"])
    assert delivery.notice.candidate == "alice"


def test_removing_a_candidate_erases_everything_of_theirs_and_nothing_else(store):
    for key in ("alice", "bob"):
        store.put_candidate(Candidate(key, key.title()))
    made = store.insert([(of("alice", "A1"), [entry("added")]), (of("bob", "B1"), [entry("added")]),
                         (of("alice", "A2"), [entry("added")]), (of("", "I1"), [entry("added")])])  # fmt: skip
    for app in made:
        told = notice(f"{app.id}/{app.candidate}")._replace(app_id=app.id, candidate=app.candidate)
        store.save([Change(app, [entry("news")], outbox=[told])])
    later = notice("later")._replace(app_id=made[2].id, candidate="alice")
    store.save([Change(store.get(made[2].id), outbox=[later])])
    store.outbox.expand({"action_due": ["mail", "sms"]})
    for delivery in store.outbox.listing(["pending"])[:3]:  # some delivered, some not
        store.outbox.finish(delivery, at("2026-06-01 00:00"), None)
    assert store.remove(made[2].id)  # its notices stay, until their candidate is erased
    before = {a.id: (store.get(a.id), store.history(a.id)) for a in made if a.candidate != "alice"}
    others = sorted(d.key for d in store.outbox.listing(["pending", "delivered"]) if d.notice.candidate != "alice")
    assert store.remove_candidate("alice") is True and store.remove_candidate("alice") is False
    assert store.get_candidate("alice") is None and [c.key for c in store.candidates()] == ["", "bob"]
    assert list(store.all("alice")) == [] and [store.get(a.id) for a in made if a.candidate == "alice"] == [None, None]
    assert [store.history(a.id) for a in made if a.candidate == "alice"] == [[], []]
    assert {a.id: (a, store.history(a.id)) for a in store.all()} == before
    assert sorted(d.key for d in store.outbox.listing(["pending", "delivered", "failed"])) == others
    assert store.outbox.expand({"action_due": ["mail", "sms"]}) == 0  # nothing of theirs comes back
    assert store.remove_candidate("carol") is False
