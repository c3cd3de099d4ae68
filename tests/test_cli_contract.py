"""A black-box test suite of the `tactful` CLI, written from DESIGN.md and the CLI contract
of issue 2 alone: every test runs the installed `tactful` in a real subprocess, with a
throwaway home, a fixed clock (TACTFUL_NOW / --now) and TACTFUL_TZ=UTC.

Calendar used throughout (2026): Mon 04 May is the interview day, so the default decision
date is Mon 18 May and the first inquiry (decision + 3 days of grace) Thu 21 May.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

EXE = Path(sys.executable).parent / "tactful"
INTERVIEW = "2026-05-04"  # a Monday
DAY0 = "2026-05-04T17:00:00+00:00"


@dataclass
class Tactful:
    """The installed CLI, run against one throwaway home."""

    home: Path
    tmp: Path
    baseline: Any = None

    def env(self, now: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
        env.update(TACTFUL_HOME=str(self.home), TACTFUL_TZ="UTC")
        if now is not None:
            env["TACTFUL_NOW"] = now
        env.update(extra or {})
        return env

    def run(
        self,
        *args: str,
        now: str | None = DAY0,
        extra_env: dict[str, str] | None = None,
        stdin: Any = subprocess.DEVNULL,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(EXE), *args],
            capture_output=True,
            text=True,
            stdin=stdin,
            env=self.env(now, extra_env),
            timeout=60,
            cwd=self.tmp,
        )

    def json(self, *args: str, now: str | None = DAY0, expect: int | None = 0) -> Any:
        """Run with --json; check the exit code and that stdout is exactly one JSON document."""
        proc = self.run(*args, "--json", now=now)
        if expect is not None:
            assert proc.returncode == expect, (args, proc.returncode, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
        return json.loads(proc.stdout)

    def add(self, company: str, *opts: str, interviewed: str = INTERVIEW, thank: bool = True) -> str:
        doc = self.json(
            "add",
            company,
            "--interviewed",
            interviewed,
            "--timezone",
            "UTC",
            *opts,
            now=f"{interviewed}T17:00:00+00:00",
        )
        assert isinstance(doc, dict) and "id" in doc, doc
        app = str(doc["id"])
        if thank:
            self.json("record", app, "thank_you_sent", now=f"{interviewed}T18:00:00+00:00")
        return app

    def show(self, app: str, now: str) -> dict[str, Any]:
        doc = self.json("show", app, now=now)
        assert isinstance(doc, dict)
        return doc

    def export(self) -> Any:
        return self.json("export", "--format", "json", now="2026-12-31T12:00:00+00:00")


@pytest.fixture
def t(tmp_path: Path) -> Tactful:
    """The CLI on an empty temp home of this test's own."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "cwd"
    work.mkdir()
    return Tactful(home=home, tmp=work)


