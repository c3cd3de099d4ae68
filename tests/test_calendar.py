"""The calendar adapter: an .ics feed of what is due, kept by `tick`, served on 127.0.0.1 by
`tactful calendar serve`, and pushed to a real CalDAV server (Radicale)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tactful import Engine, MemoryStore
from tactful.hooks.pluginmanager import get_plugin_manager
from tactful.plugins import calendar as adapter
from tactful.runtime.notify import action_notice
from tactful.testing import FakeClock

from .clirun import EXE, ok, run
from .davserver import free_port, radicale
from .helpers import at

ADD = ("add", "Northwind", "--interviewed", "2026-05-04", "--decision-by", "2026-05-18",
       "--interviewer", "Dana Reyes", "--timezone", "Europe/Paris")  # fmt: skip
LOGIN = {"TACTFUL_CALDAV_USERNAME": "alice", "TACTFUL_CALDAV_PASSWORD": "not-a-real-secret"}


def feed(path: Path) -> dict[str, icalendar.Event]:
    """The events of the feed at ``path``, by UID (the file must parse)."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(calendar["prodid"]) == adapter.PRODID
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def started(home: Path, config: str = "calendar:\n") -> Path:
    """A home whose config.yaml has ``config`` and one application, added on the interview day."""
    (home / "config.yaml").write_text(config)
    ok(home, *ADD, now="2026-05-04T17:00:00+00:00")
    return home


# -- the feed, end to end through the CLI ------------------------------------------------


def test_the_feed_after_a_tick_holds_every_upcoming_action_under_a_stable_uid(tmp_path):
    home = started(tmp_path)
    ok(home, "tick", now="2026-05-04T18:00:00+00:00")
    events = feed(home / "calendar.ics")
    assert list(events) == ["1-send_thank_you@tactful", "1-call@tactful"]
    call = events["1-call@tactful"]
    assert str(call["summary"]) == "Call Northwind (tactful)"
    assert call.decoded("dtstart") == at("2026-05-21 07:00")  # 09:00 in Paris
    assert call.decoded("duration") == timedelta(minutes=15)
    assert call.decoded("dtstamp") == at("2026-05-04 18:00")
    text = str(call["description"])
    assert "inquiry call" in text and "Dana Reyes" in text and "09:00 Europe/Paris" in text


def test_a_recorded_event_moves_the_same_uid_and_an_action_no_longer_advised_leaves_the_feed(tmp_path):
    home = started(tmp_path)
    ok(home, "tick", now="2026-05-04T18:00:00+00:00")
    first = feed(home / "calendar.ics")["1-call@tactful"]

    ok(home, "record", "1", "thank_you_sent", now="2026-05-05T10:00:00+00:00")
    ok(home, "tick", now="2026-05-05T10:00:00+00:00")
    events = feed(home / "calendar.ics")
    assert list(events) == ["1-call@tactful"]  # the thank-you was sent: no longer advised
    assert events["1-call@tactful"].to_ical() == first.to_ical()  # unchanged, stamp and sequence too

    ok(home, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-21T10:00:00+00:00")
    ok(home, "record", "1", "note_sent", now="2026-05-21T11:00:00+00:00")
    ok(home, "tick", now="2026-05-21T11:00:00+00:00")
    before = feed(home / "calendar.ics")["1-call_again@tactful"]
    assert before.decoded("dtstart") == at("2026-05-28 11:00")  # a week after the note

    ok(home, "record", "1", "note_sent", now="2026-05-23T10:00:00+00:00")  # a Saturday
    ok(home, "tick", now="2026-05-23T10:00:00+00:00")
    after = feed(home / "calendar.ics")["1-call_again@tactful"]
    assert after.decoded("dtstart") == at("2026-06-01 07:00")  # moved, to Monday 09:00 in Paris
    assert after.decoded("dtstamp") == at("2026-05-23 10:00")
    assert int(after["sequence"]) > int(before["sequence"])


def test_a_tick_that_changes_nothing_leaves_the_feed_file_as_it_was(tmp_path):
    home = started(tmp_path)
    ok(home, "tick", now="2026-05-04T18:00:00+00:00")
    before = (home / "calendar.ics").stat()
    ok(home, "tick", now="2026-05-04T19:00:00+00:00")
    after = (home / "calendar.ics").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_feed_file_is_relative_to_the_home_and_calendar_write_rebuilds_it_from_the_store(tmp_path):
    home = started(tmp_path, "calendar:\n  file: feeds/jobs.ics\n")
    done = ok(home, "calendar", "write", "--json", now="2026-05-04T18:00:00+00:00")
    assert '"events": 2' in done.stdout and str(home / "feeds" / "jobs.ics") in done.stdout
    assert set(feed(home / "feeds" / "jobs.ics")) == {"1-send_thank_you@tactful", "1-call@tactful"}


def test_calendar_write_reads_the_config_of_the_home_given_by_home_option(tmp_path):
    """The plugin's command is found in --home's config.yaml, not only in TACTFUL_HOME's."""
    (tmp_path / "mine").mkdir()
    home = started(tmp_path / "mine", "calendar:\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = run(elsewhere, "calendar", "write", "--home", str(home), now="2026-05-04T18:00:00+00:00")
    assert done.returncode == 0, done.stderr
    assert set(feed(home / "calendar.ics")) == {"1-send_thank_you@tactful", "1-call@tactful"}
    assert not (elsewhere / "calendar.ics").exists()


def test_without_its_section_the_calendar_command_says_how_to_turn_the_plugin_on(tmp_path):
    done = run(tmp_path, "calendar", "write", now="2026-05-04T18:00:00+00:00")
    assert done.returncode == 2
    assert "'tactful calendar' comes with the calendar plugin" in done.stderr
    assert "add a 'calendar:' section to config.yaml" in done.stderr


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("calendar:\n  fiel: x.ics\n", "config.yaml:2:3: calendar: unknown setting 'fiel'"),
        ("calendar:\n  fille: x.ics\n", "config.yaml:2:3: calendar: unknown setting 'fille'; did you mean 'file'?"),
        (
            "calendar:\n  caldav:\n    uri: https://dav/\n",
            "config.yaml:3:5: calendar: unknown setting 'uri' in 'caldav'; did you mean 'url'?",
        ),
        ("calendar:\n  file: 3\n", "config.yaml:2:9: calendar: 'file' is the path of the feed"),
        ("calendar:\n  caldav: yes\n", "config.yaml:2:11: calendar: 'caldav' is a mapping"),
        ("calendar:\n  caldav:\n    url: ftp://dav\n", "config.yaml:3:10: calendar: 'url' is the CalDAV server's"),
        ("calendar:\n  caldav:\n    url: https://me:pw@dav.example.org/\n", "keep the login out of the url"),
    ],
)
def test_a_bad_setting_is_one_line_naming_config_yaml_line_and_column(tmp_path, config, expected):
    (tmp_path / "config.yaml").write_text(config)
    done = run(tmp_path, "plugins", now="2026-05-04T18:00:00+00:00")
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr and "pw@" not in done.stderr


