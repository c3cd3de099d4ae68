"""The embedding API over both stores: durable timers, undo, edits, refusals that write nothing."""

import runpy
from pathlib import Path

import pytest

from tactful import Engine, InputError, Refused
from tactful.testing import FakeClock

from .helpers import at

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clock():
    return FakeClock(at("2026-05-04 17:00"))


@pytest.fixture
def engine(store, clock):
    return Engine(store, clock)


def test_tick_fires_each_due_timer_once(engine, clock):
    ids = [engine.add(f"Company {n}", interviewed="2026-05-04").id for n in range(3)]
    clock.set(at("2026-05-21 10:00"))
    fired = engine.tick()
    assert sorted(f.id for f in fired) == ids and {f.target for f in fired} == {"follow_up_due"}
    assert engine.tick() == []
    assert all(engine.store.get(i).next_due is None for i in ids)


def test_tick_works_in_batches(engine, clock):
    for n in range(7):
        engine.add(f"Company {n}", interviewed="2026-05-04")
    clock.set(at("2026-05-21 10:00"))
    assert len(engine.tick(batch=3)) == 7
    assert engine.tick(batch=3) == []


def test_one_tick_over_several_candidates_advises_each_from_their_own_offers(store, clock):
    """A tick's batch spans candidates and loads their portfolios at once: Alice's offer makes
    her first choice worth a call about it, Bob's accepted one makes his a withdrawal, and Carol,
    with neither, is advised to call; none of it reaches another candidate."""
    engine = Engine(store, clock, notify=True)
    ids = {}
    for key in ("alice", "bob", "carol"):
        engine.add_candidate(key)
        mine = engine.candidate(key)
        ids[key] = [mine.add(f"{key} {rank}", interviewed="2026-05-04", rank=rank).id for rank in (1, 2)]
    clock.set(at("2026-05-08 10:00"))
    engine.candidate("alice").record(ids["alice"][1], "offer", deadline="2026-05-30")
    engine.candidate("bob").record(ids["bob"][1], "offer", deadline="2026-05-30")
    engine.candidate("bob").record(ids["bob"][1], "accepted")
    engine.store.outbox.expand({"action_due": ["anyone"]})
    before = {d.id for d in engine.store.outbox.listing(["pending"])}
    clock.set(at("2026-05-21 10:00"))
    assert {f.id for f in engine.tick()} == {ids["alice"][0], ids["bob"][0], *ids["carol"]}
    engine.store.outbox.expand({"action_due": ["anyone"]})
    announced = {(d.notice.candidate, d.notice.app_id, d.notice.action)
                 for d in engine.store.outbox.listing(["pending"]) if d.id not in before}  # fmt: skip
    assert announced == {("alice", ids["alice"][0], "contact_first_choice"), ("alice", ids["alice"][0], "call"),
                         ("bob", ids["bob"][0], "withdraw"), ("carol", ids["carol"][0], "call"),
                         ("carol", ids["carol"][1], "call")}  # fmt: skip


def test_undo_takes_back_the_last_event_and_the_timers_after_it(engine, clock):
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    clock.set(at("2026-05-21 11:00"))
    engine.record(app.id, "called", outcome="noncommittal")
    assert engine.undo(app.id).state == "follow_up_due"
    assert engine.get(app.id).facts["calls_made"] == 0
    assert [e.name for e in engine.history(app.id)] == ["added", "thank_you_sent", "timer"]


def test_undo_with_nothing_to_undo_is_bad_input(engine):
    app = engine.add("Northwind", interviewed="2026-05-04")
    with pytest.raises(InputError, match="nothing to undo"):
        engine.undo(app.id)


def test_an_edit_recomputes_the_timer(engine):
    app = engine.add("Northwind", interviewed="2026-05-04")
    assert engine.edit(app.id, decision_by="2026-05-11").next_due == at("2026-05-14 09:00")


def test_a_refused_event_writes_nothing(engine, clock):
    first = engine.add("Northwind", interviewed="2026-05-04")
    second = engine.add("Contoso", interviewed="2026-05-04")
    clock.set(at("2026-05-12 10:00"))
    for app in (first, second):
        engine.record(app.id, "offer")
    engine.record(first.id, "accepted")
    before = (engine.store.get(second.id), engine.history(second.id))
    with pytest.raises(Refused, match="Northwind"):
        engine.record(second.id, "accepted")
    assert (engine.store.get(second.id), engine.history(second.id)) == before
    # an offer that came after accepting another: declining is the only advice
    assert [a.action for a in engine.advise(second.id)] == ["decline_offer"]


def test_an_event_in_the_future_is_bad_input(engine):
    app = engine.add("Northwind", interviewed="2026-05-04")
    with pytest.raises(InputError, match="in the future"):
        engine.record(app.id, "thank_you_sent", at=at("2026-05-05 10:00"))


def test_a_backdated_event_fires_the_timers_before_it_first(engine, clock):
    app = engine.add("Northwind", interviewed="2026-05-04")
    clock.set(at("2026-05-25 10:00"))
    done = engine.record(app.id, "called", at=at("2026-05-22 11:00"), outcome="noncommittal")
    assert [e.kind for e in done.entries] == ["timer", "event"]
    assert done.app.state == "awaiting_reply" and done.app.facts["last_call"] == "2026-05-22T11:00:00+00:00"


