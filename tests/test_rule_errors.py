"""Rule-file mistakes the builder reports: each once, by name, at its file:line:col."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tactful import RuleErrors, load_rules
from tactful.authoring.scenarios import read_scenarios
from tactful.language.rulebook import RuleBook

from .clirun import run

#: A complete rule set of its own: mistakes added to it are the only ones reported.
SMALL = """\
events:
  go: {}
states:
  start:
    initial: true
    on: {go: done}
  done: {final: true}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    """Every problem load_rules reports for ``text``, as ``line:col: message``."""
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path))
    return [str(e).removeprefix(f"{path}:") for e in caught.value.errors]


def test_a_section_that_is_not_a_mapping_is_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("facts: 3\n" + SMALL.replace("go: {}", "go: {set: {rank: 1, no_calls: true}}"))
    done = run(tmp_path, "rules", "validate", str(path), now="2026-05-04T17:00:00+00:00")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"{path}:1:8: 'facts' must be a mapping"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "extends: default\nstates:\n  closed: 7\nevents:\n  news: 7\n",
            ["3:11: state 'closed' must be a mapping, e.g. {final: true}",
             "5:9: event 'news' must be a mapping, e.g. {describe: the company wrote}"],
        ),
        (  # a rejected fact is still a fact: neither 'set' nor a derived name is blamed for using it
            SMALL.replace("go: {}", "go: {set: {rank_note: 1}}") + "facts:\n  rank_note: 7\nderived:\n  z: rank_note\n",
            ["9:14: fact 'rank_note' must be a mapping, e.g. {type: int, default: 0}"],
        ),
        (  # a rejected action is still an action: advice naming it is not blamed
            "extends: default\nactions:\n  dance: 7\nstates:\n  follow_up_due:\n    advises:\n"
            "      - {action: dance, due: entered}\n",
            ["3:10: action 'dance' must be a mapping, e.g. {channels: [email], describe: write to them}"],
        ),
    ],
)  # fmt: skip
def test_an_entry_that_is_not_a_mapping_is_reported_and_stays_known(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert problems(tmp_path, text) == expected


def test_a_null_event_reads_as_an_empty_one(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(SMALL.replace("go: {}", "go:\n  wait:").replace("{go: done}", "{go: done, wait: null}"))
    rules = load_rules(str(path))
    assert rules.events["wait"].sets == () and rules.states["start"].on.keys() == {"go", "wait"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "states:\n  follow_up_due:\n    timers:\n      - {at: now, too: moved_on}\n",
            ["5:9: missing 'to' in a timer; each timer has 'at' (a moment) and 'to' (a state or branches)",
             "5:19: unknown key 'too' in a timer; did you mean 'to'?"],
        ),
        (
            "states:\n  follow_up_due:\n    advises:\n      - {acton: call, due: now}\n",
            ["5:9: missing 'action' in advice; each piece of advice has 'action' and 'due' (a moment)",
             "5:10: unknown key 'acton' in advice; did you mean 'action'?"],
        ),
        (
            "states:\n  follow_up_due:\n    on:\n      called:\n        - {too: moved_on}\n",
            ["6:11: missing 'to' in a branch; each branch has 'to' (a state, or null to stay) and may have 'when'",
             "6:12: unknown key 'too' in a branch; did you mean 'to'?"],
        ),
        (
            "events:\n  called:\n    require:\n      - {that: true, say: no}\n",
            ["5:9: missing 'says' in a 'require' entry; each 'require' entry has 'that' (a condition) and 'says' "
             "(a sentence)",
             "5:22: unknown key 'say' in a 'require' entry; did you mean 'says'?"],
        ),
        (
            "actions:\n  call:\n    instead:\n      - {when: true, usee: send_note}\n",
            ["5:9: missing 'use' in an 'instead' entry; each 'instead' entry has 'when' (a condition) and 'use' "
             "(an action)",
             "5:22: unknown key 'usee' in an 'instead' entry; did you mean 'use'?"],
        ),
        (
            "invariants:\n  - {holds: true, sayz: x}\n",
            ["3:5: missing 'says' in an invariant; each invariant has 'holds' (a condition) and 'says' (a sentence)",
             "3:19: unknown key 'sayz' in an invariant; did you mean 'says'?"],
        ),
        (
            "policies:\n  call:\n    - {alow: true, because: x}\n",
            ["4:7: each policy rule has 'allow' or 'deny' (a condition) and 'because' (a sentence)",
             "4:8: unknown key 'alow' in a policy rule; did you mean 'allow'?"],
        ),
    ],
)  # fmt: skip
def test_a_misspelt_key_in_a_list_entry_gets_a_did_you_mean(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert problems(tmp_path, "extends: default\n" + text) == expected


def test_derived_names_in_a_loop_are_reported_once_and_quickly(tmp_path: Path) -> None:
    names = [f"d{i}" for i in range(24)]  # each refers to every later one; the last to the first
    derived = "".join(f"  {n}: {' + '.join(names[i + 1 :]) or 'd0'}\n" for i, n in enumerate(names))
    started = time.monotonic()
    found = problems(tmp_path, SMALL + "derived:\n" + derived + "  e: f\n  f: e\n")
    assert time.monotonic() - started < 5
    assert found == [
        f"9:7: derived names refer to each other in a loop: {' -> '.join(names)} -> d0",
        "33:6: derived names refer to each other in a loop: e -> f -> e",
    ]


def test_a_mark_must_be_one_the_engine_reads(tmp_path: Path) -> None:
    text = SMALL.replace("done: {final: true}", "done: {final: true, marks: [offer, acepted]}")
    assert problems(tmp_path, text) == ["7:38: unknown mark 'acepted'; did you mean 'accepted'?"]


def test_a_fact_default_must_be_of_its_type(tmp_path: Path) -> None:
    facts = ("facts:\n  lots: {type: int, default: lots}\n  flag: {type: bool, default: 1}\n"
             "  day: {type: date, default: soon}\n  moment: {type: datetime, default: 2026-05-04 09:00}\n"
             "  note: {type: str, default: hi}\n  since: {type: date, default: 2026-05-04}\n")  # fmt: skip
    assert problems(tmp_path, SMALL + facts) == [
        "9:30: fact 'lots' is int, so its default 'lots' must be a whole number, like 0",
        "10:31: fact 'flag' is bool, so its default 1 must be true or false",
        "11:30: fact 'day' is date, so its default 'soon' must be a date, like 2026-05-04",
    ]


def test_a_key_that_is_not_text_is_named_so(tmp_path: Path) -> None:
    found = problems(tmp_path, SMALL + "description:\n  [a]: 1\n")
    assert found == ["9:3: keys must be plain text, not a list or a mapping"]


def test_a_mistyped_duration_is_named(tmp_path: Path) -> None:
    assert problems(tmp_path, SMALL + "derived:\n  soon: now + 1 day + 2 dayz\n") == [
        "9:23: '2 dayz' is not a duration; write a whole number and a unit, like '14 days', '2 weeks', '36 hours' "
        "or '1 day'"
    ]


def test_a_rule_file_with_only_invariants_is_no_scenario_file(tmp_path: Path) -> None:
    path = tmp_path / "only.yaml"
    path.write_text("invariants: []\n")
    with pytest.raises(RuleErrors, match="this is a rule file, not a scenario file"):
        read_scenarios(path, RuleBook())


# -- Errors at the user's own line ----------------------------------------------------------


def test_a_setting_left_out_of_an_empty_settings_section_is_one_error_at_its_line(tmp_path: Path) -> None:
    """`settings:` then `grace:` at the margin: one error there, none against the shipped default.yaml."""
    found = problems(tmp_path, "extends: default\nsettings:\ngrace: 2 days\n")
    assert found == ["3:1: 'grace' is a setting: indent it under 'settings:'"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("extends: default\nsettings:\n  max_calls: 1\n grace: 2 days\n",
         "4:2: not valid YAML: `grace` is indented 1 space but `max_calls` above it 2: indent `grace` under "
         "`settings:`, like `max_calls`"),
        ("extends: default\nsettings:\n  max_calls: 1\n    grace: 2 days\n",
         "4:10: not valid YAML: `grace` is indented 4 spaces but `max_calls` above it 2: indent `grace` under "
         "`settings:`, like `max_calls`"),
    ],
    ids=["less", "more"],
)  # fmt: skip
def test_a_mis_indented_key_gets_a_hint_not_the_parsers_words(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text) == [expected]


def test_a_misspelt_shipped_rule_set_in_extends_gets_a_did_you_mean(tmp_path: Path) -> None:
    [found] = problems(tmp_path, "extends: smal-company\n")
    assert found.startswith("1:10: 'extends': no rule set named 'smal-company'")
    assert found.endswith("; did you mean 'small-company'?")


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    found = problems(tmp_path, "extends: default\nsetings:\n  grace: 2 days\npolicis: {}\nstates:\n  interviewed:\n"
                               "    foo: 1\n")  # fmt: skip
    assert [line.split(": ", 1)[0] for line in found] == ["2:1", "4:1", "7:5"]
