"""Points of a newcomer's first hour checked from a fresh home: what a decided application may
still be drafted, telling your first choice of a competing offer by phone under --no-calls,
help summaries that end where their sentence does, the demo's answers said once."""

from __future__ import annotations

import re
from pathlib import Path

from .clirun import ok, run

ADDED = "2026-05-04T17:00:00+00:00"


def test_a_withdrawal_or_a_call_is_not_drafted_for_a_rejected_application(tmp_path: Path) -> None:
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=ADDED)
    assert ok(tmp_path, "draft", "1", "withdraw", now=ADDED).stdout.startswith("#1 withdraw (note)")  # still running
    ok(tmp_path, "record", "1", "rejected", now="2026-05-06T10:00:00+00:00")
    for action in ("withdraw", "call"):
        done = run(tmp_path, "draft", "1", action, now="2026-05-07T10:00:00+00:00")
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert done.stderr == (f"tactful: #1 Northwind is rejected, and its rules no longer advise '{action}'; "
                               "drafts still advised for it: thank_you_letter\n")  # fmt: skip
    letter = ok(tmp_path, "draft", "1", "thank_you_letter", now="2026-05-07T10:00:00+00:00")
    assert letter.stdout.startswith("#1 thank_you_letter (note)")


def test_telling_the_first_choice_by_phone_is_no_inquiry_call_under_no_calls(tmp_path: Path) -> None:
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", "--rank", "1", "--no-calls", now=ADDED)
    ok(tmp_path, "add", "Tiny Bakery", "--interviewed", "2026-05-04", "--rank", "2", now=ADDED)
    ok(tmp_path, "record", "2", "offer", "--deadline", "2026-05-20", now="2026-05-13T10:00:00+00:00")
    assert run(tmp_path, "can", "1", "call", now="2026-05-13T11:00:00+00:00").returncode == 0
    told = ok(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-13T11:00:00+00:00")
    assert told.stderr == ""
    again = run(tmp_path, "can", "1", "call", now="2026-05-13T12:00:00+00:00")
    assert again.returncode == 1 and "asked candidates not to call" in again.stdout
    inquiry = ok(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-13T13:00:00+00:00")
    assert "the interviewer asked not to be called" in inquiry.stderr  # an inquiry still warns


def test_every_command_summary_is_whole_and_the_plugin_commands_have_examples(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("calendar:\n")
    for group in ((), ("rules",), ("outbox",), ("calendar",)):
        listed = ok(tmp_path, *group, "--help", now=ADDED).stdout.partition("Commands:")[2]
        summaries = [line for line in listed.splitlines() if re.match(r"^  [a-z]", line)]
        assert summaries and not [line for line in summaries if line.endswith("...")], (group, summaries)
    for command in ("write", "serve"):
        text = ok(tmp_path, "calendar", command, "--help", now=ADDED).stdout
        assert re.search(rf"^  tactful calendar {command}\b", text, re.M), text


def test_the_demo_says_when_a_call_is_allowed_once(tmp_path: Path) -> None:
    said = ok(tmp_path, "demo", now=ADDED).stdout
    [line] = [line for line in said.splitlines() if line.startswith("May I call Northwind?")]
    assert line == "May I call Northwind? no: it is too early to call; the next call is due from 2026-05-21"
