"""The calendar adapter: every advised action as an event in an ``.ics`` feed that any
calendar app can subscribe to, and optionally pushed to a CalDAV calendar.

Configure it with a ``calendar:`` section in ``config.yaml`` in the tactful home::

    calendar:
      file: calendar.ics            # the feed; relative to the tactful home (the default)
      caldav:                       # optional: push the events to a CalDAV calendar
        url: https://dav.example.org/dav/
        calendar: tactful           # its display name; made when missing (the default)

The CalDAV login comes from ``TACTFUL_CALDAV_USERNAME`` and ``TACTFUL_CALDAV_PASSWORD``.

Each ``tick`` hands the whole schedule to :func:`tactful_schedule`, which rewrites the feed
(atomically) and pushes it. An event's UID stands for (application, action), e.g.
``3-call@tactful``, so the event moves when its date moves and disappears once the action is
no longer advised. ``tactful calendar write`` rebuilds the feed from the store now;
``tactful calendar serve`` serves it on 127.0.0.1 for apps that subscribe by URL.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import RuleError, RuleErrors
from ..hookspecs import hookimpl
from ..log import logger

if TYPE_CHECKING:
    import click
    import icalendar

    from ..notify import Notice

#: How long an event lasts in the calendar.
DURATION = timedelta(minutes=15)
#: The end of every UID tactful makes; events without it are never touched on a CalDAV server.
UID_SUFFIX = "@tactful"
USERNAME_VARIABLE = "TACTFUL_CALDAV_USERNAME"
PASSWORD_VARIABLE = "TACTFUL_CALDAV_PASSWORD"  # noqa: S105 - the variable's name, not a password
PRODID = "-//tactful//follow-up calendar//EN"
#: SEQUENCE counts minutes from here to the moment an event last changed, so it only grows.
_SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)

#: What each shipped action asks of you, as an event's title; others use the action's name.
SUMMARIES = {
    "send_thank_you": "Thank {company} for the interview",
    "call": "Call {company}",
    "call_again": "Call {company} again",
    "callback": "Call {company} back",
    "send_note": "Send {company} a note",
    "send_email": "Email {company}",
    "move_on": "Move on from {company}",
    "decide_offer": "Decide on the offer from {company}",
    "thank_you_letter": "Send {company} a thank-you letter",
    "contact_first_choice": "Tell {company} about your other offer",
    "withdraw": "Withdraw from {company}",
}


@dataclass(frozen=True, slots=True)
class CalDAVTarget:
    """Where events are pushed: the server's URL and the calendar's display name."""

    url: str
    calendar: str = "tactful"


@dataclass(frozen=True, slots=True)
class Settings:
    """The checked ``calendar:`` section."""

    file: Path
    caldav: CalDAVTarget | None = None


@dataclass(slots=True)
class PushReport:
    """What a push to CalDAV changed, by UID."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0


_settings: Settings | None = None


