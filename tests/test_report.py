"""The report's numbers (tactful.runtime.story and .report): histories in, numbers out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tactful import load_rules
from tactful.runtime.report import MIN_SAMPLE, TOO_FEW, funnel, lateness, numbers, response, share, spread
from tactful.runtime.story import OUTCOMES, Story, tell
from tactful.vocabulary.records import Application, LogEntry

from .helpers import at

RULES = load_rules("default")
START = at("2026-05-04 09:00")


def _app(state: str = "awaiting_reply", decision_by: str | None = "2026-05-18") -> Application:
    facts = {"interviewed": "2026-05-04", "decision_by": decision_by, "timezone": "UTC"}
    return Application(1, "Northwind", state, START, facts, "default", RULES.hash)


def _event(
    name: str, when: str, source: str = "follow_up_due", target: str = "awaiting_reply", **params: str
) -> LogEntry:
    return LogEntry("event", name, at(when), at(when), source, target, params)


def _timer(when: str, source: str = "awaiting_reply", target: str = "second_follow_up_due") -> LogEntry:
    return LogEntry("timer", "timer", at(when), at(when), source, target)


def test_a_follow_up_answered_by_a_decision_before_the_next_step_was_due() -> None:
    story = tell(_app("rejected"), RULES, [_event("called", "2026-05-21 10:00", outcome="no_answer"),
                                           _event("rejected", "2026-05-25 10:00", target="rejected")])  # fmt: skip
    assert [(f.channel, f.number, f.answered) for f in story.follow_ups] == [("call", 1, True)]
    assert story.late_days == 7 and story.outcome == "rejected" and story.answered


def test_a_follow_up_whose_next_step_fell_due_first_went_unanswered() -> None:
    history = [_event("called", "2026-05-21 10:00", outcome="voicemail"), _timer("2026-05-28 10:00"),
               _event("rejected", "2026-05-29 10:00", source="second_follow_up_due", target="rejected")]  # fmt: skip
    assert [f.answered for f in tell(_app("rejected"), RULES, history).follow_ups] == [False]


def test_a_follow_up_still_waiting_is_left_out_of_the_rates() -> None:
    story = tell(_app(), RULES, [_event("note_sent", "2026-05-21 10:00")])
    assert story.follow_ups[0].answered is None
    assert response([story])["by_channel"] == {}


def test_a_call_someone_took_is_an_answer_on_the_spot() -> None:
    story = tell(_app(), RULES, [_event("called", "2026-05-21 10:00", outcome="noncommittal")])
    assert story.follow_ups[0].answered is True and story.answered


def test_the_thank_you_is_a_contact_but_no_follow_up() -> None:
    story = tell(_app(), RULES, [_event("thank_you_sent", "2026-05-04 15:00", source="interviewed")])
    assert story.follow_ups == () and [c for _, c in story.contacts] == ["thank_you"]


def test_no_decision_date_given_means_no_lateness() -> None:
    story = tell(_app("rejected", decision_by=None), RULES, [_event("rejected", "2026-05-25 10:00")])
    assert story.late_days is None
    assert lateness([story])["within_grace"]["of"] == 0


def test_below_the_minimum_sample_there_is_no_rate_but_too_few_to_tell() -> None:
    assert share(2, MIN_SAMPLE - 1) == {"count": 2, "of": MIN_SAMPLE - 1, "rate": None, "note": TOO_FEW}
    assert share(2, MIN_SAMPLE)["rate"] == round(2 / MIN_SAMPLE, 3)
    assert spread([1.0, 2.0])["median"] is None


def test_lateness_gives_median_quartiles_and_the_longest() -> None:
    assert spread([1.0, 2.0, 3.0, 4.0, 5.0]) == {"count": 5, "median": 3.0, "q1": 2.0, "q3": 4.0, "longest": 5.0,
                                                 "note": None}  # fmt: skip


# -- properties -------------------------------------------------------------------

EVENTS = st.sampled_from(["called", "note_sent", "emailed", "offer", "rejected", "timer", "withdrawn", "accepted"])


@st.composite
def stories(draw: st.DrawFn) -> Story:
    """A history of random events, a day apart, on an application in a random state."""
    names = draw(st.lists(EVENTS, max_size=8))
    history = []
    for day, name in enumerate(names):
        moment = START + timedelta(days=17 + day)
        if name == "timer":
            history.append(LogEntry("timer", "timer", moment, moment, "awaiting_reply", "second_follow_up_due"))
        else:
            outcome = draw(st.sampled_from(["no_answer", "voicemail", "noncommittal"]))
            history.append(LogEntry("event", name, moment, moment, "follow_up_due", name, {"outcome": outcome}))
    state = draw(st.sampled_from(sorted(RULES.states)))
    return tell(_app(state), RULES, draw(st.permutations(history)))


@given(st.lists(stories(), max_size=20))
def test_the_funnel_narrows_and_every_application_has_one_outcome(found: list[Story]) -> None:
    counts = funnel(found)
    assert counts["offer"] <= counts["answered"] <= counts["interviews"] == len(found)
    assert sum(counts[name] for name in OUTCOMES) == len(found)


@given(st.lists(stories(), max_size=20))
def test_every_rate_is_a_share_of_enough_cases_or_none(found: list[Story]) -> None:
    doc = numbers(found)
    shares = [*doc["response"]["by_channel"].values(), *doc["response"]["by_step"].values(),
              doc["lateness"]["within_grace"], doc["ghosting"]["overall"]]  # fmt: skip
    for item in shares:
        assert 0 <= item["count"] <= item["of"]
        assert (item["rate"] is None) == (item["of"] < MIN_SAMPLE)
        assert item["rate"] is None or 0 <= item["rate"] <= 1


@given(st.lists(stories(), max_size=20))
def test_follow_ups_are_numbered_from_one_in_time_order(found: list[Story]) -> None:
    for story in found:
        assert [f.number for f in story.follow_ups] == list(range(1, len(story.follow_ups) + 1))
        assert [f.at for f in story.follow_ups] == sorted(f.at for f in story.follow_ups)


@pytest.mark.parametrize("values", [[0.0] * 5, [-3.0, 1.0, 2.0, 8.0, 30.0]])
def test_quartiles_lie_between_the_extremes(values: list[float]) -> None:
    found = spread(values)
    assert min(values) <= found["q1"] <= found["median"] <= found["q3"] <= found["longest"] == max(values)


def test_every_text_in_a_chart_is_escaped() -> None:
    from datetime import date

    from tactful.views.charts import timeline_chart

    contact = {"at": "2026-05-21T10:00:00+00:00", "channel": "<b>"}
    row = {"id": 1, "company": "<script>x</script> & Co", "outcome": "pending", "interviewed": "2026-05-04",
           "contacts": [contact], "decided_at": None, "ended_at": None}  # fmt: skip
    svg = str(timeline_chart([row], date(2026, 6, 1)))
    assert "<script>" not in svg and "<b>" not in svg and "&lt;script&gt;x&lt;/script&gt; &amp; Co" in svg
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
