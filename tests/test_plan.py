"""Plans: the whole timeline ahead if nobody answers, for an application or a hypothetical one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import Engine, MemoryStore, load_rules
from tactful.runtime.facts import normalize
from tactful.runtime.plan import hypothetical, plan
from tactful.testing import FakeClock

from .helpers import at

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "tactful"
GUIDE = (ROOT / "docs" / "rule-authoring.md").read_text()


def tactful(tmp_path: Path, *args: str, now: str = "2026-05-04T17:00:00+00:00") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_") and k != "COLUMNS"}  # whole lines
    env.update(TACTFUL_HOME=str(tmp_path / "home"), TACTFUL_NOW=now, TACTFUL_TZ="UTC")
    return subprocess.run(
        [str(EXE), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False
    )


def timeline(ref: str, **facts: object) -> list[tuple[str, str, str]]:
    rs = load_rules(ref)
    app = hypothetical(rs, normalize({"interviewed": "2026-05-04", **facts}, new=True), ref)
    return [(s.kind, s.action or s.state, s.due.strftime("%a %d %H:%M")) for s in plan(rs, app, app.entered)]


def test_the_small_company_timeline_if_nobody_answers():
    assert timeline("small-company") == [
        ("action", "send_thank_you", "Tue 05 09:00"),
        ("timer", "follow_up_due", "Wed 13 09:00"),
        ("action", "call", "Wed 13 09:00"),
        ("action", "send_note", "Wed 13 09:00"),
        ("timer", "second_follow_up_due", "Sun 17 09:00"),
        ("action", "call_again", "Mon 18 09:00"),
        ("action", "move_on", "Mon 01 09:00"),
        ("timer", "moved_on", "Mon 01 09:00"),
    ]


def test_the_default_timeline_is_longer():
    steps = timeline("default")
    assert [s for s in steps if s[0] == "action"] == [
        ("action", "send_thank_you", "Tue 05 09:00"),
        ("action", "call", "Thu 21 09:00"),
        ("action", "send_note", "Thu 21 09:00"),
        ("action", "call_again", "Thu 28 09:00"),
        ("action", "move_on", "Thu 18 09:00"),
    ]
    assert steps[-1] == ("timer", "moved_on", "Thu 18 09:00")


def test_emails_replace_calls_when_told_not_to_call_and_invited_to_write():
    actions = [s[1] for s in timeline("default", no_calls=True, email_invited=True) if s[0] == "action"]
    assert actions == ["send_thank_you", "send_email", "send_email", "move_on"]


def test_one_call_example_skips_a_french_holiday_and_stops_after_one_call():
    steps = timeline(str(ROOT / "examples/rules/one-call.yaml"))
    assert [s for s in steps if s[0] == "action"] == [
        ("action", "send_thank_you", "Tue 05 09:00"),
        ("action", "call", "Tue 26 09:00"),
        ("action", "move_on", "Tue 16 09:00"),
    ]


def test_what_the_plan_records_and_what_it_only_lists():
    rs = load_rules("default")
    app = hypothetical(rs, normalize({"interviewed": "2026-05-04"}, new=True), "default")
    by_action = {s.action: s for s in plan(rs, app, app.entered) if s.kind == "action"}
    assert by_action["call"].event == "called" and by_action["send_thank_you"].event == "thank_you_sent"
    assert by_action["send_note"].optional and by_action["send_note"].event is None
    assert by_action["move_on"].event is None


def test_an_overdue_call_is_planned_for_the_next_working_hour_and_nothing_is_stored():
    store = MemoryStore()
    engine = Engine(store, FakeClock(at("2026-05-04 17:00")))
    app = engine.add("Northwind", interviewed="2026-05-04")
    now = at("2026-05-30 12:00")  # a Saturday, the call overdue since the 21st
    current = engine.get(app.id, now)
    steps = plan(engine.rules_for(current), current, now)
    assert steps[0].action == "call" and steps[0].due == at("2026-06-01 09:00")
    assert store.get(app.id) == app


def test_a_final_application_has_nothing_ahead():
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")))
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "withdrawn")
    current = engine.get(app.id)
    assert plan(engine.rules_for(current), current, at("2026-05-04 17:00")) == []


# -- the CLI -----------------------------------------------------------------------------------


def test_the_guide_example_is_what_plan_prints(tmp_path):
    example = re.search(r"```console\n\$ tactful plan (.*?)\n(.*?)```", GUIDE, re.S)
    assert example
    proc = tactful(tmp_path, "plan", *example.group(1).split())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == example.group(2)


def test_a_hypothetical_plan_stores_nothing_and_ignores_today(tmp_path):
    args = ("plan", "--rules", "small-company", "--interviewed", "2026-05-04", "--json")
    early, late = tactful(tmp_path, *args), tactful(tmp_path, *args, now="2027-01-01T00:00:00+00:00")
    assert early.returncode == 0 and early.stdout == late.stdout
    doc = json.loads(early.stdout)
    reason = "thank the interviewer for their time, the day after the interview at the latest"
    assert doc[0] == {"step": 1, "kind": "action", "due": "2026-05-05T09:00:00+00:00", "state": "interviewed",
                      "action": "send_thank_you", "event": "thank_you_sent", "optional": False,
                      "reason": reason}  # fmt: skip
    assert doc[-1]["kind"] == "timer" and doc[-1]["state"] == "moved_on" and doc[-1]["action"] is None
    assert not (tmp_path / "home").exists()


def test_plan_id_starts_from_where_the_application_stands(tmp_path):
    assert tactful(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04").returncode == 0
    called = tactful(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-21T10:00:00+00:00")
    assert called.returncode == 0, called.stderr
    proc = tactful(tmp_path, "plan", "1", "--json", now="2026-05-22T10:00:00+00:00")
    steps = json.loads(proc.stdout)
    assert [(s["kind"], s["action"] or s["state"]) for s in steps] == [
        ("action", "send_note"),  # optional, advised since the call
        ("timer", "second_follow_up_due"),
        ("action", "call_again"),
        ("action", "move_on"),
        ("timer", "moved_on"),
    ]
    assert steps[2]["due"] == "2026-05-28T10:00:00+00:00"
    text = tactful(tmp_path, "plan", "1", now="2026-05-22T10:00:00+00:00").stdout
    assert text.startswith("Plan for #1 Northwind (default), from now, if nobody answers:\nstep  due")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give an application ID, or --interviewed DATE"),
        (("1", "--interviewed", "2026-05-04"), "not both"),
        (("--interviewed", "2026-05-40"), "--interviewed '2026-05-40' is not a date"),
        (("--interviewed", "2026-05-04", "--rules", "nope"), "no rule set named 'nope'"),
        (("--interviewed", "2026-05-04", "--decision-by", "2026-05-01"), "before the interview"),
        (("7",), "no application with id 7"),
    ],
)
def test_bad_plan_input_is_one_line_and_exit_2(tmp_path, args, message):
    proc = tactful(tmp_path, "plan", *args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and message in proc.stderr, proc.stderr