def test_an_event_before_the_interview_is_bad_input_and_writes_nothing(engine):
    app = engine.add("Northwind", interviewed="2026-05-04", timezone="America/New_York")
    with pytest.raises(InputError, match="^at 2026-04-30 is before the interview on 2026-05-04") as caught:
        engine.record(app.id, "thank_you_sent", at=at("2026-05-01 01:00"))  # still April 30 in New York
    assert caught.value.cli.startswith("--at 2026-04-30 is before")  # what the CLI prints
    assert engine.load(app.id) == app and len(engine.history(app.id)) == 1
    assert engine.record(app.id, "thank_you_sent", at=at("2026-05-04 14:00")).app.state == "awaiting_decision"


def test_a_misspelt_event_gets_a_hint(engine):
    app = engine.add("Northwind", interviewed="2026-05-04")
    with pytest.raises(InputError, match="unknown event 'calld'; did you mean 'called'"):
        engine.record(app.id, "calld")


def test_unknown_ids_are_bad_input(engine):
    with pytest.raises(InputError, match="no application with id 42"):
        engine.get(42)


def test_removing_deletes_the_history_too(engine):
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.remove(app.id)
    assert engine.store.get(app.id) is None and engine.store.history(app.id) == []


def test_a_stale_save_is_refused(engine):
    from tactful.stores.store import Change, Conflict

    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    with pytest.raises(Conflict):
        engine.store.save([Change(app)])


def test_the_clock_must_carry_a_time_zone(store):
    from datetime import datetime

    with pytest.raises(InputError, match="time zone"):
        Engine(store, lambda: datetime(2026, 5, 4)).add("Northwind", interviewed="2026-05-04")


def test_the_embedding_example_runs(capsys):
    runpy.run_path(str(ROOT / "examples" / "embed.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "next call on 2026-05-18 09:00 CEST" in out and "final state: withdrawn" in out


def test_writes_are_logged_without_message_bodies(engine, clock):
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        app = engine.add("Northwind", interviewed="2026-05-04")
        engine.record(app.id, "news", text="a secret merger")
        clock.set(at("2026-05-21 10:00"))
        engine.tick()
    events = [entry["event"] for entry in logs]
    assert events == ["application added", "event recorded", "timers fired"]
    assert logs[2]["count"] == 1
    assert "a secret merger" not in repr(logs)


def test_an_edit_with_nothing_to_change_is_bad_input(engine):
    app = engine.add("Northwind", interviewed="2026-05-04")
    with pytest.raises(InputError, match="nothing to change"):
        engine.edit(app.id)


def test_a_blank_company_is_refused_at_add_and_at_edit(engine):
    with pytest.raises(InputError, match="company's name is required"):
        engine.add("   ", interviewed="2026-05-04")
    app = engine.add("Northwind", interviewed="2026-05-04")
    with pytest.raises(InputError, match="company's name is required"):
        engine.edit(app.id, company="   ")
    assert engine.load(app.id) == app
    assert engine.edit(app.id, company=" Northwind Ltd ").company == "Northwind Ltd"


def test_facts_must_be_single_values(engine):
    rows = [{"company": "Northwind", "interviewed": "2026-05-04", "role": {"title": "Engineer"}}]
    with pytest.raises(InputError, match=r"^role must be a single value, not \{'title': 'Engineer'\}"):
        engine.add_many(rows)
    with pytest.raises(InputError, match=r"company's name must be text, not \['X'\]"):
        engine.add_many([{"company": ["X"], "interviewed": "2026-05-04"}])
    assert list(engine.store.all()) == []


def test_adding_many_is_all_or_nothing(engine):
    rows = [{"company": "Northwind", "interviewed": "2026-05-04"}, {"company": "Contoso", "interviewed": "May 4"}]
    with pytest.raises(InputError, match="row 2: interviewed 'May 4'") as caught:
        engine.add_many(rows)
    assert caught.value.cli.startswith("row 2: --interviewed 'May 4'")  # what `tactful import` prints
    assert list(engine.store.all()) == []
    assert [a.company for a in engine.add_many(rows[:1])] == ["Northwind"]


class Overtaken:
    """A store whose first ``save`` is overtaken: just before it, ``rival`` records on the same
    application, so that save carries a stale version and meets a real :class:`Conflict`."""

    def __init__(self, store, rival):
        self._store, self._rival, self.saves = store, rival, 0

    def __getattr__(self, name):
        return getattr(self._store, name)

    def save(self, changes):
        self.saves += 1
        if self.saves == 1:
            self._rival()
        return self._store.save(changes)


def test_a_record_that_loses_a_race_is_worked_out_again_from_the_saved_record(store, clock):
    first = Engine(store, clock)
    app = first.add("Northwind", interviewed="2026-05-04")
    other = Engine(store, clock)
    overtaken = Overtaken(store, lambda: other.record(app.id, "news", text="a recruiter wrote"))
    racing = Engine(overtaken, clock)
    racing.record(app.id, "thank_you_sent")
    assert overtaken.saves == 2  # the first save met the Conflict; the second was worked out afresh
    assert [e.name for e in store.history(app.id)][-2:] == ["news", "thank_you_sent"]
    assert store.get(app.id).state == "awaiting_decision"
