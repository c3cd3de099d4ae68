"""The trace `tactful why` shows is the evaluation's own: over random job searches (the ones
tests/test_properties.py drives), advice and may-I answers worked out with a recorder are
exactly those worked out without one, and the steps recorded end in those answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tactful import load_rules
from tactful.language.loader import shipped_names
from tactful.language.tracing import Recorder
from tactful.runtime import core
from tactful.runtime.policy import judge
from tactful.runtime.why import explain
from tests.test_properties import SETTINGS, Seeker, run

CHANNELS = ("call", "note", "email", "accept_offer", "linkedin_invite")


def traced_as_answered(s: Seeker) -> None:
    """`advise` and `judge` give the same with a recorder; each advised item and each answer is a step."""
    recorder = Recorder()
    traced = core.advise(s.rs, s.app, s.now, s.portfolio(), None, recorder)
    assert traced == core.advise(s.rs, s.app, s.now, s.portfolio()), s.app.state
    noted = [step.value for step in recorder.steps if step.what == "advised"]
    assert all(item in noted for item in traced), (traced, noted)
    for channel in CHANNELS:
        asked = Recorder()
        verdict = judge(s.rs, s.app, channel, s.now, s.portfolio(), None, asked)
        assert verdict == judge(s.rs, s.app, channel, s.now, s.portfolio()), (channel, s.app.state)
        first = next(step for step in asked.steps if step.what == "answer")
        tested = [step for step in asked.steps if step.what in ("allow", "deny")]
        deciding = next(step for step in tested if step.value)
        assert first.where == deciding.where == verdict.rule, (channel, s.app.state)


def explained_as_answered(s: Seeker) -> None:
    """`why` on a channel carries `check`'s verdict and `advise`'s advice, as of the same moment."""
    trace = explain(s.rs, s.app, (), s.now, "call", s.portfolio())
    assert trace.advised == tuple(core.advise(s.rs, s.app, s.now, s.portfolio()))
    assert trace.verdict == judge(s.rs, s.app, "call", s.now, s.portfolio())


@settings(SETTINGS, max_examples=120)
@given(st.data())
def test_a_trace_agrees_with_advise_and_check(data: st.DataObject) -> None:
    run(data, traced_as_answered, explained_as_answered)


#: Every shipped rule set and pack (the overlay alone applies over default).
SHIPPED = {name: load_rules(name) for name in sorted(shipped_names())}


@settings(SETTINGS, max_examples=120)
@given(st.data())
def test_a_trace_agrees_with_advise_and_check_in_every_shipped_set_and_pack(data: st.DataObject) -> None:
    run(data, traced_as_answered, explained_as_answered, rule_sets=SHIPPED)
