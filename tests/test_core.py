"""The pure core against the default rule set: timelines, guards, refusals, advice."""

from datetime import datetime

import pytest

from tactful import InputError, Refused, load_rules
from tactful.language.namespace import Portfolio
from tactful.runtime import core
from tactful.runtime.policy import judge
from tactful.vocabulary.records import Other

from .helpers import at

RULES = load_rules("default")
SMALL = load_rules("small-company")


def new(interviewed="2026-05-04", rules=RULES, **facts):
    facts = {"interviewed": interviewed, "timezone": "UTC", **facts}
    app, _ = core.start(rules, "Northwind", facts, at(f"{interviewed} 17:00"), "default")
    return app


def step(app, event, when, rules=RULES, portfolio=None, **params):
    moment = at(when)
    app, _ = core.catch_up(rules, app, moment)
    done = core.record(rules, app, event, params, moment, moment, portfolio or Portfolio())
    return done.app, done.warnings


def due(app, now, action, rules=RULES, portfolio=None):
    moment = at(now)
    app, _ = core.catch_up(rules, app, moment)
    hits = [a.due for a in core.advise(rules, app, moment, portfolio or Portfolio()) if a.action == action]
    return hits[0].strftime("%Y-%m-%d %H:%M") if hits else None


def test_the_first_inquiry_is_the_decision_window_plus_grace():
    app, _ = step(new(), "thank_you_sent", "2026-05-04 18:00")
    assert app.state == "awaiting_decision"
    assert due(app, "2026-05-06 10:00", "call") == "2026-05-21 09:00"


def test_a_decision_date_given_at_the_interview_replaces_the_window():
    app = new(decision_by="2026-05-12")
    assert due(app, "2026-05-05 10:00", "call") == "2026-05-15 09:00"


def test_a_first_inquiry_on_a_weekend_moves_to_monday():
    assert due(new("2026-09-02"), "2026-09-03 10:00", "call") == "2026-09-21 09:00"


def test_the_timer_fires_by_now_without_a_tick():
    app, entries = core.catch_up(RULES, new(), at("2026-05-21 09:00"))
    assert app.state == "follow_up_due"
    assert [(e.kind, e.target) for e in entries] == [("timer", "follow_up_due")]
    assert core.catch_up(RULES, app, at("2026-05-21 09:00"))[1] == []


def test_the_second_call_waits_reply_wait_after_a_noncommittal_answer():
    app, _ = step(new(), "called", "2026-05-21 11:00", outcome="noncommittal")
    assert app.state == "awaiting_reply"
    assert due(app, "2026-05-21 12:00", "call_again") == "2026-05-28 11:00"


def test_after_the_second_call_only_moving_on_is_left():
    app, _ = step(new(), "called", "2026-05-21 11:00", outcome="noncommittal")
    app, _ = step(app, "called", "2026-05-28 11:00", outcome="noncommittal")
    assert app.state == "awaiting_final_reply"
    assert due(app, "2026-05-28 12:00", "move_on") == "2026-06-18 11:00"
    assert core.catch_up(RULES, app, at("2026-06-18 11:00"))[0].state == "moved_on"


def test_an_invited_callback_is_kept_at_its_time_and_does_not_count():
    app, _ = step(new(), "called", "2026-05-21 11:00", outcome="callback_requested",
                  callback_at="2026-05-23T14:30:00+00:00")  # fmt: skip
    assert app.state == "callback_scheduled"
    assert due(app, "2026-05-21 12:00", "callback") == "2026-05-23 14:30"  # a Saturday, as the employer asked
    app, _ = step(app, "called", "2026-05-23 14:30", outcome="noncommittal")
    assert app.facts["calls_made"] == 1 and app.state == "awaiting_reply"


def test_a_requested_callback_needs_its_time():
    app, _ = core.catch_up(RULES, new(), at("2026-05-21 10:00"))
    with pytest.raises(InputError, match="--callback-at"):
        core.record(
            RULES, app, "called", {"outcome": "callback_requested"}, at("2026-05-21 10:00"), at("2026-05-21 10:00")
        )


def test_a_third_call_is_recorded_with_a_warning():
    app, _ = step(new(), "called", "2026-05-21 11:00", outcome="noncommittal")
    app, _ = step(app, "called", "2026-05-28 11:00", outcome="noncommittal")
    app, warnings = step(app, "called", "2026-06-01 11:00", outcome="no_answer")
    assert app.facts["calls_made"] == 3 and app.state == "awaiting_final_reply"
    assert any("3 calls" in w for w in warnings)


@pytest.mark.parametrize(("email_invited", "substitute"), [(False, "send_note"), (True, "send_email")])
def test_when_told_not_to_call_a_note_or_invited_email_replaces_the_call(email_invited, substitute):
    app = new(no_calls=True, email_invited=email_invited)
    assert due(app, "2026-05-05 10:00", substitute) == "2026-05-21 09:00"
    assert due(app, "2026-05-05 10:00", "call") is None
    verdict = judge(RULES, core.catch_up(RULES, app, at("2026-05-21 10:00"))[0], "call", at("2026-05-21 10:00"))
    assert not verdict.allowed and "not to call" in verdict.reason


def test_two_notes_instead_of_calls_lead_to_the_final_wait():
    app = new(no_calls=True)
    app, _ = step(app, "note_sent", "2026-05-21 10:00")
    assert app.state == "awaiting_reply" and due(app, "2026-05-21 11:00", "send_note") == "2026-05-28 10:00"
    app, _ = step(app, "note_sent", "2026-05-28 10:00")
    assert app.state == "awaiting_final_reply"


