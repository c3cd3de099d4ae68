"""Builds the calendar adapter's ``.ics`` feed: one event per advised action, written atomically.

An event's UID stands for (application, action), e.g. ``3-call@tactful``, so the event moves
when its date moves and disappears once the action is no longer advised. An event that did
not change keeps its DTSTAMP and SEQUENCE; a changed one gets a higher SEQUENCE. icalendar is
imported only when a feed is built or read. The plugin is :mod:`tactful.plugins.calendar`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..runtime.notify import task
from ..vocabulary.files import write_atomic
from ..vocabulary.timecalc import known_zone

if TYPE_CHECKING:
    import icalendar

    from ..runtime.notify import Notice
    from ..vocabulary.records import Candidate

#: How long an event lasts in the calendar.
DURATION = timedelta(minutes=15)
#: The end of every UID tactful makes; events without it are never touched on a CalDAV server.
UID_SUFFIX = "@tactful"
PRODID = "-//tactful//follow-up calendar//EN"
#: The property that says whose feed a candidate's is (the implicit candidate's has none).
CANDIDATE_PROPERTY = "X-TACTFUL-CANDIDATE"
#: SEQUENCE counts minutes from here to the moment an event last changed, so it only grows.
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def uid(notice: Notice) -> str:
    """The event's UID: stable for (application, action), whatever the due moment."""
    return f"{notice.app_id}-{notice.action}{UID_SUFFIX}"


def summary(notice: Notice) -> str:
    """The event's title, e.g. ``Call Northwind (tactful)``."""
    action = notice.action or "follow_up"
    text = task(action, notice.company)
    return f"{text[:1].upper()}{text[1:]} (tactful)"


def description(notice: Notice) -> str:
    """The event's text: why, when in the interviewer's time, and the draft when there is one."""
    assert notice.due is not None
    local = notice.due.astimezone(known_zone(notice.timezone) or UTC)
    lines = [f"{(notice.reason or notice.action or '').capitalize()}.",
             f"Due {local:%a %Y-%m-%d %H:%M} {notice.timezone} (the interviewer's time)."]  # fmt: skip
    if notice.interviewer:
        lines.append(f"Interviewer: {notice.interviewer}.")
    lines.append(f"Application #{notice.app_id}: 'tactful show {notice.app_id}' has the details.")
    if notice.draft:
        lines += ["", "Draft:", notice.draft]
    return "\n".join(lines)


def build_events(schedule: Sequence[Notice], now: datetime, previous: bytes | None = None) -> list[icalendar.Event]:
    """One event per advised action, soonest first, one per UID.

    An event whose content is as in ``previous`` (the feed written before) keeps its DTSTAMP
    and SEQUENCE; a new or changed one gets ``now`` and a higher SEQUENCE, so calendar apps
    take it as the newer version.
    """
    before = {str(e["UID"]): e for e in parse_events(previous)} if previous else {}
    events, seen = [], set()
    for notice in schedule:
        if notice.due is None or notice.action is None or uid(notice) in seen:
            continue
        seen.add(uid(notice))
        events.append(_event(notice, now, before.get(uid(notice))))
    return events


def _event(notice: Notice, now: datetime, previous: icalendar.Event | None) -> icalendar.Event:
    import icalendar

    assert notice.due is not None
    event = icalendar.Event()
    event.add("uid", uid(notice))
    event.add("summary", summary(notice))
    event.add("dtstart", notice.due.astimezone(UTC))
    event.add("duration", DURATION)
    event.add("description", description(notice))
    if previous is not None and content(previous) == content(event):
        stamp, sequence = previous.decoded("dtstamp"), int(previous.get("sequence", 0))
    else:
        stamp = now.astimezone(UTC)
        before = int(previous.get("sequence", -1)) if previous is not None else -1
        sequence = max(_sequence(now), before + 1)
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    return event


def _sequence(moment: datetime) -> int:
    return max(0, int((moment - _SEQUENCE_EPOCH).total_seconds() // 60))


def content(event: icalendar.Event) -> tuple[Any, ...]:
    """What a reader sees of an event: a change here is a new version of it."""
    return (str(event.get("summary", "")), event.decoded("dtstart", None), event.decoded("duration", None),
            str(event.get("description", "")))  # fmt: skip


def to_calendar(events: Sequence[icalendar.Event], candidate: Candidate | None = None) -> icalendar.Calendar:
    """A calendar holding ``events``, with the properties subscribing apps look for; a
    candidate's (other than the implicit one's) is named for them and says whose it is."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if candidate is not None and candidate.key:
        calendar.add("x-wr-calname", f"tactful: {' '.join((candidate.name or candidate.key).split())}")
        calendar.add(CANDIDATE_PROPERTY, candidate.key)
    else:
        calendar.add("x-wr-calname", "tactful")
    calendar.add("x-wr-caldesc", "Follow-ups after your job interviews, from tactful")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(event)
    return calendar


def parse_events(data: bytes) -> Iterator[icalendar.Event]:
    """The events of a feed, none when it does not parse (it is then written anew)."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        return iter(())
    return (c for c in calendar.walk("VEVENT") if isinstance(c, icalendar.Event) and "UID" in c)


def write_feed(path: Path, schedule: Sequence[Notice], now: datetime,
               candidate: Candidate | None = None) -> list[icalendar.Event]:  # fmt: skip
    """Write the feed of ``schedule`` (of ``candidate``: see :func:`to_calendar`) to ``path``
    atomically, unless it would not change.

    Returns the events, for a push.
    """
    try:
        previous: bytes | None = path.read_bytes()
    except FileNotFoundError:
        previous = None
    events = build_events(schedule, now, previous)
    data = to_calendar(events, candidate).to_ical()
    if data != previous:
        _replace(path, data)
    return events


def _replace(path: Path, data: bytes) -> None:
    """Put ``data`` in place of ``path`` in one rename, so a reader sees the old feed or the new
    one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)
