"""Answers a person reads side by side never contradict each other, and the defaults fit a
person's first week (issue 23): what `can`, `show` and `record` say, run as the installed
`tactful` in a subprocess against a throwaway home. The etiquette's timeline itself is in the
scenarios (rules/scenarios/default.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

from .clirun import doc, ok, run

MAY4 = "2026-05-04T17:00:00+00:00"
BERLIN = {"TACTFUL_TZ": "Europe/Berlin"}


def add(home: Path, company: str, *extra: str, now: str = MAY4, env: dict[str, str] | None = None) -> None:
    ok(home, "add", company, "--interviewed", "2026-05-04", "--timezone", "UTC", *extra, now=now, env=env)


def can(home: Path, app: str, channel: str, now: str) -> tuple[int, str]:
    done = run(home, "can", app, channel, now=now)
    return done.returncode, done.stdout


# --------------------------------------------------------------------------------------------
# answers that contradict each other


def test_told_not_to_call_with_email_invited_the_refusals_name_the_email(tmp_path: Path) -> None:
    add(tmp_path, "Mail Co", "--no-calls", "--email-invited")
    ok(tmp_path, "record", "1", "thank_you_sent", now=MAY4)
    code, said = can(tmp_path, "1", "call", "2026-05-21T10:00:00+00:00")
    assert code == 1 and "send an email instead" in said and "note" not in said
    code, said = can(tmp_path, "1", "note", "2026-05-21T10:00:00+00:00")
    assert code == 1 and "an email is what is advised" in said
    assert can(tmp_path, "1", "email", "2026-05-21T10:00:00+00:00")[0] == 0


def test_a_search_that_is_over_suggests_nothing_and_is_not_still_deciding(tmp_path: Path) -> None:
    add(tmp_path, "Northwind")
    ok(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-21T10:00:00+00:00")
    ok(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-28T10:00:00+00:00")
    later = "2026-07-01T10:00:00+00:00"
    assert doc(tmp_path, "show", "1", now=later)["state"] == "moved_on"
    answers = {channel: can(tmp_path, "1", channel, later) for channel in ("note", "email", "linkedin_invite")}
    assert all(code == 1 for code, _ in answers.values()), answers
    assert "instead" not in answers["email"][1], "no note is advised, so none is suggested"
    assert "still deciding" not in answers["linkedin_invite"][1]
    assert "ended without a decision" in answers["linkedin_invite"][1]


def test_a_rank_2_application_hears_a_higher_choice_not_your_first_choice(tmp_path: Path) -> None:
    add(tmp_path, "First", "--rank", "1")
    add(tmp_path, "Second", "--rank", "2")
    add(tmp_path, "Third", "--rank", "3")
    ok(tmp_path, "record", "3", "offer", "--deadline", "2026-05-20", now="2026-05-12T10:00:00+00:00")
    shown = ok(tmp_path, "show", "2", now="2026-05-12T10:00:00+00:00").stdout
    assert "contact first choice: tell this employer, a higher choice for you, that Third made an offer" in shown
    assert "first choice that" not in shown
    draft = ok(tmp_path, "draft", "2", "contact_first_choice", now="2026-05-12T10:00:00+00:00").stdout
    assert "the role I want most" not in draft and "still very interested" in draft


def test_a_higher_choice_is_told_of_an_offer_from_its_interview_not_before(tmp_path: Path) -> None:
    add(tmp_path, "Second", "--rank", "2")
    monday = "2026-05-11T10:00:00+00:00"
    ok(tmp_path, "record", "1", "offer", "--deadline", "2026-05-20", now=monday)
    ok(tmp_path, "add", "First", "--interviewed", "2026-05-12", "--timezone", "UTC", "--rank", "1", now=monday)
    told = [n for n in doc(tmp_path, "show", "2", now=monday)["next"] if n["action"] == "contact_first_choice"]
    assert [(n["from"], n["due"]) for n in told] == [("2026-05-12T09:00:00+00:00", "2026-05-12T09:00:00+00:00")]


def test_an_offer_deadline_before_the_offer_is_refused_in_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    add(tmp_path, "Northwind")
    now = "2026-05-15T19:00:00+00:00"
    before = doc(tmp_path, "show", "1", now=now)
    done = run(tmp_path, "record", "1", "offer", "--deadline", "2026-05-14", now=now)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "tactful: the offer's deadline, 2026-05-14, is before the offer itself; give the date the employer named"
    ]
    assert doc(tmp_path, "show", "1", now=now) == before
    ok(tmp_path, "record", "1", "offer", "--deadline", "2026-05-15", now=now)  # the same day is a deadline


def test_recording_the_same_event_twice_says_when_it_was_recorded(tmp_path: Path) -> None:
    add(tmp_path, "Northwind")
    ok(tmp_path, "record", "1", "thank_you_sent", now=MAY4)
    again = run(tmp_path, "record", "1", "thank-you-sent", now="2026-05-06T10:00:00+00:00")
    assert again.returncode == 1
    assert "'thank_you_sent' is already recorded on Mon 2026-05-04 17:00" in again.stderr
    assert "does not apply while" not in again.stderr
    ok(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-21T10:00:00+00:00")
    late = run(
        tmp_path, "record", "1", "thank_you_sent", now="2026-05-22T10:00:00+00:00"
    )  # no repeat: a call came since
    assert late.returncode == 1 and "already recorded" not in late.stderr


# --------------------------------------------------------------------------------------------
# sensible defaults


def test_the_interviewers_zone_defaults_to_your_own_and_show_says_so(tmp_path: Path) -> None:
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=MAY4, env=BERLIN)
    shown = doc(tmp_path, "show", "1", now=MAY4, env=BERLIN)
    assert shown["facts"]["timezone"] == "Europe/Berlin"
    assert [(n["action"], n["due"]) for n in shown["next"]] == [
        ("send_thank_you", "2026-05-05T09:00:00+02:00"),
        ("call", "2026-05-21T09:00:00+02:00"),  # 09:00 in Berlin, not 11:00
    ]
    text = ok(tmp_path, "show", "1", now=MAY4, env=BERLIN).stdout
    assert "interviewer's time zone: Europe/Berlin (your own zone)" in text
    ok(
        tmp_path,
        "add",
        "Contoso",
        "--interviewed",
        "2026-05-04",
        "--timezone",
        "America/New_York",
        now=MAY4,
        env=BERLIN,
    )
    assert "America/New_York\n" in ok(tmp_path, "show", "2", now=MAY4, env=BERLIN).stdout


def test_holidays_default_to_the_interviewers_country_and_none_turns_them_off(tmp_path: Path) -> None:
    december = "2026-12-08T17:00:00+01:00"  # the first inquiry falls on Christmas Day
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-12-08", now=december, env=BERLIN)
    shown = doc(tmp_path, "show", "1", now=december, env=BERLIN)
    assert shown["holidays"] == "DE"
    assert shown["next"][1]["due"] == "2026-12-28T09:00:00+01:00"
    assert "Christmas Day in DE" in shown["next"][1]["reason"]
    text = ok(tmp_path, "show", "1", now=december, env=BERLIN).stdout
    assert "holidays:                public holidays in DE (the country of the interviewer's time zone)" in text

    (tmp_path / "none.yaml").write_text("extends: default\nsettings:\n  holidays: none\n")
    (tmp_path / "old.yaml").write_text("extends: default\nsettings:\n  holidays: null\n")  # as rule files said it
    for rules in ("none.yaml", "old.yaml"):
        ok(tmp_path, "add", rules, "--interviewed", "2026-12-08", "--rules", str(tmp_path / rules), now=december,
           env=BERLIN)  # fmt: skip
    for app in ("2", "3"):
        off = doc(tmp_path, "show", app, now=december, env=BERLIN)
        assert off["holidays"] is None and off["next"][1]["due"] == "2026-12-25T09:00:00+01:00"
        assert "holidays:                none" in ok(tmp_path, "show", app, now=december, env=BERLIN).stdout


def test_a_zone_without_a_country_has_no_holidays(tmp_path: Path) -> None:
    add(tmp_path, "Northwind")  # UTC
    assert doc(tmp_path, "show", "1", now=MAY4)["holidays"] is None


def test_history_is_listed_by_when_things_happened_with_when_they_were_recorded(tmp_path: Path) -> None:
    late = "2026-12-10T17:00:00+00:00"
    added = run(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=late)
    assert added.returncode == 0
    assert "the interview on 2026-05-04 was 220 days ago" in added.stderr  # a stale interview is warned of
    ok(tmp_path, "record", "1", "thank_you_sent", "--at", "2026-05-04T19:00", now=late)
    history = doc(tmp_path, "show", "1", now=late)["history"]
    assert [(h["name"], h["at"], h["recorded"]) for h in history][:2] == [
        ("added", "2026-05-04T09:00:00+00:00", late),
        ("thank_you_sent", "2026-05-04T19:00:00+00:00", late),
    ]
    lines = ok(tmp_path, "show", "1", now=late).stdout.split("History:\n")[1].splitlines()
    assert lines[0].startswith("  Mon 2026-05-04 09:00  added (recorded Thu 2026-12-10 17:00)")
    assert lines[1].startswith("  Mon 2026-05-04 19:00  thank_you_sent (recorded Thu 2026-12-10 17:00)")
    assert lines[2].startswith("  Thu 2026-05-21 09:00  timer")


def test_an_interview_this_week_draws_no_stale_warning(tmp_path: Path) -> None:
    added = run(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=MAY4)
    assert added.returncode == 0 and added.stderr == ""


def test_show_marks_what_is_due_already_as_agenda_does(tmp_path: Path) -> None:
    add(tmp_path, "Northwind")
    now = "2026-05-22T10:00:00+00:00"
    nexts = ok(tmp_path, "show", "1", now=now).stdout.split("What comes next:\n")[1].splitlines()
    assert nexts[0].startswith("  now  Thu 2026-05-21 09:00  call:")
    assert [n["overdue"] for n in doc(tmp_path, "show", "1", now=now)["next"]] == [True]
    assert "now" in ok(tmp_path, "agenda", now=now).stdout


def test_an_imported_row_without_a_zone_takes_your_own_as_add_does(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("company,interviewed,timezone\nNorthwind,2026-05-04,\nContoso,2026-05-04,America/New_York\n")
    home = tmp_path / "home"
    ok(home, "import", str(rows), now=MAY4, env=BERLIN)
    shown = doc(home, "show", "1", now=MAY4, env=BERLIN)
    assert shown["facts"]["timezone"] == "Europe/Berlin"
    assert shown["next"][1]["due"] == "2026-05-21T09:00:00+02:00"  # 09:00 in Berlin, not 11:00
    assert "Europe/Berlin (your own zone)" in ok(home, "show", "1", now=MAY4, env=BERLIN).stdout
    assert doc(home, "show", "2", now=MAY4, env=BERLIN)["facts"]["timezone"] == "America/New_York"

    ok(home, "candidates", "add", "alice", "--zone", "Europe/Paris", now=MAY4, env=BERLIN)
    ok(home, "import", str(rows), "--candidate", "alice", now=MAY4, env=BERLIN)
    alices = json.loads(ok(home, "export", "--candidate", "alice", now=MAY4, env=BERLIN).stdout)
    assert [a["timezone"] for a in alices] == ["Europe/Paris", "America/New_York"]  # alice's own zone


def test_an_export_imports_and_exports_again_unchanged_with_its_zones(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", now=MAY4, env=BERLIN)
    ok(home, "add", "Contoso", "--interviewed", "2026-05-04", "--timezone", "UTC", now=MAY4, env=BERLIN)
    exported = ok(home, "export", now=MAY4, env=BERLIN).stdout
    (tmp_path / "out.csv").write_text(exported)
    ok(other, "import", str(tmp_path / "out.csv"), now=MAY4, env={"TACTFUL_TZ": "Asia/Tokyo"})
    assert ok(other, "export", now=MAY4, env={"TACTFUL_TZ": "Asia/Tokyo"}).stdout == exported
    assert [a["timezone"] for a in json.loads(exported)] == ["Europe/Berlin", "UTC"]