# -- hooks -------------------------------------------------------------------------------


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Check the ``calendar:`` section and keep it."""
    global _settings
    _settings = parse_settings(config)


@hookimpl
def tactful_schedule(schedule: Sequence[Notice], now: datetime) -> None:
    """Rewrite the feed from the whole schedule, then push it when CalDAV is configured."""
    settings = configured()
    events = write_feed(settings.file, schedule, now)
    if settings.caldav is None:
        return
    try:
        report = push(settings.caldav, events)
    except Exception as err:  # noqa: BLE001 - a server that is down must not stop the tick; next tick pushes again
        logger().warning(
            "calendar push failed; the next tick tries again", url=settings.caldav.url, error=brief_error(err)
        )
        return
    logger().info("calendar pushed", created=len(report.created), updated=len(report.updated),
                  deleted=len(report.deleted), unchanged=report.unchanged)  # fmt: skip


@hookimpl
def tactful_register_commands(cli: click.Group) -> None:
    """Add ``tactful calendar write`` and ``tactful calendar serve``."""
    from .calendar_cli import calendar

    cli.add_command(calendar)


def configured() -> Settings:
    """The settings given to the last plugin manager that loaded this plugin."""
    if _settings is None:
        raise RuntimeError("the calendar plugin was not configured; load it with get_plugin_manager")
    return _settings


# -- settings ----------------------------------------------------------------------------


def parse_settings(section: Mapping[str, Any]) -> Settings:
    """The settings a ``calendar:`` section gives, checked.

    A relative ``file`` is relative to the folder of ``config.yaml`` (the tactful home).

    Raises:
        RuleErrors: one error per bad setting, at ``config.yaml:LINE:COL``.
    """
    errors: list[RuleError] = []
    _unknown_keys(section, ("file", "caldav"), errors)
    name = section.get("file", "calendar.ics")
    if not isinstance(name, str) or not name.strip():
        errors.append(_error(section, "file", "'file' is the path of the feed to write, e.g. calendar.ics"))
        name = "calendar.ics"
    caldav = _parse_caldav(section, errors)
    if errors:
        raise RuleErrors(errors)
    path = Path(name).expanduser()
    return Settings(path if path.is_absolute() else _home(section) / path, caldav)


def _parse_caldav(section: Mapping[str, Any], errors: list[RuleError]) -> CalDAVTarget | None:
    if "caldav" not in section:
        return None
    target = section["caldav"]
    if not isinstance(target, Mapping):
        errors.append(_error(section, "caldav", "'caldav' is a mapping with 'url' and 'calendar'"))
        return None
    _unknown_keys(target, ("url", "calendar"), errors)
    url, name = target.get("url"), target.get("calendar", "tactful")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        errors.append(_error(target, "url", "'url' is the CalDAV server's address, e.g. https://dav.example.org/"))
    elif "@" in url.partition("://")[2].partition("/")[0]:
        errors.append(_error(target, "url", f"keep the login out of the url: set {USERNAME_VARIABLE} and "
                                            f"{PASSWORD_VARIABLE} in the environment"))  # fmt: skip
    if not isinstance(name, str) or not name.strip():
        errors.append(_error(target, "calendar", "'calendar' is the display name of the calendar, e.g. tactful"))
    import importlib.util

    if importlib.util.find_spec("caldav") is None:
        errors.append(_error(section, "caldav", "pushing to CalDAV needs the caldav library: "
                                                "pip install 'tactful[calendar]'"))  # fmt: skip
    return CalDAVTarget(str(url), str(name)) if not errors else None


def _unknown_keys(section: Mapping[str, Any], known: tuple[str, ...], errors: list[RuleError]) -> None:
    for key in section:
        if key not in known:
            errors.append(_error(section, key, f"unknown setting '{key}'; the settings are {', '.join(known)}",
                                 at_key=True))  # fmt: skip


def _error(section: Mapping[str, Any], key: str, message: str, at_key: bool = False) -> RuleError:
    key_locs = getattr(section, "key_locs", {})
    where = key_locs.get(key) if at_key else None
    if where is None and hasattr(section, "where"):
        where = section.where(key)
    return RuleError(where, f"calendar: {message}")


def _home(section: Mapping[str, Any]) -> Path:
    """The folder of the config file the section came from, else the tactful home."""
    origin = getattr(section, "loc", None)
    if origin is not None:
        return Path(origin.path).parent
    import importlib

    context = importlib.import_module("tactful.cli.context")  # the CLI's rule for where the home is
    return Path(context.home_dir(os.environ.get("TACTFUL_HOME")))


# -- the feed ----------------------------------------------------------------------------


def uid(notice: Notice) -> str:
    """The event's UID: stable for (application, action), whatever the due moment."""
    return f"{notice.app_id}-{notice.action}{UID_SUFFIX}"


def summary(notice: Notice) -> str:
    """The event's title, e.g. ``Call Northwind (tactful)``."""
    action = notice.action or "follow_up"
    text = SUMMARIES.get(action, f"{action.replace('_', ' ').capitalize()}: {{company}}")
    return f"{text.format(company=notice.company)} (tactful)"