@pytest.fixture(scope="module")
def northwind_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A home holding one application (#1 Northwind, interviewed Mon 04 May, thank-you sent), built once.

    Tests get their own copy of it (see `nw`), so each still runs on a temp home of its own.
    """
    root = tmp_path_factory.mktemp("template")
    maker = Tactful(home=root / "home", tmp=root)
    maker.home.mkdir()
    assert maker.add("Northwind") == "1"
    return maker.home, maker.export()


@pytest.fixture
def nw(tmp_path: Path, northwind_template: tuple[Path, Any]) -> Tactful:
    """A temp home of this test's own, holding #1 Northwind (awaiting_decision); ``nw.baseline`` is its export."""
    template, baseline = northwind_template
    shutil.copytree(template, tmp_path / "home")
    work = tmp_path / "cwd"
    work.mkdir()
    cli = Tactful(home=tmp_path / "home", tmp=work)
    cli.baseline = baseline
    return cli


def due_of(show: dict[str, Any], action: str) -> str | None:
    """The due moment (ISO text) of the first `next` entry for ``action``, or None."""
    hits = [n for n in show.get("next", []) if n.get("action") == action]
    return hits[0]["due"] if hits else None


def day_of(show: dict[str, Any], action: str) -> str | None:
    due = due_of(show, action)
    return None if due is None else datetime.fromisoformat(due).date().isoformat()


def actions(show: dict[str, Any]) -> list[str]:
    return [n.get("action") for n in show.get("next", [])]


def instant(text: str | None) -> datetime:
    """An ISO 8601 moment with its UTC offset (fails on a missing due or a naive time)."""
    assert text is not None, "expected a due moment, found none"
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, f"{text!r} has no UTC offset"
    return moment


# --------------------------------------------------------------------------------------------
# add, show, list, agenda: the default timeline and the JSON shapes


def test_add_then_show_gives_the_default_timeline_and_iso_dates(t: Tactful) -> None:
    """add prints {"id"}; show has the documented keys, ISO 8601 dues, and a call at interview + 14 + 3 days."""
    doc = t.json(
        "add",
        "Northwind",
        "--interviewed",
        INTERVIEW,
        "--timezone",
        "UTC",
        "--role",
        "Analyst",
        "--interviewer",
        "Ms. Rivera",
        "--email",
        "rivera@example.com",
        "--phone",
        "+1 555 0100",
        "--rank",
        "1",
    )
    assert set(doc) == {"id"}
    app = str(doc["id"])
    s = t.show(app, "2026-05-04T17:30:00+00:00")
    for key in ("id", "company", "state", "next", "history"):
        assert key in s, key
    assert str(s["id"]) == app and s["company"] == "Northwind"
    assert s["state"] == "interviewed"
    assert day_of(s, "send_thank_you") == "2026-05-05"
    assert day_of(s, "call") == "2026-05-21"
    for item in s["next"]:
        assert {"action", "due", "reason"} <= set(item)
        instant(item["due"])
        assert item["reason"]
    for entry in s["history"]:
        for value in entry.values():
            if isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\d", value):
                datetime.fromisoformat(value)
    assert instant(due_of(s, "call")) == datetime.fromisoformat("2026-05-21T09:00:00+00:00")


def test_show_json_has_no_unfilled_message_templates(nw: Tactful) -> None:
    """No text that show --json or can --json prints still contains a raw {placeholder} from the rule file."""
    t, app = nw, "1"
    texts = json.dumps(
        [
            t.show(app, "2026-05-06T10:00:00+00:00"),
            t.json("can", app, "call", now="2026-05-06T10:00:00+00:00", expect=1),
        ]
    )
    assert re.findall(r"\{[a-z_]+\}", texts) == []


def test_thank_you_sent_moves_to_awaiting_decision_and_is_kept_in_history(t: Tactful) -> None:
    """record thank_you_sent moves interviewed → awaiting_decision, prints the application, and history records it."""
    app = t.add("Northwind", thank=False)
    rec = t.json("record", app, "thank_you_sent", now="2026-05-04T18:00:00+00:00")
    assert rec["state"] == "awaiting_decision"
    assert "send_thank_you" not in actions(rec)
    assert day_of(rec, "call") == "2026-05-21"
    assert len(rec["history"]) >= 2
    assert any("thank_you_sent" in json.dumps(e) for e in rec["history"])


@pytest.mark.parametrize(
    ("interviewed", "opts", "expected"),
    [
        pytest.param("2026-05-04", (), "2026-05-21", id="14-days-plus-3-grace"),
        pytest.param("2026-09-02", (), "2026-09-21", id="saturday-shifts-to-monday"),
        pytest.param("2026-09-03", (), "2026-09-21", id="sunday-shifts-to-monday"),
        pytest.param("2026-05-04", ("--decision-by", "2026-05-11"), "2026-05-14", id="decision-by-replaces-14-days"),
        pytest.param("2026-05-04", ("--decision-by", "2026-05-27"), "2026-06-01", id="decision-by-then-weekend"),
        pytest.param("2026-05-04", ("--rules", "small-company"), "2026-05-13", id="small-company-7-plus-2"),
    ],
)
def test_first_inquiry_call_is_due_on_the_documented_day(
    t: Tactful, interviewed: str, opts: tuple[str, ...], expected: str
) -> None:
    """The first inquiry call is due at decision date + grace, shifted forward off weekends."""
    app = t.add("Acme", *opts, interviewed=interviewed, thank=False)
    s = t.show(app, f"{interviewed}T19:00:00+00:00")
    assert s["state"] == "interviewed"
    assert day_of(s, "call") == expected, s["next"]
    assert date.fromisoformat(expected).weekday() < 5


def test_thank_you_after_a_friday_interview_is_due_on_saturday(t: Tactful) -> None:
    """send_thank_you is due interview + 1 day whatever the calendar: a written thank-you is not a call
    (issue 23), so a Friday interview gives Saturday, not Monday (it used to be moved off the weekend)."""
    app = t.add("Acme", interviewed="2026-05-08", thank=False)
    assert day_of(t.show(app, "2026-05-08T19:00:00+00:00"), "send_thank_you") == "2026-05-09"


def test_date_only_moments_are_9am_in_the_interviewers_zone(t: Tactful) -> None:
    """With --timezone America/New_York the first call is due 09:00 New York time (13:00 UTC)."""
    doc = t.json("add", "Gotham", "--interviewed", INTERVIEW, "--timezone", "America/New_York")
    s = t.show(str(doc["id"]), "2026-05-05T12:00:00+00:00")
    assert instant(due_of(s, "call")) == datetime.fromisoformat("2026-05-21T13:00:00+00:00")


def test_human_output_shows_times_in_the_users_zone(nw: Tactful) -> None:
    """Human agenda output shows a 09:00 UTC due as 11:00 with TACTFUL_TZ=Europe/Paris; nothing goes to stderr."""
    t = nw
    # the call is 15 days off: past the agenda's default window of 14 days
    paris = t.run("agenda", "--days", "15", now="2026-05-06T10:00:00+00:00", extra_env={"TACTFUL_TZ": "Europe/Paris"})
    utc = t.run("agenda", "--days", "15", now="2026-05-06T10:00:00+00:00")
    assert paris.returncode == 0 and utc.returncode == 0
    assert "2026-05-21 11:00" in paris.stdout, paris.stdout
    assert "2026-05-21 09:00" in utc.stdout, utc.stdout
    assert "Northwind" in utc.stdout and "call" in utc.stdout
    assert paris.stderr == "" and utc.stderr == ""


def test_list_and_agenda_json_cover_all_applications_soonest_first(nw: Tactful) -> None:
    """list gives {id, company, state}; agenda {id, company, action, due} soonest first; tick fires every app."""
    t, big = nw, "1"
    small = t.add("Tiny Bakery", "--rules", "small-company")
    now = "2026-05-06T10:00:00+00:00"
    rows = t.json("list", now=now)
    assert isinstance(rows, list) and len(rows) == 2
    assert {str(r["id"]) for r in rows} == {big, small}
    assert all({"id", "company", "state"} <= set(r) for r in rows)
    assert {r["company"]: r["state"] for r in rows} == {
        "Northwind": "awaiting_decision",
        "Tiny Bakery": "awaiting_decision",
    }
    items = t.json("agenda", "--days", "15", now=now)  # Northwind's call is 15 days off
    assert isinstance(items, list) and len(items) >= 2
    assert all({"id", "company", "action", "due"} <= set(i) for i in items)
    dues = [instant(i["due"]) for i in items]
    assert dues == sorted(dues)
    first = {(str(i["id"]), i["action"]): i["due"][:10] for i in items}
    assert first[(small, "call")] == "2026-05-13"
    assert first[(big, "call")] == "2026-05-21"
    assert str(items[0]["id"]) == small
    fired = t.json("tick", now="2026-05-21T10:00:00+00:00")
    assert sorted(str(f["id"]) for f in fired) == sorted([big, small])
    rows = t.json("list", now="2026-05-21T10:00:00+00:00")
    assert {r["state"] for r in rows} == {"follow_up_due"}


def test_list_and_agenda_on_an_empty_home_print_empty_lists(t: Tactful) -> None:
    """With no applications, list --json and agenda --json print [] and tick --json prints []."""
    assert t.json("list") == []
    assert t.json("agenda") == []
    assert t.json("tick") == []


# --------------------------------------------------------------------------------------------
# time: answering as of now, tick, calls, callbacks, move on


def test_show_answers_as_of_now_and_tick_fires_once(nw: Tactful) -> None:
    """A due timer counts as fired in show; tick reports the transition once and prints [] the second time."""
    t, app = nw, "1"
    before = t.show(app, "2026-05-21T08:59:00+00:00")
    assert before["state"] == "awaiting_decision"
    after = t.show(app, "2026-05-21T10:00:00+00:00")
    assert after["state"] == "follow_up_due"
    assert day_of(after, "call") == "2026-05-21"
    first = t.json("tick", now="2026-05-21T10:00:00+00:00")
    assert isinstance(first, list) and len(first) == 1, first
    assert str(first[0]["id"]) == app
    assert "follow_up_due" in json.dumps(first[0])
    assert t.json("tick", now="2026-05-21T10:00:00+00:00") == []
    assert t.json("tick", now="2026-05-21T11:00:00+00:00") == []
    by_option = t.run("show", app, "--json", "--now", "2026-05-21T10:00:00+00:00", now=None)
    assert json.loads(by_option.stdout)["state"] == "follow_up_due"


def test_tick_before_anything_is_due_does_nothing(nw: Tactful) -> None:
    """tick before the first inquiry prints [] and the state stays awaiting_decision."""
    t, app = nw, "1"
    assert t.json("tick", now="2026-05-20T23:00:00+00:00") == []
    assert t.show(app, "2026-05-20T23:00:00+00:00")["state"] == "awaiting_decision"


def test_noncommittal_call_then_second_call_then_move_on(nw: Tactful) -> None:
    """A call → awaiting_reply; call_again 7 days on; the final call → move_on 21 days on → moved_on."""
    t, app = nw, "1"
    s = t.json(
        "record",
        app,
        "called",
        "--outcome",
        "noncommittal",
        "--at",
        "2026-05-21T11:00:00+00:00",
        now="2026-05-21T11:30:00+00:00",
    )
    assert s["state"] == "awaiting_reply"
    assert instant(due_of(s, "call_again")) == datetime.fromisoformat("2026-05-28T11:00:00+00:00")
    s = t.show(app, "2026-05-28T12:00:00+00:00")
    assert s["state"] == "second_follow_up_due"
    s = t.json("record", app, "called", "--outcome", "no_answer", now="2026-05-28T13:00:00+00:00")
    assert s["state"] == "awaiting_final_reply"
    assert "call_again" not in actions(s)
    assert instant(due_of(s, "move_on")) == datetime.fromisoformat("2026-06-18T13:00:00+00:00")
    assert t.show(app, "2026-06-18T12:59:00+00:00")["state"] == "awaiting_final_reply"
    assert t.show(app, "2026-06-18T13:00:00+00:00")["state"] == "moved_on"
    fired = t.json("tick", now="2026-06-18T14:00:00+00:00")
    assert [str(f["id"]) for f in fired] == [app]
    assert "moved_on" in json.dumps(fired)
    assert t.json("tick", now="2026-06-18T14:00:00+00:00") == []
    final = t.show(app, "2026-06-19T10:00:00+00:00")
    assert final["state"] == "moved_on"
    assert final["next"] == []


def test_small_company_waits_four_days_between_calls(t: Tactful) -> None:
    """small-company: reply_wait is 4 days, and move_on comes 14 days after the final call."""
    app = t.add("Tiny Bakery", "--rules", "small-company")
    s = t.json("record", app, "called", "--outcome", "noncommittal", now="2026-05-14T10:00:00+00:00")
    assert s["state"] == "awaiting_reply"
    assert instant(due_of(s, "call_again")) == datetime.fromisoformat("2026-05-18T10:00:00+00:00")
    s = t.json("record", app, "called", "--outcome", "noncommittal", now="2026-05-18T10:00:00+00:00")
    assert s["state"] == "awaiting_final_reply"
    assert instant(due_of(s, "move_on")) == datetime.fromisoformat("2026-06-01T10:00:00+00:00")


def test_callback_is_due_as_given_and_does_not_count_as_a_call(nw: Tactful) -> None:
    """A requested callback on a Saturday stays at that time; calling back leaves a second inquiry call available."""
    t, app = nw, "1"
    s = t.json(
        "record",
        app,
        "called",
        "--outcome",
        "callback_requested",
        "--callback-at",
        "2026-05-23T10:30:00+00:00",
        now="2026-05-21T11:00:00+00:00",
    )
    assert s["state"] == "callback_scheduled"
    assert instant(due_of(s, "callback")) == datetime.fromisoformat("2026-05-23T10:30:00+00:00")
    s = t.json("record", app, "called", "--outcome", "noncommittal", now="2026-05-23T10:30:00+00:00")
    assert s["state"] == "awaiting_reply", "the callback must not use up the second call"
    assert s["facts"]["calls_made"] == 1
    assert day_of(s, "call_again") == "2026-06-01", "last contact (Sat) + 7 days is a Saturday: next Monday"
    proc = t.run("record", app, "called", "--outcome", "noncommittal", "--json", now="2026-06-01T11:00:00+00:00")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["state"] == "awaiting_final_reply"
    assert "warning" not in proc.stderr.lower(), "a second call after a callback is within the etiquette"


def test_can_call_at_the_employers_callback_time_even_outside_contact_hours(nw: Tactful) -> None:
    """A callback the employer set for Saturday 18:30 stands as given: can call says yes at that moment."""
    t, app = nw, "1"
    t.json(
        "record",
        app,
        "called",
        "--outcome",
        "callback_requested",
        "--callback-at",
        "2026-05-23T18:30:00+00:00",
        now="2026-05-21T11:00:00+00:00",
    )
    verdict = t.json("can", app, "call", now="2026-05-23T18:30:00+00:00", expect=None)
    assert verdict["allowed"] is True, verdict
    assert t.run("can", app, "call", now="2026-05-23T18:30:00+00:00").returncode == 0


def test_invited_callback_after_the_last_call_is_not_a_third_call(nw: Tactful) -> None:
    """After two calls, an employer-requested callback is allowed at its time and is recorded without a warning."""
    t, app = nw, "1"
    t.json("record", app, "called", "--outcome", "noncommittal", now="2026-05-21T11:00:00+00:00")
    s = t.json(
        "record",
        app,
        "called",
        "--outcome",
        "callback_requested",
        "--callback-at",
        "2026-05-29T15:00:00+00:00",
        now="2026-05-28T11:00:00+00:00",
    )
    assert s["state"] == "callback_scheduled"
    assert instant(due_of(s, "callback")) == datetime.fromisoformat("2026-05-29T15:00:00+00:00")
    t.json("can", app, "call", now="2026-05-29T15:00:00+00:00", expect=0)
    proc = t.run("record", app, "called", "--outcome", "noncommittal", "--json", now="2026-05-29T15:00:00+00:00")
    assert proc.returncode == 0 and "warning" not in proc.stderr.lower(), proc.stderr
    s = json.loads(proc.stdout)
    assert s["state"] == "awaiting_final_reply"
    assert s["facts"]["calls_made"] == 2
    assert instant(due_of(s, "move_on")) == datetime.fromisoformat("2026-06-19T15:00:00+00:00")


def test_callback_requested_without_a_time_is_bad_input(nw: Tactful) -> None:
    """called --outcome callback_requested without --callback-at exits 2 and records nothing."""
    t, app = nw, "1"
    before = t.export()
    proc = t.run("record", app, "called", "--outcome", "callback_requested", now="2026-05-21T11:00:00+00:00")
    assert proc.returncode == 2
    assert "callback" in proc.stderr.lower() and "Traceback" not in proc.stderr
    assert t.export() == before


def test_third_call_is_recorded_with_a_warning_on_stderr(nw: Tactful) -> None:
    """A call beyond max_calls exits 0, is recorded (history grows), warns on stderr, and stdout stays pure JSON."""
    t, app = nw, "1"
    t.json("record", app, "called", "--outcome", "noncommittal", now="2026-05-21T11:00:00+00:00")
    quiet = t.run("record", app, "called", "--outcome", "noncommittal", "--json", now="2026-05-28T11:00:00+00:00")
    assert quiet.returncode == 0 and "warning" not in quiet.stderr.lower(), quiet.stderr
    before = json.loads(quiet.stdout)
    assert before["state"] == "awaiting_final_reply"
    proc = t.run("record", app, "called", "--outcome", "no_answer", "--json", now="2026-06-01T11:00:00+00:00")
    assert proc.returncode == 0, proc.stderr
    after = json.loads(proc.stdout)
    assert proc.stderr.strip(), "the third call needs a warning on stderr"
    assert "3" in proc.stderr and "warning" in proc.stderr.lower()
    assert len(after["history"]) == len(before["history"]) + 1
    assert after["facts"]["calls_made"] == 3
    assert after["state"] == "awaiting_final_reply"
    cannot = t.json("can", app, "call", now="2026-06-02T11:00:00+00:00", expect=1)
    assert cannot["allowed"] is False


@pytest.mark.parametrize(
    ("opts", "substitute"),
    [
        pytest.param(("--no-calls",), "send_note", id="no-calls-note"),
        pytest.param(("--no-calls", "--email-invited"), "send_email", id="no-calls-email-invited"),
    ],
)
def test_no_calls_replaces_the_call_with_a_note_or_an_email(t: Tactful, opts: tuple[str, ...], substitute: str) -> None:
    """With --no-calls each inquiry is send_note (send_email when invited), and calling is refused."""
    app = t.add("Quiet Corp", *opts, thank=False)
    s = t.show(app, "2026-05-06T10:00:00+00:00")
    assert "call" not in actions(s), s["next"]
    assert day_of(s, substitute) == "2026-05-21", s["next"]
    due_now = t.show(app, "2026-05-21T10:00:00+00:00")
    assert due_now["state"] == "follow_up_due"
    assert substitute in actions(due_now) and "call" not in actions(due_now)
    verdict = t.json("can", app, "call", now="2026-05-21T10:00:00+00:00", expect=1)
    assert verdict["allowed"] is False
    channel = "email" if substitute == "send_email" else "note"
    ok = t.json("can", app, channel, now="2026-05-21T10:00:00+00:00", expect=0)
    assert ok["allowed"] is True
    event = "emailed" if substitute == "send_email" else "note_sent"
    s = t.json("record", app, event, now="2026-05-21T11:00:00+00:00")
    assert s["state"] == "awaiting_reply"
    assert "call_again" not in actions(s) and "call" not in actions(s), s["next"]
    assert instant(due_of(s, substitute)) == datetime.fromisoformat("2026-05-28T11:00:00+00:00")


def test_called_decision_by_keeps_the_new_date(nw: Tactful) -> None:
    """record called --decision-by DATE stores the new decision date the interviewer gave."""
    t, app = nw, "1"
    s = t.json(
        "record",
        app,
        "called",
        "--outcome",
        "noncommittal",
        "--decision-by",
        "2026-06-05",
        now="2026-05-21T11:00:00+00:00",
    )
    assert str(s["facts"].get("decision_by", ""))[:10] == "2026-06-05", s["facts"]


# --------------------------------------------------------------------------------------------
# can: channels, exit codes, allowed_from


def test_facebook_request_is_always_refused(nw: Tactful) -> None:
    """can facebook_request (or facebook-request) exits 1 before a decision and after an offer."""
    t, app = nw, "1"
    for spelling in ("facebook_request", "facebook-request"):
        v = t.json("can", app, spelling, now="2026-05-06T10:00:00+00:00", expect=1)
        assert v["allowed"] is False and v["reason"]
        assert v["allowed_from"] is None
        assert re.fullmatch(r".+:\d+", str(v["rule"])), v["rule"]
    t.json("record", app, "offer", "--deadline", "2026-05-20", now="2026-05-13T10:00:00+00:00")
    for spelling in ("facebook_request", "facebook-request"):
        v = t.json("can", app, spelling, now="2026-05-14T10:00:00+00:00", expect=1)
        assert v["allowed"] is False


@pytest.mark.parametrize("spelling", ["twitter_follow", "twitter-follow"])
def test_twitter_follow_is_allowed(nw: Tactful, spelling: str) -> None:
    """can twitter_follow exits 0 with allowed true while the decision is pending."""
    t, app = nw, "1"
    v = t.json("can", app, spelling, now="2026-05-06T10:00:00+00:00", expect=0)
    assert v["allowed"] is True and v["reason"]
    assert {"allowed", "reason", "rule", "allowed_from"} <= set(v)


@pytest.mark.parametrize(
    ("event", "opts"),
    [
        pytest.param("rejected", (), id="after-rejection"),
        pytest.param("offer", ("--deadline", "2026-05-20"), id="after-offer"),
    ],
)
def test_linkedin_invite_refused_before_decision_allowed_after(nw: Tactful, event: str, opts: tuple[str, ...]) -> None:
    """can linkedin-invite exits 1 while they decide and 0 once there is an offer or a rejection."""
    t, app = nw, "1"
    v = t.json("can", app, "linkedin-invite", now="2026-05-06T10:00:00+00:00", expect=1)
    assert v["allowed"] is False and v["reason"]
    t.json("record", app, event, *opts, now="2026-05-13T10:00:00+00:00")
    v = t.json("can", app, "linkedin_invite", now="2026-05-14T10:00:00+00:00", expect=0)
    assert v["allowed"] is True and v["reason"]


def test_can_call_is_no_until_due_then_yes_in_contact_hours(nw: Tactful) -> None:
    """can call: no before the first inquiry, yes on its day in hours, no after hours and at weekends."""
    t, app = nw, "1"
    early = t.json("can", app, "call", now="2026-05-06T10:00:00+00:00", expect=1)
    assert early["allowed"] is False
    assert early["allowed_from"] == "2026-05-21"
    yes = t.json("can", app, "call", now="2026-05-21T10:00:00+00:00", expect=0)
    assert yes["allowed"] is True
    evening = t.json("can", app, "call", now="2026-05-21T20:00:00+00:00", expect=1)
    assert evening["allowed"] is False and evening["allowed_from"] == "2026-05-22"
    weekend = t.json("can", app, "call", now="2026-05-23T10:00:00+00:00", expect=1)
    assert weekend["allowed"] is False and weekend["allowed_from"] == "2026-05-25"
    plain = t.run("can", app, "call", now="2026-05-21T10:00:00+00:00")
    assert plain.returncode == 0 and plain.stdout.strip()


@pytest.mark.parametrize(
    ("now", "first_yes"),
    [
        pytest.param("2026-05-06T10:00:00+00:00", "2026-05-21", id="too-early"),
        pytest.param("2026-05-21T20:00:00+00:00", "2026-05-22", id="after-hours"),
        pytest.param("2026-05-23T10:00:00+00:00", "2026-05-25", id="weekend"),
    ],
)
def test_can_no_for_now_gives_the_first_yes_in_allowed_from_and_reason(nw: Tactful, now: str, first_yes: str) -> None:
    """A 'no, not yet' from can carries the first day it becomes yes in allowed_from and in the plain-words reason."""
    t, app = nw, "1"
    verdict = t.json("can", app, "call", now=now, expect=1)
    assert verdict["allowed_from"] == first_yes
    assert first_yes in verdict["reason"], verdict["reason"]


def test_contact_hours_are_the_interviewers(t: Tactful) -> None:
    """For a New York interviewer a due call is no at 08:00 and 18:00 New York time, yes at 10:00."""
    doc = t.json("add", "Gotham", "--interviewed", INTERVIEW, "--timezone", "America/New_York")
    app = str(doc["id"])
    t.json("can", app, "call", now="2026-05-22T12:00:00+00:00", expect=1)
    t.json("can", app, "call", now="2026-05-22T14:00:00+00:00", expect=0)
    t.json("can", app, "call", now="2026-05-22T22:00:00+00:00", expect=1)


# --------------------------------------------------------------------------------------------
# offers, rejections, several applications


def test_accepting_a_second_offer_is_refused_and_writes_nothing(nw: Tactful) -> None:
    """Accepting an offer while another stands accepted exits 1 with a reason; show and export stay unchanged."""
    t, first = nw, "1"
    second = t.add("Contoso")
    t.json("record", first, "offer", "--deadline", "2026-05-22", now="2026-05-13T10:00:00+00:00")
    rec = t.json("record", second, "offer", "--deadline", "2026-05-22", now="2026-05-13T11:00:00+00:00")
    assert rec["state"] == "offer_received", "recording the offer itself is fine"
    assert t.json("record", first, "accepted", now="2026-05-14T10:00:00+00:00")["state"] == "accepted"
    now = "2026-05-14T12:00:00+00:00"
    show_before = t.show(second, now)
    export_before = t.export()
    verdict = t.json("can", second, "accept-offer", now=now, expect=1)
    assert verdict["allowed"] is False
    proc = t.run("record", second, "accepted", now=now)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert proc.stderr.strip() and "Traceback" not in proc.stderr
    assert "Northwind" in proc.stderr
    assert t.show(second, now) == show_before
    assert t.export() == export_before
    bad_first = t.run("record", second, "accepted", "--at", "not-a-time", now=now)
    assert bad_first.returncode == 2, "input is checked before the etiquette is consulted"


def test_accepting_one_offer_advises_withdrawing_pending_applications(nw: Tactful) -> None:
    """Once an offer is accepted, another pending application gets a withdraw action."""
    t, first = nw, "1"
    other = t.add("Contoso")
    t.json("record", first, "offer", now="2026-05-13T10:00:00+00:00")
    t.json("record", first, "accepted", now="2026-05-14T10:00:00+00:00")
    s = t.show(other, "2026-05-14T11:00:00+00:00")
    assert "withdraw" in actions(s), s["next"]


def test_lower_ranked_offer_gives_first_choice_a_contact_action(t: Tactful) -> None:
    """An offer from rank 2 gives rank 1 a contact_first_choice due before the deadline; rank 3 gets none."""
    dream = t.add("Northwind", "--rank", "1")
    backup = t.add("Tiny Bakery", "--rank", "2", thank=False)
    third = t.add("Contoso", "--rank", "3", thank=False)
    t.json("record", backup, "offer", "--deadline", "2026-05-20", now="2026-05-13T10:00:00+00:00")
    s = t.show(dream, "2026-05-13T11:00:00+00:00")
    assert "contact_first_choice" in actions(s), s["next"]
    item = next(n for n in s["next"] if n["action"] == "contact_first_choice")
    due = instant(item["due"])
    assert instant("2026-05-13T10:00:00+00:00") <= due < instant("2026-05-21T00:00:00+00:00")
    assert "Tiny Bakery" in item["reason"], item["reason"]
    agenda = t.json("agenda", now="2026-05-13T11:00:00+00:00")
    assert any(str(i["id"]) == dream and i["action"] == "contact_first_choice" for i in agenda)
    assert "contact_first_choice" not in actions(t.show(third, "2026-05-13T11:00:00+00:00"))
    assert "contact_first_choice" not in actions(t.show(backup, "2026-05-13T11:00:00+00:00"))


@pytest.mark.parametrize(
    ("offer_at", "deadline", "expected"),
    [
        pytest.param("2026-05-13T10:00:00+00:00", "2026-05-20", "2026-05-20", id="deadline-weekday"),
        pytest.param("2026-05-13T10:00:00+00:00", "2026-05-23", "2026-05-22", id="deadline-saturday-shifts-back"),
        pytest.param("2026-05-11T10:00:00+00:00", None, "2026-05-14", id="no-deadline-offer-plus-3-days"),
        pytest.param("2026-05-13T10:00:00+00:00", None, "2026-05-15", id="no-deadline-weekend-shifts-back"),
    ],
)
def test_decide_offer_is_due_at_the_deadline_or_three_days_after(
    nw: Tactful, offer_at: str, deadline: str | None, expected: str
) -> None:
    """An offer moves to offer_received with decide_offer due at the deadline (back off weekends) or offer + 3 days."""
    t, app = nw, "1"
    opts = ("--deadline", deadline) if deadline else ()
    s = t.json("record", app, "offer", *opts, "--at", offer_at, now=offer_at)
    assert s["state"] == "offer_received"
    assert day_of(s, "decide_offer") == expected, s["next"]
    assert "call" not in actions(s)
    ok = t.json("can", app, "accept_offer", now=offer_at, expect=0)
    assert ok["allowed"] is True


@pytest.mark.parametrize(
    ("rejected_at", "expected"),
    [
        pytest.param("2026-05-12T10:00:00+00:00", "2026-05-14T10:00:00+00:00", id="weekday"),
        pytest.param("2026-05-14T10:00:00+00:00", "2026-05-16T10:00:00+00:00", id="written-not-moved-off-weekend"),
    ],
)
def test_rejection_asks_for_a_thank_you_letter_within_two_days(nw: Tactful, rejected_at: str, expected: str) -> None:
    """After rejected, thank_you_letter is due 2 days later, a Saturday too (a letter is not a call: issue 23);
    thank_you_sent then closes it."""
    t, app = nw, "1"
    s = t.json("record", app, "rejected", "--at", rejected_at, now=rejected_at)
    assert s["state"] == "rejected"
    if "T" in expected:
        assert instant(due_of(s, "thank_you_letter")) == datetime.fromisoformat(expected)
    else:
        assert day_of(s, "thank_you_letter") == expected, s["next"]
    assert "call" not in actions(s)
    closed = t.json("record", app, "thank-you-sent", now=rejected_at)
    assert closed["state"] == "closed"
    assert closed["next"] == []


def test_event_the_etiquette_refuses_exits_1_and_writes_nothing(nw: Tactful) -> None:
    """An event the state does not take (decline while waiting, offer after declining) exits 1, writes nothing."""
    t, app = nw, "1"
    proc = t.run("record", app, "declined", now="2026-05-07T10:00:00+00:00")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert proc.stderr.strip() and "Traceback" not in proc.stderr
    assert t.export() == t.baseline
    t.json("record", app, "offer", now="2026-05-07T10:00:00+00:00")
    t.json("record", app, "declined", now="2026-05-07T11:00:00+00:00")
    before = t.export()
    proc = t.run("record", app, "offer", now="2026-05-08T10:00:00+00:00")
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert t.export() == before


def test_news_keeps_the_state_and_needs_text(nw: Tactful) -> None:
    """record news --text keeps the state; news without --text is bad input (exit 2)."""
    t, app = nw, "1"
    s = t.json("record", app, "news", "--text", "won a design award", now="2026-05-10T10:00:00+00:00")
    assert s["state"] == "awaiting_decision"
    proc = t.run("record", app, "news", now="2026-05-10T10:00:00+00:00")
    assert proc.returncode == 2 and proc.stderr.strip()


# --------------------------------------------------------------------------------------------
# edit, undo, remove


def test_edit_corrects_facts_and_moves_the_timeline(nw: Tactful) -> None:
    """edit --decision-by prints the application and moves the first call to the new date + grace."""
    t, app = nw, "1"
    s = t.json("edit", app, "--decision-by", "2026-05-11", "--role", "Data analyst", now="2026-05-06T10:00:00+00:00")
    assert str(s["id"]) == app
    assert day_of(s, "call") == "2026-05-14"
    assert s["role"] == "Data analyst" or s["facts"].get("role") == "Data analyst"
    again = t.show(app, "2026-05-06T11:00:00+00:00")
    assert day_of(again, "call") == "2026-05-14"


def test_undo_takes_back_the_last_event(nw: Tactful) -> None:
    """undo after a call restores the previous state, drops the call from history and prints the application."""
    t, app = nw, "1"
    before = t.show(app, "2026-05-21T10:00:00+00:00")
    called = t.json("record", app, "called", "--outcome", "noncommittal", now="2026-05-21T11:00:00+00:00")
    assert called["state"] == "awaiting_reply"
    undone = t.json("undo", app, now="2026-05-21T11:05:00+00:00")
    assert str(undone["id"]) == app
    assert undone["state"] == "follow_up_due"
    assert len(undone["history"]) == len(called["history"]) - 1
    assert day_of(undone, "call") == "2026-05-21"
    assert [e for e in undone["history"] if e.get("name") == "called"] == []
    assert before["state"] == undone["state"]


def test_remove_with_yes_deletes_the_application(nw: Tactful) -> None:
    """remove --yes exits 0, prints the application, and afterwards show exits 2 and list is empty."""
    t, app = nw, "1"
    doc = t.json("remove", app, "--yes", now="2026-05-06T10:00:00+00:00")
    assert str(doc["id"]) == app
    assert t.run("show", app, now="2026-05-06T10:00:00+00:00").returncode == 2
    assert t.json("list", now="2026-05-06T10:00:00+00:00") == []


def test_remove_without_yes_and_without_a_tty_refuses(nw: Tactful) -> None:
    """remove without --yes on a non-TTY stdin exits nonzero and keeps the application."""
    t, app = nw, "1"
    before = t.export()
    for stdin in (subprocess.DEVNULL, subprocess.PIPE):
        proc = t.run("remove", app, now="2026-05-06T10:00:00+00:00", stdin=stdin)
        assert proc.returncode != 0, proc.stdout
        assert proc.stderr.strip() and "Traceback" not in proc.stderr
    assert t.export() == before
    assert t.show(app, "2026-05-06T10:00:00+00:00")["company"] == "Northwind"


# --------------------------------------------------------------------------------------------
# bad input: exit 2, one line, nothing written


BAD_INPUT = [
    pytest.param(("show", "99"), id="show-unknown-id"),
    pytest.param(("show", "abc"), id="show-non-numeric-id"),
    pytest.param(("record", "99", "called"), id="record-unknown-id"),
    pytest.param(("edit", "99", "--role", "x"), id="edit-unknown-id"),
    pytest.param(("undo", "99"), id="undo-unknown-id"),
    pytest.param(("remove", "99", "--yes"), id="remove-unknown-id"),
    pytest.param(("record", "{app}", "hired"), id="unknown-event"),
    pytest.param(("record", "{app}", "called", "--outcome", "shouted"), id="unknown-outcome"),
    pytest.param(("record", "{app}", "called", "--at", "yesterday"), id="bad-at"),
    pytest.param(("record", "{app}", "declined", "--at", "2026-99-99"), id="bad-input-checked-before-etiquette"),
    pytest.param(("can", "{app}", "carrier_pigeon"), id="can-unknown-channel"),
    pytest.param(("can", "99", "call"), id="can-unknown-id"),
    pytest.param(("record", "{app}", "offer", "--deadline", "2026-02-30"), id="bad-deadline"),
    pytest.param(("add", "Nowhere", "--interviewed", "2026-13-01"), id="add-bad-date"),
    pytest.param(("add", "Nowhere", "--interviewed", "2026-05-04", "--decision-by", "soon"), id="add-bad-decision-by"),
    pytest.param(("add", "Nowhere", "--interviewed", "2026-05-04", "--timezone", "Mars/Olympus"), id="add-bad-zone"),
    pytest.param(("add", "Nowhere", "--interviewed", "2026-05-04", "--rules", "no-such-rules"), id="add-bad-rules"),
    pytest.param(("add", "Nowhere", "--interviewed", "2026-05-04", "--rank", "first"), id="add-bad-rank"),
    pytest.param(("add", "Nowhere"), id="add-missing-interviewed"),
    pytest.param(("edit", "{app}", "--decision-by", "2026-02-30"), id="edit-bad-date"),
    pytest.param(("record", "{app}", "thank_you_sent", "--now", "not-a-time"), id="bad-now"),
    pytest.param(("frobnicate",), id="unknown-command"),
    pytest.param(("export", "--format", "xml"), id="export-unknown-format"),
]


WRITERS = {"add", "record", "edit", "undo", "remove", "import"}


@pytest.mark.parametrize("args", BAD_INPUT)
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(nw: Tactful, args: tuple[str, ...]) -> None:
    """Bad input (unknown id, event, date, value) exits 2 with one line on stderr, no traceback, writes nothing."""
    t, app = nw, "1"
    before = t.baseline
    argv = [a.replace("{app}", app) for a in args]
    proc = t.run(*argv, now="2026-05-21T11:00:00+00:00")
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    said = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(said) == 1, f"bad input gets one clear line on stderr, got {said}"
    assert proc.stdout == "", f"errors belong on stderr, got stdout {proc.stdout!r}"
    if argv[0] in WRITERS:
        assert t.export() == before


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("show", "99"), id="show"),
        pytest.param(("record", "{app}", "hired"), id="record"),
        pytest.param(("can", "99", "call"), id="can"),
        pytest.param(("add", "X", "--interviewed", "2026-13-01"), id="add"),
    ],
)
def test_json_errors_keep_stdout_free_of_anything_but_json(nw: Tactful, args: tuple[str, ...]) -> None:
    """With --json, a bad-input error exits 2, its message is on stderr, and stdout is empty or one JSON document."""
    t, app = nw, "1"
    proc = t.run(*[a.replace("{app}", app) for a in args], "--json", now="2026-05-21T11:00:00+00:00")
    assert proc.returncode == 2
    assert proc.stderr.strip() and "Traceback" not in proc.stderr
    if proc.stdout.strip():
        json.loads(proc.stdout)


