"""`can` and `record` agree, on the shipped rule sets, whatever happens.

- `can` yes means `record` accepts the event without a warning;
- `record` accepting an event without a warning means `can` said yes at that moment.

A hypothesis test drives several applications through an Engine (MemoryStore, FakeClock) with
random events at random times, asking `can` before every event that has a channel; `tactful
rules check` proves the same on every record it explores, and names the rule that breaks it.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tactful import Engine, InputError, MemoryStore, Refused, RuleBook, load_rules
from tactful.authoring.check import check_rules
from tactful.testing import FakeClock
from tactful.vocabulary.timecalc import zone

from .clirun import run

SHIPPED = ("default", "small-company")
RULE_BOOK = RuleBook()
#: Events recorded as the job seeker does them (with a channel, judged by `can` first), and
#: what the employer and the other applications do.
SEEKER = {
    "call": ("called", {"outcome": "no_answer"}),
    "call noncommittal": ("called", {"outcome": "noncommittal"}),
    "call back requested": ("called", {"outcome": "callback_requested", "callback_at": "2026-06-01T15:00"}),
    "call with a new date": ("called", {"outcome": "noncommittal", "decision_by": "2026-06-05"}),
    "note": ("note_sent", {}),
    "email": ("emailed", {}),
    "accept": ("accepted", {}),
}
OTHERS = {"thank": "thank_you_sent", "offer": "offer", "rejected": "rejected", "declined": "declined",
          "withdrawn": "withdrawn"}  # fmt: skip
moves = st.sampled_from([*SEEKER, *SEEKER, *OTHERS])
steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2), moves, st.integers(min_value=0, max_value=6 * 24 * 60)),
    min_size=3,
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rules=st.sampled_from(SHIPPED),
    flags=st.tuples(st.booleans(), st.booleans()),
    tz=st.sampled_from(("UTC", "America/New_York", "Asia/Tokyo")),
    steps=steps,
)
def test_can_and_record_agree_on_every_step(
    rules: str, flags: tuple[bool, bool], tz: str, steps: list[tuple[int, str, int]]
) -> None:
    clock = FakeClock(datetime(2026, 5, 4, 17, 0, tzinfo=zone(tz)))
    engine = Engine(MemoryStore(), clock, RULE_BOOK)
    no_calls, email_invited = flags
    ids = [engine.add(f"Company {n}", interviewed="2026-05-04", rank=n + 1, rules=rules, timezone=tz,
                      no_calls=no_calls and n == 0, email_invited=email_invited).id for n in range(3)]  # fmt: skip
    for index, move, minutes in steps:
        clock.advance(minutes=minutes)
        app_id = ids[index]
        if move in OTHERS:
            with contextlib.suppress(InputError, Refused):
                engine.record(app_id, OTHERS[move])
            continue
        event, params = SEEKER[move]
        channel = engine.rules_for(engine.load(app_id)).events[event].channel
        assert channel is not None
        verdict = engine.check(app_id, channel)
        try:
            done = engine.record(app_id, event, **params)
        except InputError:
            continue  # bad input (a callback time already past) is not the etiquette's answer
        except Refused as refused:
            assert not verdict.allowed, f"`can {channel}` said yes ({verdict.reason}); {event} refused: {refused}"
            continue
        if verdict.allowed:
            assert not done.warnings, f"`can {channel}` said yes ({verdict.reason}) but {event} warned: {done.warnings}"
        else:
            assert done.warnings, f"`can {channel}` said no ({verdict.reason}) but {event} drew no warning"


@pytest.mark.parametrize("ref", SHIPPED)
def test_rules_check_finds_the_shipped_rule_sets_in_agreement(ref: str) -> None:
    report = check_rules(load_rules(ref))
    assert [f for f in report.findings if f.kind == "agreement"] == []


def test_rules_check_names_the_warning_that_breaks_the_agreement(tmp_path: Path) -> None:
    """A warning on an event that `can` allows is a disagreement, reported at the warning's line."""
    rules = tmp_path / "nagging.yaml"
    rules.write_text(
        "extends: default\n"
        "events:\n"
        "  note_sent:\n"
        "    channel: note\n"
        "    warn:\n"
        "      - when: follow_ups >= 0\n"
        "        says: notes are never welcome\n"
        "    set: {last_contact: at, last_note: at}\n"
    )
    report = check_rules(load_rules(str(rules)))
    found = [f for f in report.findings if f.kind == "agreement"]
    assert found and found[0].where is not None and found[0].where.line == 6
    assert "`can note` says yes" in found[0].message and "notes are never welcome" in found[0].message
    done = run(tmp_path, "rules", "check", str(rules), now="2026-05-04T10:00")
    assert done.returncode == 1 and f"{rules}:6: `can` and `record` disagree" in done.stdout