def description(notice: Notice) -> str:
    """The event's text: why, when in the interviewer's time, and the draft when there is one."""
    assert notice.due is not None
    local = notice.due.astimezone(_zone(notice.timezone))
    lines = [f"{(notice.reason or notice.action or '').capitalize()}.",
             f"Due {local:%a %Y-%m-%d %H:%M} {notice.timezone} (the interviewer's time)."]  # fmt: skip
    if notice.interviewer:
        lines.append(f"Interviewer: {notice.interviewer}.")
    lines.append(f"Application #{notice.app_id}: 'tactful show {notice.app_id}' has the details.")
    if notice.draft:
        lines += ["", "Draft:", notice.draft]
    return "\n".join(lines)


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def build_events(schedule: Sequence[Notice], now: datetime, previous: bytes | None = None) -> list[icalendar.Event]:
    """One event per advised action, soonest first, one per UID.

    An event whose content is as in ``previous`` (the feed written before) keeps its DTSTAMP
    and SEQUENCE; a new or changed one gets ``now`` and a higher SEQUENCE, so calendar apps
    take it as the newer version.
    """
    before = {str(e["UID"]): e for e in _parse_events(previous)} if previous else {}
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


def to_calendar(events: Sequence[icalendar.Event]) -> icalendar.Calendar:
    """A calendar holding ``events``, with the properties subscribing apps look for."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "tactful")
    calendar.add("x-wr-caldesc", "Follow-ups after your job interviews, from tactful")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(event)
    return calendar


def _parse_events(data: bytes) -> Iterator[icalendar.Event]:
    """The events of a feed, none when it does not parse (it is then written anew)."""
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        return iter(())
    return (c for c in calendar.walk("VEVENT") if isinstance(c, icalendar.Event) and "UID" in c)


def write_feed(path: Path, schedule: Sequence[Notice], now: datetime) -> list[icalendar.Event]:
    """Write the feed of ``schedule`` to ``path`` atomically, unless it would not change.

    Returns the events, for a push.
    """
    try:
        previous: bytes | None = path.read_bytes()
    except FileNotFoundError:
        previous = None
    events = build_events(schedule, now, previous)
    data = to_calendar(events).to_ical()
    if data != previous:
        _replace(path, data)
    return events


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``, so a
    reader sees the old feed or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# -- CalDAV ------------------------------------------------------------------------------


def push(target: CalDAVTarget, events: Sequence[icalendar.Event]) -> PushReport:
    """Make the CalDAV calendar hold exactly ``events`` among tactful's own (UIDs ending in
    ``@tactful``): create or update by UID, delete the ones no longer scheduled.

    Raises:
        Exception: what the caldav library raises when the server cannot be reached or refuses.
    """
    from caldav.davclient import DAVClient

    report = PushReport()
    wanted = {str(e["UID"]): e for e in events}
    with DAVClient(url=target.url, username=os.environ.get(USERNAME_VARIABLE),
                          password=os.environ.get(PASSWORD_VARIABLE)) as client:  # fmt: skip
        calendar = _calendar(cast(Any, client).principal(), target.calendar)  # caldav leaves it untyped
        stored = dict(_stored_events(calendar))
        for name, event in wanted.items():
            found = stored.get(name)
            if found is not None and content(found[1]) == content(event):  # caldav may bump SEQUENCE itself
                report.unchanged += 1
                continue
            _save(calendar, found[0] if found else None, to_calendar([event]).to_ical().decode())
            (report.updated if found else report.created).append(name)
        for name in sorted(stored.keys() - wanted.keys()):
            stored[name][0].delete()
            report.deleted.append(name)
    return report


def _calendar(principal: Any, name: str) -> Any:
    """The principal's calendar called ``name``, made when there is none."""
    for calendar in principal.calendars():
        if calendar.get_display_name() == name:
            return calendar
    return principal.make_calendar(name=name)


def _stored_events(calendar: Any) -> Iterator[tuple[str, tuple[Any, icalendar.Event]]]:
    """tactful's events on the server: UID -> (the server's object, its parsed event)."""
    listing = getattr(calendar, "get_events", None) or calendar.events  # caldav 3 renamed events()
    for item in listing():
        for event in _parse_events(_text(item.data).encode()):
            name = str(event["UID"])
            if name.endswith(UID_SUFFIX):
                yield name, (item, event)


def _save(calendar: Any, found: Any, text: str) -> None:
    if found is not None:
        found.data = text
        found.save()
        return
    add = getattr(calendar, "add_event", None) or calendar.save_event  # caldav 3 renamed save_event()
    add(text)


def _text(data: Any) -> str:
    return data.decode() if isinstance(data, bytes) else str(data)


def brief_error(err: Exception) -> str:
    """An error in one short line, for the log."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}"