def test_hyphenated_event_and_action_names_are_accepted(t: Tactful) -> None:
    """thank-you-sent and can accept-offer work like their snake_case names."""
    app = t.add("Northwind", thank=False)
    s = t.json("record", app, "thank-you-sent", now="2026-05-04T18:00:00+00:00")
    assert s["state"] == "awaiting_decision"
    s = t.json(
        "record",
        app,
        "called",
        "--outcome",
        "callback_requested",
        "--callback-at",
        "2026-05-22T15:00:00+00:00",
        now="2026-05-21T11:00:00+00:00",
    )
    assert s["state"] == "callback_scheduled"
    assert any(e.get("name") == "thank_you_sent" or "thank_you_sent" in json.dumps(e) for e in s["history"])
    v = t.json("can", app, "accept-offer", now="2026-05-21T12:00:00+00:00", expect=1)
    assert v["allowed"] is False
    t.json("record", app, "offer", now="2026-05-22T10:00:00+00:00")
    v = t.json("can", app, "accept-offer", now="2026-05-22T11:00:00+00:00", expect=0)
    assert v["allowed"] is True


# --------------------------------------------------------------------------------------------
# import / export


def test_import_json_and_export_round_trip(t: Tactful) -> None:
    """import of JSON prints counts and adds the rows; export (json, --json, csv) has id, state and history."""
    rows = [
        {"company": "Contoso", "interviewed": "2026-05-04", "role": "Analyst", "decision_by": "2026-05-11"},
        {"company": "Fabrikam", "interviewed": "2026-05-05", "rules": "small-company", "rank": 2},
    ]
    path = t.tmp / "apps.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    counts = t.json("import", str(path), now="2026-05-06T10:00:00+00:00")
    assert isinstance(counts, dict) and 2 in counts.values(), counts
    listed = t.json("list", now="2026-05-06T10:00:00+00:00")
    assert sorted(r["company"] for r in listed) == ["Contoso", "Fabrikam"]
    exported = t.json("export", "--format", "json", now="2026-05-06T10:00:00+00:00")
    assert t.json("export", now="2026-05-06T10:00:00+00:00") == exported, "export --json is export --format json"
    by_company = {r["company"]: r for r in exported}
    for row in exported:
        assert {"id", "state", "history", "company", "interviewed"} <= set(row)
    assert by_company["Contoso"]["state"] == "interviewed"
    assert str(by_company["Contoso"]["decision_by"])[:10] == "2026-05-11"
    assert by_company["Fabrikam"]["rules"] == "small-company"
    contoso = str(by_company["Contoso"]["id"])
    assert day_of(t.show(contoso, "2026-05-06T10:00:00+00:00"), "call") == "2026-05-14"
    plain = t.run("export", "--format", "csv", now="2026-05-06T10:00:00+00:00")
    assert plain.returncode == 0
    table = list(csv.DictReader(io.StringIO(plain.stdout)))
    assert len(table) == 2
    assert {"id", "company", "interviewed", "state", "history"} <= set(table[0])