def test_facebook_is_never_allowed_and_twitter_always_is():
    app = new()
    assert not judge(RULES, app, "facebook_request", at("2026-05-05 10:00")).allowed
    assert judge(RULES, app, "twitter_follow", at("2026-05-05 10:00")).allowed


def test_linkedin_waits_for_a_decision():
    app = new()
    assert not judge(RULES, app, "linkedin_invite", at("2026-05-05 10:00")).allowed
    rejected, _ = step(app, "rejected", "2026-05-10 10:00")
    verdict = judge(RULES, rejected, "linkedin_invite", at("2026-05-10 11:00"))
    assert verdict.allowed and "judgement" in verdict.reason


def test_a_call_not_yet_due_says_from_when():
    verdict = judge(RULES, new(), "call", at("2026-05-06 10:00"))
    assert not verdict.allowed and verdict.allowed_from == at("2026-05-21 09:00")
    assert verdict.rule and verdict.rule.short.startswith("rules/default.yaml:")


def test_a_due_call_waits_for_business_hours():
    app, _ = core.catch_up(RULES, new(), at("2026-05-21 20:00"))
    verdict = judge(RULES, app, "call", at("2026-05-21 20:00"))
    assert not verdict.allowed and verdict.allowed_from == at("2026-05-22 09:00")


def test_a_rejection_advises_a_thank_you_letter_within_two_days():
    app, _ = step(new(), "rejected", "2026-05-10 10:00")
    assert due(app, "2026-05-10 11:00", "thank_you_letter") == "2026-05-12 10:00"
    app, _ = step(app, "thank_you_sent", "2026-05-11 10:00")
    assert app.state == "closed"


def test_an_offer_deadline_on_a_weekend_moves_back_to_friday():
    app, _ = step(new(), "offer", "2026-05-13 10:00", deadline="2026-05-17")
    assert app.state == "offer_received"
    assert due(app, "2026-05-13 11:00", "decide_offer") == "2026-05-15 09:00"


def test_an_offer_without_deadline_leaves_three_days():
    app, _ = step(new(), "offer", "2026-05-12 10:00")
    assert due(app, "2026-05-12 11:00", "decide_offer") == "2026-05-15 10:00"


def test_a_lower_choice_offer_advises_telling_the_first_choice():
    first = new(rank=1)
    offer = Other(2, "Tiny Bakery", 2, offer=True, accepted=False, entered=at("2026-05-13 10:00"),
                  offer_deadline="2026-05-20")  # fmt: skip
    assert due(first, "2026-05-13 11:00", "contact_first_choice", portfolio=Portfolio([offer])) == "2026-05-13 10:00"
    higher = Other(2, "Tiny Bakery", 1, offer=True, accepted=False, entered=at("2026-05-13 10:00"))
    assert due(new(rank=2), "2026-05-13 11:00", "contact_first_choice", portfolio=Portfolio([higher])) is None


def test_accepting_while_another_offer_stands_accepted_is_refused():
    app, _ = step(new(), "offer", "2026-05-13 10:00")
    accepted = Portfolio([Other(9, "Contoso", None, offer=False, accepted=True, entered=at("2026-05-12 10:00"))])
    with pytest.raises(Refused, match="Contoso"):
        step(app, "accepted", "2026-05-13 11:00", portfolio=accepted)
    assert step(app, "accepted", "2026-05-13 11:00")[0].state == "accepted"


def test_an_event_that_does_not_apply_is_refused():
    with pytest.raises(Refused, match="does not apply"):
        step(new(), "accepted", "2026-05-05 10:00")


def test_an_unknown_outcome_is_bad_input():
    with pytest.raises(InputError, match="not one of"):
        step(new(), "called", "2026-05-21 10:00", outcome="shouted")


def test_the_small_company_timeline_is_shorter():
    app = new(rules=SMALL)
    assert due(app, "2026-05-05 10:00", "call", rules=SMALL) == "2026-05-13 09:00"
    app, _ = step(app, "called", "2026-05-13 11:00", rules=SMALL, outcome="noncommittal")
    assert due(app, "2026-05-13 12:00", "call_again", rules=SMALL) == "2026-05-18 09:00"  # Sun 17th -> Mon


def test_news_is_kept_and_the_state_stays():
    app, _ = step(new(), "news", "2026-05-08 10:00", text="won a big contract")
    assert app.state == "interviewed" and app.facts["news"] == "won a big contract"


def test_the_core_reads_no_clock():
    """Two evaluations at the same moment give the same answer, whatever time it is now."""
    app = new()
    assert core.advise(RULES, app, at("2026-05-06 10:00")) == core.advise(RULES, app, at("2026-05-06 10:00"))
    assert isinstance(app.entered, datetime) and app.entered == at("2026-05-04 09:00")


def test_telling_the_first_choice_is_no_longer_advised_after_the_offer_deadline():
    offer = Other(2, "Tiny Bakery", 2, offer=True, accepted=False, entered=at("2026-05-13 10:00"),
                  offer_deadline="2026-05-20")  # fmt: skip
    portfolio = Portfolio([offer])
    assert due(new(rank=1), "2026-05-20 16:00", "contact_first_choice", portfolio=portfolio) is not None
    assert due(new(rank=1), "2026-05-21 10:00", "contact_first_choice", portfolio=portfolio) is None


def test_outcomes_may_be_spelt_with_hyphens():
    app, _ = step(new(), "called", "2026-05-21 11:00", outcome="callback-requested", callback_at="2026-05-22T10:00")
    assert app.state == "callback_scheduled"
