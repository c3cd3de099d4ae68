"""`tactful why` and `tactful can --why`: the trace behind an answer, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clirun import doc, ok, run

ADDED = "2027-05-04T12:00"
ASKED = "2027-05-10T10:00"


def _overlay(tmp_path: Path) -> Path:
    """A rule file over the default one that sets the grace days and a holiday country."""
    path = tmp_path / "uk-ish.yaml"
    path.write_text("extends: default\nsettings:\n  grace: 3 days\n  holidays: GB\n")
    return path


def _add(home: Path, *args: str) -> None:
    ok(home, "add", "Northwind", "--interviewed", "2027-05-04", *args, now=ADDED)


def test_why_shows_the_due_moment_as_arithmetic_moved_off_a_holiday(tmp_path: Path) -> None:
    """The first inquiry reads as decision date + grace, moved off the bank holiday it falls on."""
    home, rules = tmp_path / "home", _overlay(tmp_path)
    _add(home, "--decision-by", "2027-05-28", "--rules", str(rules))
    text = ok(home, "why", "1", "call", now=ASKED).stdout
    assert ("due first inquiry: decision date Fri 28 May 2027 + grace 3 days = Mon 31 May 2027, moved to "
            "Tue 1 Jun 2027: 31 May is Spring Bank Holiday in GB [rules/default.yaml:") in text  # fmt: skip
    assert f"grace (setting) -> 3 days [{rules}:3]" in text  # the overlay that set it
    assert "Changes next: Tue 1 Jun 2027: `can call` turns to yes" in text


def test_why_json_names_each_rule_its_overlay_and_what_it_read(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _add(home, "--decision-by", "2027-05-14", "--rules", "small-company")
    trace = doc(home, "why", "1", now=ASKED)
    assert trace["state"] == "interviewed" and [h["name"] for h in trace["history"]] == ["added"]
    assert [a["action"] for a in trace["advised"]] == [a["action"] for a in doc(home, "show", "1", now=ASKED)["next"]]
    due = next(s for s in trace["advice_steps"] if s["step"] == "due" and s["subject"] == "call")
    moved = "Sun 16 May 2027, moved to Mon 17 May 2027: Sunday is not a contact day"
    assert due["arithmetic"] == f"first inquiry: decision date Fri 14 May 2027 + grace 2 days = {moved}"
    grace = due["reads"][0]["reads"][1]
    assert (grace["name"], grace["value"], grace["overlay"]) == ("grace", "2 days", "rules/small-company.yaml")
    when = next(s for s in trace["advice_steps"] if s["step"] == "when" and s["subject"] == "call")
    assert when["value"] is True and when["reads"][0]["name"] == "in_process"
    change = trace["next_change"]  # the timer moves the state on the Sunday; the call is due on the Monday
    assert (change["at"], change["because"]) == ("2027-05-16T09:00:00+00:00", "the timer of state interviewed fires")


def test_can_why_prints_the_answer_then_the_trace_and_keeps_its_exit_code(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _add(home, "--no-calls")
    done = run(home, "can", "1", "call", "--why", now=ASKED)
    plain = run(home, "can", "1", "call", now=ASKED)
    assert done.returncode == plain.returncode == 1
    assert done.stdout.startswith(plain.stdout.strip())
    assert "deny no_calls and not first_choice_to_tell and 'note' in advised_channels -> yes [rules/default.yaml:" in (
        done.stdout
    )
    assert "no_calls (fact) -> yes" in done.stdout
    answer = json.loads(run(home, "can", "1", "call", "--why", "--json", now=ASKED).stdout)
    assert answer["allowed"] is False and answer["trace"]["verdict"]["reason"] == answer["reason"]
    assert [s["step"] for s in answer["trace"]["policy_steps"]][:3] == ["deny", "deny", "answer"]  # email, then note


def test_why_refuses_an_unknown_name_or_id_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _add(home)
    for args, says in ((("why", "1", "fax"), "unknown action or channel 'fax'"),
                       (("why", "7"), "no application with id 7")):  # fmt: skip
        done = run(home, *args, now=ASKED)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.count("\n") == 1 and says in done.stderr