def test_export_csv_imports_into_a_fresh_home(nw: Tactful, tmp_path: Path) -> None:
    """A CSV export (with its id/state/history columns) imports into an empty home with the same companies."""
    t = nw
    t.add("Tiny Bakery", "--rules", "small-company", thank=False)
    plain = t.run("export", "--format", "csv", now="2026-05-06T10:00:00+00:00")
    assert plain.returncode == 0
    path = t.tmp / "apps.csv"
    path.write_text(plain.stdout, encoding="utf-8")
    other = Tactful(home=tmp_path / "home2", tmp=t.tmp)
    other.home.mkdir()
    other.json("import", str(path), now="2026-05-06T10:00:00+00:00")
    listed = other.json("list", now="2026-05-06T10:00:00+00:00")
    assert sorted(r["company"] for r in listed) == ["Northwind", "Tiny Bakery"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param(
            "bad.json",
            json.dumps(
                [{"company": "Ok", "interviewed": "2026-05-04"}, {"company": "Bad", "interviewed": "2026-02-30"}]
            ),
            id="json-bad-date",
        ),
        pytest.param("bad.csv", "company,interviewed\nOk,2026-05-04\nBad,not-a-date\n", id="csv-bad-date"),
        pytest.param("bad2.csv", "company,interviewed,shoe_size\nOk,2026-05-04,42\n", id="csv-unknown-column"),
        pytest.param("bad3.json", '[{"company": "Ok", ', id="json-malformed"),
        pytest.param("bad4.json", json.dumps([{"company": "", "interviewed": "2026-05-04"}]), id="json-no-company"),
    ],
)
def test_bad_import_exits_2_and_adds_nothing(nw: Tactful, name: str, content: str) -> None:
    """An import with a bad row exits 2 naming the problem and adds no row at all."""
    t = nw
    before = t.baseline
    path = t.tmp / name
    path.write_text(content, encoding="utf-8")
    proc = t.run("import", str(path), now="2026-05-06T10:00:00+00:00")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stderr.strip() and "Traceback" not in proc.stderr
    assert t.export() == before