def test_the_feed_replaces_the_file_in_one_rename_so_a_reader_never_sees_half_of_it(tmp_path, monkeypatch):
    path = tmp_path / "calendar.ics"
    path.write_bytes(b"the old feed")
    seen: list[tuple[Path, bytes]] = []
    replace = os.replace

    def watching(source: str, target: Path) -> None:
        seen.append((Path(source), Path(target).read_bytes()))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watching)
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(MemoryStore(), clock)
    engine.add("Northwind", interviewed="2026-05-04")
    adapter.write_feed(path, schedule(engine, clock()), clock())
    [(source, old)] = seen
    assert source.parent == tmp_path and old == b"the old feed"  # still whole until the rename
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calendar.ics"]  # no temporary left behind
    assert set(feed(path)) == {"1-send_thank_you@tactful", "1-call@tactful"}


# -- serving over HTTP -------------------------------------------------------------------


def test_calendar_serve_serves_the_feed_on_127_0_0_1_and_nothing_else(tmp_path):
    home = started(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW="2026-05-04T18:00:00+00:00", TACTFUL_TZ="UTC")
    proc = subprocess.Popen([str(EXE), "calendar", "serve", "--port", "0"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = first_line(proc)
        found = re.search(r"http://127\.0\.0\.1:\d+/calendar\.ics", line)
        assert found, line
        url = found.group(0)
        status, kind, body = fetch(url)
        assert status == 200 and kind.startswith("text/calendar")
        uids = {str(e["uid"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
        assert uids == {"1-send_thank_you@tactful", "1-call@tactful"}
        assert fetch(url.removesuffix("calendar.ics"))[2] == body
        with pytest.raises(urllib.error.HTTPError) as missing:
            fetch(url.replace("calendar.ics", "secrets.txt"))
        assert missing.value.code == 404
        missing.value.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()


def first_line(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    """The first line ``proc`` writes to stderr, waiting at most ``timeout`` seconds."""
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    stream = proc.stderr
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"'tactful calendar serve' said nothing within {timeout} s") from None


def fetch(url: str) -> tuple[int, str, bytes]:
    """GET ``url`` directly (no proxy): status, content type and body."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


# -- pushing to CalDAV ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def dav(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Radicale server on 127.0.0.1 for this module's tests."""
    with radicale(tmp_path_factory.mktemp("radicale")) as url:
        yield url


def schedule(engine: Engine, now: Any) -> list[Any]:
    """What `tick` hands to the schedule hook: every candidate's actions, soonest first."""
    items = [pair for _, pairs in engine.agenda_by_candidate(now) for pair in pairs]
    return [action_notice(app, item) for app, item in sorted(items, key=lambda pair: pair[1].due)]


def server_events(url: str, name: str) -> dict[str, icalendar.Event]:
    """The events of the calendar ``name`` on the server, by UID, read with a client of our own."""
    from caldav.davclient import DAVClient

    with DAVClient(url=url, username="alice", password="x") as client:
        principal: Any = client.principal()
        [calendar] = [c for c in principal.calendars() if c.get_display_name() == name]
        found = {}
        for item in calendar.search(event=True):
            for event in icalendar.Calendar.from_ical(item.data).walk("VEVENT"):
                found[str(event["uid"])] = event
        return found


def add_foreign_event(url: str, name: str) -> None:
    """An event someone else put in the same calendar; tactful must leave it alone."""
    from caldav.davclient import DAVClient

    foreign = icalendar.Calendar()
    foreign.add("prodid", "-//someone else//EN")
    foreign.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "dentist@example.org")
    event.add("summary", "Dentist")
    event.add("dtstamp", at("2026-05-01 12:00"))
    event.add("dtstart", at("2026-05-20 08:00"))
    foreign.add_component(event)
    with DAVClient(url=url, username="alice", password="x") as client:
        principal: Any = client.principal()
        [calendar] = [c for c in principal.calendars() if c.get_display_name() == name]
        calendar.save_event(foreign.to_ical().decode())


def test_push_creates_updates_and_removes_events_by_uid_on_a_caldav_server(tmp_path, dav, monkeypatch):
    for variable, value in LOGIN.items():
        monkeypatch.setenv(variable, value)
    section = {"file": str(tmp_path / "calendar.ics"), "caldav": {"url": dav, "calendar": "push"}}
    pm = get_plugin_manager({"calendar": section}, entry_points=False)
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(MemoryStore(), clock)
    app = engine.add("Northwind", interviewed="2026-05-04", decision_by="2026-05-18", timezone="Europe/Paris")
    engine.add_candidate("bob")
    engine.candidate("bob").add("Contoso", interviewed="2026-05-04")  # application 2: never pushed

    def tick() -> dict[str, icalendar.Event]:
        candidates = {c.key: c for c in engine.candidates()}
        pm.hook.tactful_schedule(schedule=schedule(engine, clock()), now=clock(), candidates=candidates)
        mine = {uid: e for uid, e in server_events(dav, "push").items() if uid.endswith("@tactful")}
        assert set(mine) == set(feed(tmp_path / "calendar.ics"))  # the server holds what the feed holds
        assert {uid.split("-")[0] for uid in feed(tmp_path / "calendar-bob.ics")} == {"2"}  # bob's, beside it
        return mine

    assert set(tick()) == {"1-send_thank_you@tactful", "1-call@tactful"}  # created (and the calendar made)
    add_foreign_event(dav, "push")

    clock.set(at("2026-05-21 10:00"))
    engine.record(app.id, "thank_you_sent", at=at("2026-05-05 10:00"))
    engine.record(app.id, "called", outcome="noncommittal")
    events = tick()
    assert set(events) == {"1-send_note@tactful", "1-call_again@tactful"}  # the call is done: removed
    assert events["1-call_again@tactful"].decoded("dtstart") == at("2026-05-28 10:00")

    clock.set(at("2026-05-23 10:00"))
    engine.record(app.id, "note_sent")
    moved = tick()["1-call_again@tactful"]
    assert moved.decoded("dtstart") == at("2026-06-01 07:00")  # updated in place
    assert int(moved["sequence"]) > int(events["1-call_again@tactful"]["sequence"])

    engine.record(app.id, "rejected")
    assert set(tick()) == {"1-thank_you_letter@tactful"}
    assert "dentist@example.org" in server_events(dav, "push")  # not ours: never touched


def test_calendar_write_pushes_and_reports_what_it_changed(tmp_path, dav):
    home = started(tmp_path, f"calendar:\n  caldav:\n    url: {dav}\n    calendar: written\n")
    done = ok(home, "calendar", "write", "--json", now="2026-05-04T18:00:00+00:00", env=LOGIN)
    assert '"created": [\n      "1-send_thank_you@tactful",\n      "1-call@tactful"\n    ]' in done.stdout
    again = ok(home, "calendar", "write", now="2026-05-04T19:00:00+00:00", env=LOGIN)
    assert "0 created, 0 updated, 0 removed, 2 unchanged" in again.stdout
    assert LOGIN["TACTFUL_CALDAV_PASSWORD"] not in done.stdout + done.stderr + again.stdout + again.stderr


def test_a_caldav_server_that_is_down_never_fails_the_tick_and_the_feed_is_still_written(tmp_path):
    port = free_port()  # nothing listens there
    home = started(tmp_path, f"calendar:\n  caldav:\n    url: http://127.0.0.1:{port}/\n")
    done = ok(home, "tick", now="2026-05-04T18:00:00+00:00", env=LOGIN)
    assert "calendar push failed" in done.stderr
    assert LOGIN["TACTFUL_CALDAV_PASSWORD"] not in done.stderr
    assert set(feed(home / "calendar.ics")) == {"1-send_thank_you@tactful", "1-call@tactful"}
    failed = run(home, "calendar", "write", now="2026-05-04T18:00:00+00:00", env=LOGIN)
    assert failed.returncode == 1 and "pushing to http://127.0.0.1" in failed.stderr
