"""`tactful rules check`: the bounded exploration finds what is wrong, at file:line, and the
shipped rule sets come out clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import RuleErrors, load_rules
from tactful.authoring.check import check_rules

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "tactful"
RULE_FILES = sorted([*ROOT.glob("rules/*.yaml"), *ROOT.glob("examples/rules/*.yaml")])

#: A rule set with one way through, and nothing wrong with it.
CLEAN = """\
events:
  go: {}
states:
  start: {initial: true, on: {go: done}}
  done: {final: true}
policies: {}
"""
#: `middle` can never finish (its only way out is always refused), so `done` is never reached.
STUCK = """\
events:
  go: {}
  stop:
    refuse:
      - when: true
        because: never
states:
  start:
    initial: true
    on: {go: middle}
  middle:
    on: {stop: done, go: middle}
  done:
    final: true
policies: {}
"""
#: A guard that never holds (so only one call can be advised), and invariants: one call at
#: most holds on heeded paths but not on all, and one that asks `can` fails.
FLAWED = """\
extends: default
states:
  awaiting_reply:
    timers:
      - at: second_inquiry
        to:
          - to: second_follow_up_due
            when: inquiries_left and calls_made > 100
          - to: awaiting_final_reply
invariants:
  - name: heeded calls
    holds: calls_made <= 1
    says: "{calls_made} calls"
    paths: heeded
  - name: all calls
    holds: calls_made <= 1
    says: "{calls_made} calls"
  - name: no twitter
    holds: not can_twitter_follow
    says: twitter is allowed
"""


def tactful(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path / "home"), TACTFUL_TZ="UTC", TACTFUL_NOW="2026-05-04T17:00:00+00:00")
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_and_example_rule_set_checks_clean(path):
    rules = load_rules(str(path))
    report = check_rules(rules)
    assert report.ok, "\n".join(str(f) for f in report.findings)
    assert report.complete and set(report.reached) == set(rules.states)
    assert report.invariants == len(rules.invariants) >= 5


def test_a_guard_false_everywhere_and_failing_invariants_are_found_at_their_lines(tmp_path):
    report = check_rules(load_rules(write(tmp_path, FLAWED)))
    found = {f.kind: [] for f in report.findings}
    for finding in report.findings:
        found[finding.kind].append(finding)
    guard = next(f for f in found["guard"] if "calls_made > 100" in f.message)
    assert str(guard).startswith(f"{tmp_path / 'mine.yaml'}:7: ") and "false everywhere" in guard.message
    failed = {f.message.split("'")[1]: f for f in found["invariant"]}
    assert set(failed) == {"all calls", "no twitter"}, failed
    assert failed["all calls"].where.line == 15 and failed["no twitter"].where.line == 18
    assert any("said no" in step for step in failed["all calls"].path), failed["all calls"].path
    assert failed["all calls"].path[0].startswith("added")


def test_a_state_that_cannot_finish_and_a_state_never_reached_are_found(tmp_path):
    report = check_rules(load_rules(write(tmp_path, STUCK)))
    where = {(f.kind, f.where.line) for f in report.findings}
    assert ("stuck", 11) in where and ("unreachable", 13) in where, where
    stuck = next(f for f in report.findings if f.kind == "stuck" and f.where.line == 11)
    assert "from state 'middle'" in stuck.message and stuck.path[-1].endswith("-> middle")


def test_the_exploration_says_when_it_stopped_at_its_limit():
    report = check_rules(load_rules("default"), limit=40)
    assert not report.complete and any(f.kind == "limit" for f in report.findings)


@pytest.mark.parametrize(
    ("invariant", "message"),
    [
        ("- {holds: calss_made < 3, says: x}", "unknown name 'calss_made'; did you mean 'calls_made'?"),
        ("- {holds: true, says: x, paths: some}", "'paths' is 'all'"),
        ("- {holds: true}", "each invariant has 'holds'"),
        ("- {holds: can_fax, says: x}", "unknown name 'can_fax'"),
        ("- {holds: true, says: x, whn: y}", "unknown key 'whn' in an invariant"),
    ],
)
def test_invariant_mistakes_are_reported_at_load(tmp_path, invariant, message):
    path = write(tmp_path, f"extends: default\ninvariants:\n  {invariant}\n")
    with pytest.raises(RuleErrors) as caught:
        load_rules(path)
    assert message in str(caught.value), str(caught.value)
    assert str(caught.value).startswith(f"{path}:3:")


def test_an_event_channel_must_have_a_policy(tmp_path):
    path = write(tmp_path, "extends: default\nevents:\n  called:\n    channel: phone\n")
    with pytest.raises(RuleErrors, match=r"mine.yaml:4:14: unknown channel 'phone'"):
        load_rules(path)


def test_rules_check_exits_0_with_a_summary_line_when_clean(tmp_path):
    done = tactful(tmp_path, "rules", "check", write(tmp_path, CLEAN))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"{tmp_path / 'mine.yaml'}: ok: explored ")


def test_rules_check_exits_1_naming_file_and_line(tmp_path):
    write(tmp_path, STUCK)
    done = tactful(tmp_path, "rules", "check", "mine.yaml", "--json")
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert not doc["ok"] and {f["where"] for f in doc["findings"]} >= {"mine.yaml:11", "mine.yaml:13"}
    text = tactful(tmp_path, "rules", "check", "mine.yaml")
    assert text.returncode == 1 and "mine.yaml:11: from state 'middle'" in text.stdout
    assert text.stdout.splitlines()[-1].startswith("mine.yaml: 3 findings")


@pytest.mark.parametrize("args", [("nowhere",), ("mine.yaml",)])
def test_rules_check_exits_2_for_bad_input(tmp_path, args):
    write(tmp_path, "extends: default\nsettings:\n  grace: soon\n")
    done = tactful(tmp_path, "rules", "check", *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.strip(), done.stderr


def test_an_expression_that_fails_at_run_time_is_a_finding_not_a_crash(tmp_path):
    """Types are checked at load (``last_contact + 'x'`` no longer loads), so the failure here
    comes from mixed kinds that only meet at run time; the finding names where it is written."""
    path = write(tmp_path, "extends: default\nderived:\n  second_inquiry: latest(last_contact, 'x')\n")
    report = check_rules(load_rules(path))
    assert [f.kind for f in report.findings] == ["error"], [str(f) for f in report.findings]
    message = report.findings[0].message
    assert "could not be evaluated" in message and "mine.yaml:3:19" in message and report.findings[0].path
