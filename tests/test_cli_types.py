"""Typed options: `--help` names the kind of value each option takes (DATE, DATETIME, ZONE, N,
ID, PATH), and a bad value is refused as the command line is read, on one line that says what,
where and what would be right, exit 2, before anything is opened or written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .clirun import doc, ok, run

NOW = "2026-05-06T10:00:00+00:00"


@pytest.mark.parametrize(
    ("command", "option", "metavar"),
    [
        (("add",), "--interviewed", "DATE"),
        (("add",), "--decision-by", "DATE"),
        (("add",), "--timezone", "ZONE"),
        (("add",), "--rank", "N"),
        (("record",), "--at", "DATETIME"),
        (("record",), "--callback-at", "DATETIME"),
        (("record",), "--deadline", "DATE"),
        (("list",), "--limit", "N"),
        (("list",), "--now", "DATETIME"),
        (("list",), "--home", "PATH"),
        (("agenda",), "--days", "N"),
        (("tick",), "--batch", "N"),
        (("serve",), "--port", "PORT"),
        (("outbox",), "--limit", "N"),
    ],
)
def test_help_names_the_kind_of_value_each_option_takes(tmp_path: Path, command, option, metavar) -> None:
    text = ok(tmp_path, *command, "--help", now=NOW).stdout
    assert re.search(rf"^  (-\w, )?{option} {metavar}( |$)", text, re.M), text
    assert "TEXT" not in text and "INTEGER" not in text, text


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("add", "X", "--interviewed", "2026-05-04", "--decision-by", "soon"),
            "tactful: --decision-by 'soon' is not a date; write it as YYYY-MM-DD, e.g. 2026-05-04",
        ),
        (
            ("add", "X", "--interviewed", "last week"),
            "tactful: --interviewed 'last week' is not a date; "
            "write it as YYYY-MM-DD, today or yesterday, e.g. 2026-05-04",
        ),
        (
            ("add", "X", "--interviewed", "2026-05-04", "--timezone", "Paris"),
            "tactful: --timezone: unknown time zone 'Paris'; use an IANA name like 'Europe/Paris' or 'UTC'",
        ),
        (
            ("add", "X", "--interviewed", "2026-05-04", "--rank", "0"),
            "tactful: --rank '0' is not a rank; write 1 for your first choice, 2 for the next…",
        ),
        (("list", "--limit", "many"), "tactful: --limit 'many' is not a count; write a whole number, 1 or more"),
        (
            ("agenda", "--days", "99999"),
            "tactful: --days '99999' is not a count; write a whole number, from 0 to 36,500",
        ),
        (("show", "one"), "tactful: 'one' is not an application id; 'tactful list' shows them"),
        (
            ("list", "--now", "noon"),
            "tactful: --now 'noon' is not a date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]",
        ),
        (("outbox", "retry", "x"), "tactful: 'x' is not a delivery id; 'tactful outbox --all' lists them"),
    ],
)
def test_a_bad_value_is_one_line_exit_2_and_opens_nothing(tmp_path: Path, args, said) -> None:
    home = tmp_path / "home"
    done = run(home, *args, now=NOW)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", said + "\n")
    assert not home.exists(), "the home was made before the value was checked"


def test_a_bad_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    done = run(tmp_path, "list", now="tomorrow-ish")
    assert done.returncode == 2
    assert done.stderr.startswith("tactful: TACTFUL_NOW 'tomorrow-ish' is not a date or time;"), done.stderr
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n")
    done = run(tmp_path, "--home", str(a_file), "list", now=NOW)
    assert (done.returncode, done.stderr) == (2, f"tactful: --home {a_file} is a file; give a folder\n")
    assert a_file.read_text() == "not a folder\n"


def test_a_path_that_cannot_be_read_is_named_with_the_reason(tmp_path: Path) -> None:
    done = run(tmp_path, "import", str(tmp_path), now=NOW)
    assert (done.returncode, done.stderr) == (2, f"tactful: cannot read {tmp_path}: Is a directory\n")
    assert doc(tmp_path, "list", now=NOW) == []


def test_good_values_still_mean_what_they_did(tmp_path: Path) -> None:
    ok(tmp_path, "add", "Northwind", "--interviewed", "Yesterday", "--timezone", "Europe/Paris", "--rank", "1",
       "--decision-by", "2026-05-20", now=NOW)  # fmt: skip
    shown = doc(tmp_path, "show", "1", now=NOW)
    assert shown["facts"]["interviewed"] == "2026-05-05" and shown["facts"]["rank"] == 1
    assert shown["facts"]["timezone"] == "Europe/Paris" and shown["facts"]["decision_by"] == "2026-05-20"
