"""Delivery hands each hook the candidate its notice concerns, looked up once per candidate per
pass, on every store; a plugin that does not take the new argument is called as before."""

from __future__ import annotations

from collections import Counter

from tactful import Engine, MemoryStore
from tactful.hooks.delivery import deliver
from tactful.hooks.pluginmanager import get_plugin_manager
from tactful.hookspecs import Candidate, hookimpl
from tactful.runtime.notify import Notice
from tactful.testing import FakeClock, RecordingPlugin

from .candidates import COMPANIES, populate
from .helpers import at

FIELDS = {"alice": {"name": "Alice Martin", "email": "alice@example.org"},
          "bob": {"email": "bob@example.org", "sms": "TACTFUL_SMS_BOB"}}  # fmt: skip


class OldStyle:
    """A plugin written before candidates: its hooks name only ``notice`` and ``key``."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    @hookimpl
    def tactful_transition(self, notice, key):
        self.seen.append(("transition", notice.company, key))

    @hookimpl
    def tactful_action_due(self, notice, key):
        self.seen.append(("action_due", notice.company, key))


def setup(store):
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    populate(engine, **FIELDS)
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    pm = get_plugin_manager(entry_points=False)
    recorder = RecordingPlugin()
    pm.register(recorder, "recorder")
    return engine, clock, pm, recorder


def test_each_hook_gets_the_record_of_the_candidate_its_notice_concerns(store):
    engine, clock, pm, recorder = setup(store)
    asked: Counter[str] = Counter()

    def lookup(key: str) -> Candidate | None:
        asked[key] += 1
        return store.get_candidate(key)

    report = deliver(store.outbox, pm, clock(), candidates=lookup)
    assert report.failed == [] and len(recorder.calls) > 3  # transitions and due actions of all three
    for (_, notice, _), candidate in zip(recorder.calls, recorder.candidates, strict=True):
        assert candidate == store.get_candidate(notice.candidate)
        assert notice.company == COMPANIES[candidate.key]
    alice = next(c for (_, n, _), c in zip(recorder.calls, recorder.candidates, strict=True) if n.candidate == "alice")
    assert alice == Candidate("alice", "Alice Martin", email="alice@example.org")
    assert asked == {"": 1, "alice": 1, "bob": 1}  # once per candidate, not once per notice


def test_a_plugin_that_does_not_name_the_candidate_is_called_as_before(store):
    engine, clock, pm, recorder = setup(store)
    old = OldStyle()
    pm.register(old, "old")
    pm.check_pending()
    report = deliver(store.outbox, pm, clock(), candidates=store.get_candidate)
    assert report.failed == []
    assert {company for _, company, _ in old.seen} == set(COMPANIES.values())  # every candidate's, as one stream
    assert len(old.seen) == len(recorder.calls)
    assert all(key.endswith("/old") for _, _, key in old.seen)


def test_without_a_way_to_look_candidates_up_hooks_get_none():
    """An application delivering as it did before candidates: the hooks are still called."""
    store = MemoryStore()
    engine, clock, pm, recorder = setup(store)
    report = deliver(store.outbox, pm, clock())
    assert report.failed == [] and recorder.calls
    assert set(recorder.candidates) == {None}


def test_the_candidate_is_read_when_the_notice_is_delivered(store):
    """An address changed after the notice was written is the one its delivery uses."""
    engine, clock, pm, recorder = setup(store)
    engine.edit_candidate("alice", email="alice@new.example.org")
    deliver(store.outbox, pm, clock(), candidates=store.get_candidate)
    pairs = zip(recorder.calls, recorder.candidates, strict=True)
    assert {c.email for (_, n, _), c in pairs if n.candidate == "alice"} == {"alice@new.example.org"}


def test_a_notice_of_a_candidate_no_longer_stored_fails_and_reaches_no_plugin():
    store = MemoryStore()
    clock = FakeClock(at("2026-05-21 10:00"))
    ghost = Notice("transition", "9/transition/x", 9, "Northwind", "s", clock(), candidate="carol")
    store.outbox.add([ghost])
    pm = get_plugin_manager(entry_points=False)
    recorder = RecordingPlugin()
    pm.register(recorder, "recorder")
    report = deliver(store.outbox, pm, clock(), candidates=store.get_candidate)
    [(_, error)] = report.failed
    assert error == "the notice is for candidate 'carol', who is no longer in the store; it was not sent"
    assert recorder.calls == []
    [pending] = store.outbox.listing(["pending"])
    assert pending.last_error == error and pending.attempts == 1