def test_import_of_a_missing_file_is_bad_input(t: Tactful) -> None:
    """import of a file that does not exist exits 2 with a message and no traceback."""
    proc = t.run("import", str(t.tmp / "missing.csv"))
    assert proc.returncode == 2
    assert proc.stderr.strip() and "Traceback" not in proc.stderr


def _a_search(t: Tactful) -> dict[str, str]:
    """A home with applications in several states, one under a rule file of the user's own."""
    (t.tmp / "mine.yaml").write_text("extends: default\nsettings:\n  grace: 1 day\n", encoding="utf-8")
    apps = {"waiting": t.add("Northwind"), "own": t.add("Tiny Bakery", "--rules", "./mine.yaml", "--rank", "2")}
    apps["called"] = t.add("Contoso", "--decision-by", "2026-05-11")
    t.json("record", apps["called"], "called", "--outcome", "noncommittal", now="2026-05-14T10:00:00+00:00")
    apps["rejected"] = t.add("Fabrikam", "--interviewer", "Mr. Chen")
    t.json("record", apps["rejected"], "rejected", now="2026-05-15T10:00:00+00:00")
    return apps


LATER = "2026-05-20T12:00:00+00:00"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_restores_each_application_in_a_fresh_home(t: Tactful, tmp_path: Path, fmt: str) -> None:
    """State, facts, history, pinned rule set and due moments all come back; undo still works."""
    apps = _a_search(t)
    dump = t.run("export", "--format", fmt, now="2026-05-16T10:00:00+00:00")
    assert dump.returncode == 0, dump.stderr
    path = t.tmp / f"search.{fmt}"
    path.write_text(dump.stdout, encoding="utf-8")
    (t.tmp / "mine.yaml").write_text("extends: default\nsettings:\n  grace: 9 days\n", encoding="utf-8")
    moved = Tactful(home=tmp_path / "moved", tmp=t.tmp)
    moved.home.mkdir()
    done = moved.json("import", str(path), now="2026-05-16T11:00:00+00:00")
    assert done["imported"] == 4 and sorted(done["ids"]) == sorted(int(a) for a in apps.values())
    for app in apps.values():
        assert moved.show(app, LATER) == t.show(app, LATER), f"application {app} changed in the move"
    assert moved.export() == t.export()
    assert day_of(moved.show(apps["own"], LATER), "call") == "2026-05-19", "the kept rule set (1 day of grace) stands"
    undone = moved.json("undo", apps["rejected"], now=LATER)
    assert undone["state"] == "awaiting_decision", "the rejection is taken back"


