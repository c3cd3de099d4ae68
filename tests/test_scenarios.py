"""Scenario files: every shipped and example one passes; the runner reports like a test runner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import RuleBook, RuleErrors
from tactful.authoring.scenariorun import describe, run
from tactful.authoring.scenarios import collect, read_scenarios
from tactful.language.loader import shipped_names

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "tactful"
SCENARIO_FILES = sorted([*ROOT.glob("rules/scenarios/*.yaml"), *ROOT.glob("examples/scenarios/*.yaml")])
GUIDE = (ROOT / "docs" / "rule-authoring.md").read_text()


def tactful(tmp_path: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path / "home"), TACTFUL_NOW="2026-05-04T17:00:00+00:00", TACTFUL_TZ="UTC")
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=120, check=False
    )


def failures(path: Path) -> list[str]:
    book = RuleBook()
    found = []
    for scenario in read_scenarios(path, book):
        outcome = run(scenario, book)
        for mismatch in outcome.mismatches:
            found += [scenario.name, *describe(mismatch, scenario.zones[mismatch.step.app])]
    return found


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_and_example_scenario_passes(path):
    assert failures(path) == []


def test_every_shipped_rule_set_and_example_rule_file_has_scenarios():
    book = RuleBook()
    tested = {s.rules for path in SCENARIO_FILES for s in read_scenarios(path, book)}
    examples = {str(p.resolve()) for p in ROOT.glob("examples/rules/*.yaml")}
    assert set(shipped_names()) | examples <= tested


def test_scenario_files_are_not_taken_for_rule_sets():
    assert "scenarios" not in shipped_names()
    assert not any(name.startswith("scenarios") for name in shipped_names())


def test_the_guide_example_scenario_passes(tmp_path):
    block = re.search(r"```yaml\n# my-scenarios.yaml\n(.*?)```", GUIDE, re.S)
    assert block
    path = tmp_path / "my-scenarios.yaml"
    path.write_text(block.group(1))
    assert failures(path) == []
    proc = tactful(tmp_path, "rules", "test", "my-scenarios.yaml", cwd=tmp_path)
    expected = re.search(r"```console\n\$ tactful rules test my-scenarios.yaml\n(PASS.*?)```", GUIDE, re.S)
    assert expected and proc.stdout == expected.group(1), proc.stdout


def test_the_guide_failure_example_is_what_the_runner_prints(tmp_path):
    block = re.search(r"```yaml\n# my-scenarios.yaml\n(.*?)```", GUIDE, re.S)
    assert block
    text = block.group(1).replace("call_again: 2026-05-18  ", "call_again: 2026-05-17  ")
    (tmp_path / "my-scenarios.yaml").write_text(text)
    proc = tactful(tmp_path, "rules", "test", "my-scenarios.yaml", cwd=tmp_path)
    expected = re.search(r"```console\n\$ tactful rules test my-scenarios.yaml\n(FAIL.*?)```", GUIDE, re.S)
    assert expected and proc.stdout == expected.group(1), proc.stdout
    assert proc.returncode == 1


# -- the runner, through the CLI ------------------------------------------------------------

PASSING = """\
rules: small-company
application: {company: Tiny Bakery, interviewed: 2026-05-04}
scenarios:
  - name: the first inquiry
    steps:
      - record: thank_you_sent
        expect: {state: awaiting_decision, advises: [call: 2026-05-13]}
      - at: 2026-05-13 09:00
        expect: {state: follow_up_due, can: {call: yes}}
