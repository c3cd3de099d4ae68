"""Pushes the calendar adapter's events to a CalDAV calendar, by UID.

:func:`push` makes the calendar hold exactly the scheduled events among tactful's own (UIDs
ending in ``@tactful``), leaving everything else on the server alone. The login comes from
``TACTFUL_CALDAV_USERNAME`` and ``TACTFUL_CALDAV_PASSWORD``; the caldav library is imported
only when pushing. The events are built by :mod:`tactful.plugins.calendar_feed`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ..vocabulary.log import add_secrets, library_levels
from .calendar_feed import UID_SUFFIX, content, parse_events, to_calendar

if TYPE_CHECKING:
    import icalendar

USERNAME_VARIABLE = "TACTFUL_CALDAV_USERNAME"
PASSWORD_VARIABLE = "TACTFUL_CALDAV_PASSWORD"  # noqa: S105 - the variable's name, not a password


@dataclass(frozen=True, slots=True)
class CalDAVTarget:
    """Where events are pushed: the server's URL and the calendar's display name."""

    url: str
    calendar: str = "tactful"


@dataclass(slots=True)
class PushReport:
    """What a push to CalDAV changed, by UID."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0


def push(target: CalDAVTarget, events: Sequence[icalendar.Event]) -> PushReport:
    """Make the CalDAV calendar hold exactly ``events`` among tactful's own (UIDs ending in
    ``@tactful``): create or update by UID, delete the ones no longer scheduled.

    Raises:
        Exception: what the caldav library raises when the server cannot be reached or refuses.
    """
    from caldav.davclient import DAVClient

    library_levels()  # caldav sets its logger's level as it is imported: tactful's -v/-q decide
    report = PushReport()
    wanted = {str(e["UID"]): e for e in events}
    username, password = os.environ.get(USERNAME_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    _keep_out_of_logs(username, password)
    with DAVClient(url=target.url, username=username, password=password) as client:
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
        for event in parse_events(_text(item.data).encode()):
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


def _keep_out_of_logs(username: str | None, password: str | None) -> None:
    """Hand the password, and the Basic credentials made of it, to the log's redaction: the
    caldav library's debug lines may quote a request's headers."""
    from base64 import b64encode

    if password:
        basic = b64encode(f"{username or ''}:{password}".encode()).decode()
        add_secrets(password, basic)


def brief_error(err: Exception) -> str:
    """An error in one short line, for the log."""
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text[:200]}"
