"""The calendar adapter keeps one feed per candidate: the implicit candidate's is the configured
file, each other's is beside it, named safely from their key, holds their actions only, and
goes when they are removed."""

from __future__ import annotations

import json
from pathlib import Path

import icalendar
import pytest

from tactful import Engine, InputError, SQLiteStore
from tactful.plugins import calendar as adapter
from tactful.plugins.calendar_files import LONGEST, feed_name, feed_path
from tactful.testing import FakeClock

from .candidates import ADDED, COMPANIES, DUE, home_with_candidates, populate
from .clirun import ok
from .helpers import at


def read(path: Path) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert str(calendar["prodid"]) == adapter.PRODID
    return calendar


def apps_in(path: Path) -> set[int]:
    """The application ids the events of the feed at ``path`` stand for."""
    return {int(str(event["uid"]).split("-", 1)[0]) for event in read(path).walk("VEVENT")}


def test_a_tick_writes_each_candidate_a_feed_of_their_own_actions(tmp_path):
    home = tmp_path / "home"
    ids = home_with_candidates(home, "calendar:\n", alice={"name": "Alice Martin"})
    ok(home, "tick", now=DUE)
    names = sorted(p.name for p in home.glob("calendar*.ics"))
    assert names == ["calendar-alice.ics", "calendar-bob.ics", "calendar.ics"]
    assert {key: apps_in(home / feed_path(Path("calendar.ics"), key)) for key in ids} == {
        key: {app_id} for key, app_id in ids.items()
    }
    alice = read(home / "calendar-alice.ics")
    assert (str(alice["x-wr-calname"]), str(alice["x-tactful-candidate"])) == ("tactful: Alice Martin", "alice")
    mine = read(home / "calendar.ics")
    assert str(mine["x-wr-calname"]) == "tactful" and "x-tactful-candidate" not in mine
    assert "Northwind" not in (home / "calendar.ics").read_text() + (home / "calendar-bob.ics").read_text()


def test_a_removed_candidates_feed_goes_at_the_next_tick_and_other_files_stay(tmp_path):
    home = tmp_path / "home"
    home_with_candidates(home, "calendar:\n")
    ok(home, "tick", now=DUE)
    (home / "calendar-notes.ics").write_text("my own notes, not tactful's")
    store = SQLiteStore(home / "tactful.sqlite3")
    Engine(store, FakeClock(at("2026-05-21 10:00"))).remove_candidate("alice")
    store.close()
    ok(home, "tick", now="2026-05-21T11:00:00+00:00")
    names = sorted(p.name for p in home.glob("calendar*.ics"))
    assert names == ["calendar-bob.ics", "calendar-notes.ics", "calendar.ics"]


def test_calendar_write_rebuilds_every_feed_and_lists_them(tmp_path):
    home = tmp_path / "home"
    home_with_candidates(home, "calendar:\n  file: feeds/jobs.ics\n")
    done = ok(home, "calendar", "write", "--json", now=ADDED)
    written = json.loads(done.stdout)
    assert (written["file"], written["events"]) == (str(home / "feeds" / "jobs.ics"), 1)
    assert written["feeds"] == [
        {"candidate": "", "file": str(home / "feeds" / "jobs.ics"), "events": 1},
        {"candidate": "alice", "file": str(home / "feeds" / "jobs-alice.ics"), "events": 1},
        {"candidate": "bob", "file": str(home / "feeds" / "jobs-bob.ics"), "events": 1},
    ]
    text = ok(home, "calendar", "write", now=ADDED).stdout
    assert text.strip().endswith("Wrote the feeds of 2 other candidates beside it.")


def test_keys_that_differ_only_in_case_never_share_a_file():
    names = {feed_name(key) for key in ("alice", "Alice", "ALICE", "aLice")}
    assert len({name.casefold() for name in names}) == 4
    assert feed_name("Alice") == "^alice" and feed_name("bob@example.org") == "bob@example.org"


def test_a_very_long_key_is_shortened_and_stays_its_own():
    long = "A" * 128
    other = "A" * 127 + "B"
    assert len(feed_name(long)) <= LONGEST and feed_name(long) != feed_name(other)
    assert len(feed_path(Path("/feeds/calendar.ics"), long).name.encode()) < 255


@pytest.mark.parametrize("key", ["../alice", "a/b", ".hidden", "..", "a\\b", "a b", "x\x00y", "-rf"])
def test_a_key_that_could_leave_the_folder_never_names_a_file(key):
    with pytest.raises(InputError, match="candidate key"):
        feed_path(Path("/feeds/calendar.ics"), key)


def test_the_implicit_candidates_feed_is_the_configured_file():
    assert feed_path(Path("/feeds/calendar.ics"), "") == Path("/feeds/calendar.ics")
    assert feed_path(Path("/feeds/calendar.ics"), "alice") == Path("/feeds/calendar-alice.ics")


def test_the_schedule_of_every_candidate_reads_the_store_once(tmp_path):
    """What `tick` hands the calendar (every candidate's agenda) walks the applications once,
    not once to find the candidates and again for each of them."""
    store = SQLiteStore(tmp_path / "tactful.sqlite3")
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    populate(engine)
    reads: list[str | None] = []
    real = store.all
    store.all = lambda candidate=None: reads.append(candidate) or real(candidate)  # type: ignore[method-assign]
    found = engine.agenda_by_candidate(at("2026-05-21 10:00"))
    assert reads == [None]
    assert {person.key: {app.company for app, _ in items} for person, items in found} == {
        key: {company} for key, company in COMPANIES.items()
    }