"""


def test_passing_scenarios_exit_0_with_the_count_last(tmp_path):
    (tmp_path / "a.yaml").write_text(PASSING)
    proc = tactful(tmp_path, "rules", "test", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "1 passed, 0 failed"
    assert lines[0] == f"PASS {tmp_path / 'a.yaml'}:4: the first inquiry"


def test_a_failing_scenario_exits_1_with_expected_and_got_at_file_line(tmp_path):
    (tmp_path / "ok.yaml").write_text(PASSING)
    (tmp_path / "bad.yaml").write_text(PASSING.replace("state: follow_up_due", "state: awaiting_reply"))
    proc = tactful(tmp_path, "rules", "test", "ok.yaml", "bad.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    out = proc.stdout.splitlines()
    assert out[-1] == "1 passed, 1 failed"
    assert "FAIL bad.yaml:4: the first inquiry" in out
    assert "  bad.yaml:9:25: state, at step 2 (2026-05-13 09:00 UTC)" in out
    assert "      expected: awaiting_reply" in out
    assert "      got:      follow_up_due" in out


def test_a_list_mismatch_is_shown_as_a_diff_at_the_entry_that_differs(tmp_path):
    wrong = "[send_thank_you: 2026-05-05, call: 2026-05-14]"
    (tmp_path / "bad.yaml").write_text(
        PASSING.replace("record: thank_you_sent", "at: 2026-05-04 10:00")
        .replace("awaiting_decision", "interviewed")
        .replace("[call: 2026-05-13]", wrong)
    )
    proc = tactful(tmp_path, "rules", "test", "bad.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    assert "bad.yaml:7:76: advised actions, at step 1" in proc.stdout
    diff = ["(- expected, + got)", "  send_thank_you: 2026-05-05 09:00", "- call: 2026-05-14 09:00",
            "+ call: 2026-05-13 09:00"]  # fmt: skip
    assert [line.strip() for line in proc.stdout.splitlines()[2:6]] == [d.strip() for d in diff]


def test_a_scenario_stops_at_its_first_failing_step(tmp_path):
    text = PASSING.replace("state: awaiting_decision", "state: interviewed")
    (tmp_path / "bad.yaml").write_text(text.replace("state: follow_up_due", "state: closed"))
    proc = tactful(tmp_path, "rules", "test", "bad.yaml", cwd=tmp_path)
    assert "step 1" in proc.stdout and "step 2" not in proc.stdout


def test_an_unexpected_refusal_fails_and_an_expected_one_passes(tmp_path):
    text = PASSING.replace("record: thank_you_sent", "record: accepted")
    (tmp_path / "bad.yaml").write_text(text)
    proc = tactful(tmp_path, "rules", "test", "bad.yaml", cwd=tmp_path)
    assert "got:      refused: 'accepted' does not apply while the application is interviewed" in proc.stdout
    expected = text.replace("expect: {state: awaiting_decision, advises: [call: 2026-05-13]}",
                            "expect: {refused: does not apply, state: interviewed}")  # fmt: skip
    expected = expected.replace("state: follow_up_due, ", "")
    (tmp_path / "ok.yaml").write_text(expected)
    assert tactful(tmp_path, "rules", "test", "ok.yaml", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        (PASSING.replace("state: awaiting_decision", "stat: awaiting_decision"), 7, 18, "did you mean 'state'?"),
        (PASSING.replace("state: awaiting_decision", "state: awaiting"), 7, 25, "unknown state 'awaiting'"),
        (PASSING.replace("record: thank_you_sent", "record: thanked"), 6, 17, "unknown event 'thanked'"),
        (PASSING.replace("can: {call: yes}", "can: {cal: yes}"), 9, 46, "did you mean 'call'?"),
        (PASSING.replace("can: {call: yes}", "can: {call: maybe}"), 9, 52, "yes or no"),
        (PASSING.replace("at: 2026-05-13 09:00", "at: 2026-05-01"), 8, 13, "moves the clock back"),
        (PASSING.replace("at: 2026-05-13 09:00", "at: soon"), 8, 13, "is not a moment"),
        (PASSING.replace("at: 2026-05-13 09:00", "wait: 3 dayz"), 8, 15, "is not a duration"),
        (PASSING.replace("rules: small-company", "rules: smal-company"), 1, 8, "no rule set named"),
        (PASSING.replace("interviewed: 2026-05-04", "interviewed: May 4"), 2, 50, "interviewed 'May 4'"),
        (PASSING.replace("company: Tiny Bakery, ", ""), 2, 14, "needs its 'company'"),
        (PASSING.replace("- name: the first inquiry\n", "- name: x\n    nmae: y\n"), 5, 5, "did you mean 'name'?"),
        (PASSING + "      - record: called\n        with: {outcom: x}\n", 11, 16, "did you mean 'outcome'?"),
        ("rules: default\nscenarios: [\n", 3, 1, "not valid YAML"),
        ("extends: default\nstates: {}\n", 1, 1, "this is a rule file"),
        ((ROOT / "rules" / "small-company.yaml").read_text(), 1, 1, "this is a rule file"),
    ],
)
def test_a_malformed_scenario_file_exits_2_at_file_line_col(tmp_path, text, line, col, message):
    (tmp_path / "bad.yaml").write_text(text)
    proc = tactful(tmp_path, "rules", "test", "bad.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout
    assert proc.stdout == ""
    assert any(e.startswith(f"bad.yaml:{line}:{col}: ") and message in e for e in proc.stderr.splitlines()), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_broken_rule_file_named_by_scenarios_is_reported_once(tmp_path):
    (tmp_path / "rules.yaml").write_text("extends: default\nsettings:\n  grace: soon\n")
    text = PASSING.replace("rules: small-company", "rules: rules.yaml")
    (tmp_path / "a.yaml").write_text(text + text[text.index("  - name") :].replace("the first", "the second"))
    proc = tactful(tmp_path, "rules", "test", "a.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("grace") == 1 and "rules.yaml:3:10:" in proc.stderr


def test_a_missing_path_or_an_empty_folder_is_bad_input(tmp_path):
    assert tactful(tmp_path, "rules", "test", "nowhere.yaml", cwd=tmp_path).returncode == 2
    (tmp_path / "empty").mkdir()
    proc = tactful(tmp_path, "rules", "test", "empty", cwd=tmp_path)
    assert proc.returncode == 2 and "no scenario files" in proc.stderr


def test_folders_are_searched_for_scenario_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "one.yaml").write_text(PASSING)
    (tmp_path / "two.yml").write_text(PASSING)
    (tmp_path / "notes.txt").write_text("not a scenario")
    assert [p.name for p in collect([str(tmp_path)])] == ["one.yaml", "two.yml"]


def test_several_applications_and_events_with_options(tmp_path):
    text = """\
rules: default
scenarios:
  - name: a competing offer
    applications:
      first: {company: Northwind, interviewed: 2026-05-04, rank: 1}
      second: {company: Contoso, interviewed: 2026-05-04, rank: 2}
    steps:
      - at: 2026-05-12 10:00
        app: second
        record: offer
        with: {deadline: 2026-05-19}
        expect: {advises: [decide_offer: 2026-05-19]}
      - app: first
        expect:
          advises: [send_thank_you: 2026-05-05, contact_first_choice: 2026-05-12 10:00, call: 2026-05-21]
          timer: 2026-05-21
"""
    path = tmp_path / "s.yaml"
    path.write_text(text)
    assert failures(path) == []


def test_read_scenarios_raises_every_problem_of_a_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(PASSING.replace("state: awaiting_decision", "stat: x").replace("can: {call: yes}", "can: {x: y}"))
    with pytest.raises(RuleErrors) as caught:
        read_scenarios(path, RuleBook())
    assert [e.where.line for e in caught.value.errors if e.where] == [7, 9]