def test_import_refuses_rows_already_here_by_name_and_never_duplicates(nw: Tactful) -> None:
    """Its own export, or a row with the same company and interview, is refused by name; nothing is written."""
    t = nw
    own = t.tmp / "own.json"
    own.write_text(t.run("export", now=DAY0).stdout, encoding="utf-8")
    again = t.tmp / "again.csv"
    again.write_text(f"company,interviewed,rank\nNewco,{INTERVIEW},3\nNorthwind,{INTERVIEW},1\n", encoding="utf-8")
    for path, line in ((own, f"{own}:2:1"), (again, f"{again}:3")):
        proc = t.run("import", str(path), now=DAY0)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines() == [
            f"tactful: {line}: #1 Northwind (interviewed {INTERVIEW}) is already here; leave the row out, "
            "or import with --update to replace it"
        ]
        assert t.export() == t.baseline


def test_import_update_replaces_what_is_here(nw: Tactful) -> None:
    """With --update, a matching row replaces the application in place: no second copy, new facts kept, undoable."""
    t = nw
    path = t.tmp / "update.csv"
    path.write_text(f"company,interviewed,decision_by\nNorthwind,{INTERVIEW},2026-05-11\nNewco,{INTERVIEW},\n")
    done = t.json("import", str(path), "--update", now="2026-05-06T10:00:00+00:00")
    assert done["imported"] == 2 and sorted(done["ids"]) == [1, 2]
    listed = t.json("list", now="2026-05-06T10:00:00+00:00")
    assert sorted(r["company"] for r in listed) == ["Newco", "Northwind"]
    northwind = t.show("1", "2026-05-06T10:00:00+00:00")
    assert northwind["state"] == "awaiting_decision", "an update of facts keeps the state and history"
    assert day_of(northwind, "call") == "2026-05-14", "the first inquiry follows the new decision date"
    assert [h["name"] for h in northwind["history"]] == ["added", "thank_you_sent", "edited"]
    moved = t.tmp / "moved.json"
    moved.write_text(t.run("export", now=DAY0).stdout, encoding="utf-8")
    t.json("undo", "1", now="2026-05-06T11:00:00+00:00")
    t.json("import", str(moved), "--update", now="2026-05-06T12:00:00+00:00")
    assert [h["name"] for h in t.show("1", LATER)["history"]] == ["added", "thank_you_sent", "edited"]


def test_import_reports_every_bad_row_with_its_line(nw: Tactful) -> None:
    """Every bad row at once, one line each with FILE:LINE, a misspelt column named with the right one; exit 2."""
    t = nw
    path = t.tmp / "bad.csv"
    path.write_text("company,interviewd,rnak\nA,2026-05-04,1\nB,2026-13-01,1\n,2026-05-04,1\nD,2026-05-04,first\n")
    proc = t.run("import", str(path), now="2026-05-06T10:00:00+00:00")
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"tactful: {path}:1: unknown column 'interviewd'; did you mean 'interviewed'?",
        f"tactful: {path}:1: unknown column 'rnak'; did you mean 'rank'?",
        f"tactful: {path}:3: --interviewed '2026-13-01' is not a date; write it as YYYY-MM-DD, e.g. 2026-05-04",
        f"tactful: {path}:4: the company's name is required and cannot be blank",
        f"tactful: {path}:5: --rank 'first' is not a rank; write 1 for your first choice, 2 for the next…",
    ]
    assert t.export() == t.baseline


# --------------------------------------------------------------------------------------------
# rules validate / rules show


BROKEN_RULES = [
    pytest.param(
        "extends: default\nsettings:\n  grace: !!python/object:os.system {}\n", 3, ("python",), id="python-object-tag"
    ),
    pytest.param("extends: default\nsettings:\n  grase: 3 days\n", 3, ("did you mean", "grace"), id="unknown-key"),
    pytest.param(
        "extends: default\nstates:\n  interviewed:\n    on:\n      thank_you_sent: awaiting_decisoin\n",
        5,
        ("awaiting_decisoin",),
        id="unknown-state",
    ),
    pytest.param(
        "extends: default\nsettings:\n  reply_wait: a fortnight\n", 3, ("reply_wait",), id="malformed-duration"
    ),
    pytest.param("extends: default\nsettings:\n  grace: -3 days\n", 3, ("grace",), id="negative-duration"),
    pytest.param(
        "extends: default\nstates:\n  follow_up_due:\n    on:\n      called:\n        - to: awaiting_reply\n"
        "          when: calls_mad < max_calls\n",
        7,
        ("calls_mad",),
        id="unknown-name-in-guard",
    ),
    pytest.param("extends: default\nsettings:\n  max_calls: two\n", 3, ("max_calls",), id="wrong-type"),
    pytest.param(
        "extends: default\nstates:\n  follow_up_due:\n    on:\n      called:\n        - to: awaiting_reply\n"
        "          when: calls_made.real > 0\n",
        7,
        (),
        id="attribute-access-in-guard",
    ),
    pytest.param(
        "extends: default\nstates:\n  follow_up_due:\n    on:\n      called:\n        - to: awaiting_reply\n"
        "          when: open('/etc/passwd') is None\n",
        7,
        ("open",),
        id="call-in-guard",
    ),
    pytest.param("extends: nowhere-rules\nsettings:\n  grace: 3 days\n", 1, ("nowhere-rules",), id="unknown-extends"),
    pytest.param("extends: default\nsettings:\n  grace: !custom 3 days\n", 3, ("!custom",), id="unknown-tag"),
    pytest.param("extends: default\nsettings:\n  grace: 3 days\n  grace: 4 days\n", 4, ("grace",), id="duplicate-key"),
    pytest.param("extends: default\nsettings: [grace\ndescription: x\n", 3, ("yaml",), id="yaml-syntax"),
    pytest.param("extends: default\nstates:\n  limbo:\n    describe: nowhere\n", 3, ("limbo",), id="unreachable-state"),
    pytest.param(
        "extends: default\nstates:\n  awaiting_decision:\n    advises:\n      - action: send_flowers\n"
        "        due: first_inquiry\n",
        5,
        ("send_flowers",),
        id="unknown-action",
    ),
]


@pytest.mark.parametrize(("content", "line", "words"), BROKEN_RULES)
def test_rules_validate_reports_path_line_col_and_exits_2(
    t: Tactful, content: str, line: int, words: tuple[str, ...]
) -> None:
    """rules validate on a broken file prints PATH:LINE:COL: message lines (1-based, right line) and exits 2."""
    path = t.tmp / "mine.yaml"
    path.write_text(content, encoding="utf-8")
    proc = t.run("rules", "validate", str(path))
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert lines, "no error printed"
    pattern = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): \S.*$")
    matches = [pattern.match(x) for x in lines]
    assert all(matches), f"every error line must be PATH:LINE:COL: message, got {lines}"
    assert any(int(m.group(1)) == line and int(m.group(2)) >= 1 for m in matches if m), lines
    text = proc.stderr.lower()
    for word in words:
        assert word.lower() in text, (word, proc.stderr)


def test_rules_validate_reports_every_error_of_a_file(t: Tactful) -> None:
    """rules validate lists each problem of a file on its own PATH:LINE:COL line, not just the first."""
    path = t.tmp / "two.yaml"
    path.write_text("extends: default\nsettings:\n  grase: 3 days\n  reply_wait: soon\n", encoding="utf-8")
    proc = t.run("rules", "validate", str(path))
    assert proc.returncode == 2
    lines = {int(m.group(1)) for m in re.finditer(rf"^{re.escape(str(path))}:(\d+):\d+: ", proc.stderr, re.M)}
    assert {3, 4} <= lines, proc.stderr


def test_rules_validate_python_tag_constructs_nothing(t: Tactful) -> None:
    """A !!python/object/apply tag is an error, never executed: the side-effect file is not created."""
    marker = t.tmp / "pwned"
    path = t.tmp / "evil.yaml"
    path.write_text(
        f"extends: default\ndescription: !!python/object/apply:os.system\n  - 'touch {marker}'\n", encoding="utf-8"
    )
    proc = t.run("rules", "validate", str(path))
    assert proc.returncode == 2
    assert re.search(rf"^{re.escape(str(path))}:2:\d+: ", proc.stderr, re.M), proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize("ref", ["default", "small-company", "file"])
def test_rules_validate_accepts_good_rule_sets(t: Tactful, ref: str) -> None:
    """rules validate exits 0 on the shipped sets and on a valid user file that extends default."""
    if ref == "file":
        path = t.tmp / "gentle.yaml"
        path.write_text("extends: default\nsettings:\n  grace: 5 days\n  max_calls: 1\n", encoding="utf-8")
        ref = str(path)
    proc = t.run("rules", "validate", ref)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_rules_show_prints_the_merged_rule_set_as_yaml(t: Tactful) -> None:
    """rules show small-company prints YAML with its own settings and the ones inherited from default."""
    from ruamel.yaml import YAML

    proc = t.run("rules", "show", "small-company")
    assert proc.returncode == 0, proc.stderr
    doc = YAML(typ="safe").load(proc.stdout)
    settings = doc["settings"]
    assert settings["decision_window"] == "7 days"
    assert settings["grace"] == "2 days"
    assert settings["reply_wait"] == "4 days"
    assert settings["move_on_after"] == "14 days"
    assert settings["max_calls"] == 2
    assert settings["offer_consideration"] == "3 days"
    assert "awaiting_decision" in doc["states"]
    assert "extends" not in doc or doc["extends"] in (None, "default")
    default = YAML(typ="safe").load(t.run("rules", "show", "default").stdout)
    assert default["settings"]["decision_window"] == "14 days"
    assert default["settings"]["grace"] == "3 days"


def test_rules_show_of_a_user_file_merges_overrides(t: Tactful) -> None:
    """rules show PATH applies the file's override on top of default; a missing set or file exits 2."""
    from ruamel.yaml import YAML

    path = t.tmp / "patient.yaml"
    path.write_text("extends: default\nsettings:\n  reply_wait: 10 days\n", encoding="utf-8")
    proc = t.run("rules", "show", str(path))
    assert proc.returncode == 0, proc.stderr
    doc = YAML(typ="safe").load(proc.stdout)
    assert doc["settings"]["reply_wait"] == "10 days"
    assert doc["settings"]["grace"] == "3 days"
    for args in (("rules", "show", "no-such-set"), ("rules", "validate", str(t.tmp / "missing.yaml"))):
        missing = t.run(*args)
        assert missing.returncode == 2 and missing.stderr.strip() and "Traceback" not in missing.stderr


def test_user_rule_file_drives_the_timeline(t: Tactful) -> None:
    """add --rules PATH uses the file's settings: grace 5 days puts the first call on decision + 5."""
    path = t.tmp / "gentle.yaml"
    path.write_text("extends: default\nsettings:\n  grace: 5 days\n", encoding="utf-8")
    app = t.add("Northwind", "--rules", str(path))
    assert day_of(t.show(app, "2026-05-06T10:00:00+00:00"), "call") == "2026-05-25"


def test_holidays_setting_moves_a_call_off_a_public_holiday(t: Tactful) -> None:
    """With holidays: US, a first inquiry on Memorial Day (Mon 25 May 2026) moves to Tue 26 May."""
    path = t.tmp / "us.yaml"
    path.write_text("extends: default\nsettings:\n  holidays: US\n", encoding="utf-8")
    app = t.add("Northwind", "--decision-by", "2026-05-22", "--rules", str(path), thank=False)
    assert day_of(t.show(app, "2026-05-06T10:00:00+00:00"), "call") == "2026-05-26"
    plain = t.add("Contoso", "--decision-by", "2026-05-22", thank=False)
    assert day_of(t.show(plain, "2026-05-06T10:00:00+00:00"), "call") == "2026-05-25"


def test_add_with_a_broken_rule_file_is_refused_and_writes_nothing(t: Tactful) -> None:
    """add --rules on a broken file exits 2 with PATH:LINE:COL and adds no application."""
    path = t.tmp / "broken.yaml"
    path.write_text("extends: default\nsettings:\n  grase: 3 days\n", encoding="utf-8")
    proc = t.run("add", "Northwind", "--interviewed", INTERVIEW, "--rules", str(path))
    assert proc.returncode == 2
    assert re.search(rf"{re.escape(str(path))}:3:\d+: ", proc.stderr), proc.stderr
    assert t.json("list") == []


# --------------------------------------------------------------------------------------------
# demo


def test_demo_runs_and_touches_no_user_data(t: Tactful, tmp_path: Path) -> None:
    """tactful demo exits 0, prints a story, and creates nothing in TACTFUL_HOME or the user data folder."""
    xdg = tmp_path / "xdg"
    fake_home = tmp_path / "fakehome"
    scratch = tmp_path / "scratch"
    for folder in (xdg, fake_home, scratch):
        folder.mkdir()
    proc = t.run("demo", extra_env={"XDG_DATA_HOME": str(xdg), "HOME": str(fake_home), "TMPDIR": str(scratch)})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stdout.splitlines()) >= 5
    assert list(t.home.iterdir()) == []
    assert list(xdg.iterdir()) == []
    assert list(fake_home.iterdir()) == []
    assert list(scratch.iterdir()) == [], "the throwaway folder should be cleaned up"
    assert t.json("list") == []


# -- issue 10: advice you can follow blindly ------------------------------------------------


def test_after_an_accepted_offer_withdraw_only_where_in_process_and_decline_other_offers(t: Tactful) -> None:
    """A rejected application keeps only its thank-you letter; another offer advises the decline
    only, and drafting its decision writes the decline, never an acceptance."""
    rejected, accepted, offered = (t.add(name) for name in ("Northwind", "Contoso", "Fabrikam"))
    pending = t.add("Tailspin")
    t.json("record", rejected, "rejected", now="2026-05-11T10:00:00+00:00")
    t.json("record", accepted, "offer", now="2026-05-12T10:00:00+00:00")
    t.json("record", offered, "offer", "--deadline", "2026-05-20", now="2026-05-12T10:00:00+00:00")
    t.json("record", accepted, "accepted", now="2026-05-12T11:00:00+00:00")
    now = "2026-05-12T12:00:00+00:00"
    assert [n["action"] for n in t.show(rejected, now)["next"]] == ["thank_you_letter"]
    assert [(n["action"], n["record"]) for n in t.show(offered, now)["next"]] == [("decline_offer", "declined")]
    assert [n["action"] for n in t.show(pending, now)["next"]] == ["withdraw"]
    draft = t.json("draft", offered, "decide_offer", now=now)  # done here as the decline
    assert draft["action"] == "decline_offer" and "delighted to accept" not in draft["body"]
    assert t.json("can", offered, "accept_offer", now=now, expect=1)["allowed"] is False
    assert t.json("draft", offered, "decline_offer", now=now)["body"] == draft["body"]


def test_a_new_decision_date_moves_the_next_inquiry_to_it_plus_grace(t: Tactful) -> None:
    """Told on the first call that they decide by Fri 29 May: the next call is Mon 1 June
    (29 May + 3 days of grace, on a working day), not 7 days after the first call."""
    app = t.add("Northwind")
    t.json("record", app, "called", "--outcome", "noncommittal", "--decision-by", "2026-05-29",
           now="2026-05-21T10:00:00+00:00")  # fmt: skip
    later = t.show(app, "2026-05-28T10:00:00+00:00")
    assert later["state"] == "awaiting_reply" and day_of(later, "call_again") == "2026-06-01"
    assert t.json("can", app, "call", now="2026-05-28T10:00:00+00:00", expect=1)["allowed_from"] == "2026-06-01"


def test_every_advised_action_names_the_event_that_records_it(t: Tactful) -> None:
    """`next` and `agenda` carry "record"; recording that event clears the advice."""
    app = t.add("Northwind", thank=False)
    now = "2026-05-04T18:00:00+00:00"
    items = t.show(app, now)["next"]
    assert [(n["action"], n["record"]) for n in items] == [("send_thank_you", "thank_you_sent"), ("call", "called")]
    assert [(a["action"], a["record"]) for a in t.json("agenda", now=now)][0] == ("send_thank_you", "thank_you_sent")
    assert "(done: record thank_you_sent)" in t.run("show", app, now=now).stdout
    t.json("record", app, "thank_you_sent", now=now)
    assert [n["action"] for n in t.show(app, now)["next"]] == ["call"]
    t.json("record", app, "rejected", now="2026-05-10T10:00:00+00:00")
    letter = t.show(app, "2026-05-10T11:00:00+00:00")["next"]
    assert [(n["action"], n["record"]) for n in letter] == [("thank_you_letter", "thank_you_sent")]
    mixed_up = t.run("record", app, "thank-you-letter", now="2026-05-10T11:00:00+00:00")
    assert mixed_up.returncode == 2 and "record it with 'thank_you_sent'" in mixed_up.stderr
    t.json("record", app, letter[0]["record"], now="2026-05-10T11:00:00+00:00")
    assert t.show(app, "2026-05-10T11:00:00+00:00")["next"] == []


def test_an_early_email_warns_as_an_early_call_does(t: Tactful) -> None:
    """`can email` says not yet an hour after the thank-you; recording the email anyway warns."""
    app = t.add("Northwind", "--no-calls", "--email-invited")
    can = t.json("can", app, "email", now="2026-05-04T19:00:00+00:00", expect=1)
    assert can["allowed_from"] == "2026-05-21"
    done = t.run("record", app, "emailed", now="2026-05-04T19:00:00+00:00")
    assert done.returncode == 0 and "warning: `can email` said no at that moment" in done.stderr
    assert "2026-05-21" in done.stderr


def test_reasons_never_say_unknown_and_show_times_in_your_zone(t: Tactful) -> None:
    """Nothing planned is said plainly; a due time in New York reads in the user's Paris time."""
    app = t.add("Northwind")
    t.json("record", app, "offer", now="2026-05-12T10:00:00+00:00")
    refused = t.run("can", app, "call", now="2026-05-12T11:00:00+00:00")
    assert refused.returncode == 1 and "unknown" not in refused.stdout and "none is planned" in refused.stdout
    ny = t.json("add", "Contoso", "--interviewed", INTERVIEW, "--timezone", "America/New_York")["id"]
    paris = t.run("can", str(ny), "call", now="2026-05-05T10:00:00+00:00", extra_env={"TACTFUL_TZ": "Europe/Paris"})
    assert "due from 2026-05-21 15:00" in paris.stdout, paris.stdout  # 09:00 in New York


def test_a_refusal_and_a_shift_caused_by_a_holiday_name_it(t: Tactful) -> None:
    path = t.tmp / "us.yaml"
    path.write_text("extends: default\nsettings:\n  holidays: US\n", encoding="utf-8")
    app = t.add("Northwind", "--decision-by", "2026-12-22", "--rules", str(path), interviewed="2026-12-01")
    call = [n for n in t.show(app, "2026-12-02T10:00:00+00:00")["next"] if n["action"] == "call"][0]
    assert call["due"].startswith("2026-12-28") and "25 Dec is Christmas Day in US" in call["reason"]
    refused = t.run("can", app, "call", now="2026-12-25T11:00:00+00:00")
    assert refused.returncode == 1 and "25 Dec is Christmas Day in US" in refused.stdout


def test_a_holiday_country_brings_its_own_weekend(t: Tactful) -> None:
    """In Israel the weekend is Friday and Saturday: a first inquiry on Fri 19 June moves to Sun
    21 June, unless contact_days says otherwise."""
    israel = t.tmp / "il.yaml"
    israel.write_text("extends: default\nsettings:\n  holidays: IL\n", encoding="utf-8")
    app = t.add("Tel Aviv Labs", "--rules", str(israel), interviewed="2026-06-02")
    assert day_of(t.show(app, "2026-06-03T10:00:00+00:00"), "call") == "2026-06-21"
    explicit = t.tmp / "il-mon-fri.yaml"
    explicit.write_text("extends: il.yaml\nsettings:\n  contact_days: [mon, tue, wed, thu, fri]\n", encoding="utf-8")
    other = t.add("Haifa Works", "--rules", str(explicit), interviewed="2026-06-02")
    assert day_of(t.show(other, "2026-06-03T10:00:00+00:00"), "call") == "2026-06-19"


def test_the_user_zone_is_an_iana_zone_from_tz_across_daylight_saving(t: Tactful) -> None:
    """With TZ=Europe/Paris in winter, a 09:00 Paris call in July shows as 09:00, and --now
    without an offset is Paris time of that date."""
    paris = {"TACTFUL_TZ": "", "TZ": "Europe/Paris"}
    app = t.json("add", "Lyon SA", "--interviewed", "2026-07-06", "--timezone", "Europe/Paris")["id"]
    shown = t.run("show", str(app), now="2026-01-10T10:00", extra_env=paris)
    assert "Thu 2026-07-23 09:00  call" in shown.stdout, shown.stdout
    done = t.run("record", str(app), "thank_you_sent", "--json", now="2026-07-06T18:00", extra_env=paris)
    assert json.loads(done.stdout)["history"][-1]["at"] == "2026-07-06T18:00:00+02:00"
    bad = t.run("list", extra_env={"TACTFUL_TZ": "", "TZ": "Mars/Olympus"})
    assert bad.returncode == 2 and "TZ" in bad.stderr and "Traceback" not in bad.stderr
