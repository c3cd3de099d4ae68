"""The time rules: date-only moments, contact days and hours, weekend and holiday shifts.

A date given without a time means the start of contact hours in the interviewer's zone.
Durations add calendar days. Only the final due moment of an action that contacts the
employer is moved off weekends, holidays and out-of-hours: forward to the next contact
moment, or back to the last one before a deadline that bounds it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UTC = ZoneInfo("UTC")
#: The years a date may fall in: wide enough for any job search, far enough from the ends of
#: Python's calendar that adding a duration or changing zone never overflows it.
YEARS = (1900, 2999)
#: The longest time zone name accepted (IANA names are far shorter).
MAX_ZONE_NAME = 64


@lru_cache(maxsize=256)
def zone(name: str) -> tzinfo:
    """The time zone called ``name`` (an IANA name such as ``Europe/Paris``).

    Raises:
        ValueError: when no such zone exists.
    """
    shown = repr(name) if len(name) <= MAX_ZONE_NAME else f"{name[:MAX_ZONE_NAME]!r}…"
    if len(name) > MAX_ZONE_NAME or not name.isprintable():
        raise ValueError(f"unknown time zone {shown}; use an IANA name like 'Europe/Paris' or 'UTC'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {shown}; use an IANA name like 'Europe/Paris' or 'UTC'") from None


def check_year(day: date, what: str) -> None:
    """Raise ValueError unless ``day`` falls within :data:`YEARS`, saying so for ``what``."""
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValueError(f"{what} {day.isoformat()} is out of range; dates run from {YEARS[0]} to {YEARS[1]}")


def known_zone(name: str) -> tzinfo | None:
    """The time zone called ``name``, or None when there is no such zone (for output that
    must not fail on a zone stored by an older version or another app)."""
    if len(name) > MAX_ZONE_NAME or not name.isprintable():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@lru_cache(maxsize=64)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    import holidays

    code, _, subdivision = country.partition("-")
    days = holidays.country_holidays(code, subdiv=subdivision or None, years=year)
    return frozenset(days.keys())


def check_holiday_country(country: str) -> None:
    """Raise ValueError unless ``country`` (``US`` or ``US-CA``) is known to `holidays`."""
    import holidays

    code, _, subdivision = country.partition("-")
    supported = holidays.list_supported_countries()
    if code not in supported:
        raise ValueError(f"unknown holiday country {country!r}; use an ISO code such as 'US', 'FR' or 'DE'")
    if subdivision and subdivision not in supported[code]:
        raise ValueError(f"unknown subdivision {subdivision!r} of {code}; known: {', '.join(supported[code][:12])}…")


class Calendar(NamedTuple):
    """When the employer may be contacted: days, hours and holidays."""

    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: str | None = None

    def at_start(self, day: date, tz: tzinfo) -> datetime:
        """``day`` at the start of contact hours in ``tz``: what a date-only moment means."""
        return datetime.combine(day, self.start, tz)

    def is_contact_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.holidays and day in _holiday_dates(self.holidays, day.year))

    def is_contact_time(self, moment: datetime) -> bool:
        return self.is_contact_day(moment.date()) and self.start <= moment.timetz().replace(tzinfo=None) < self.end

    def forward(self, moment: datetime) -> datetime:
        """The first contact moment at or after ``moment`` (in ``moment``'s zone)."""
        clock = moment.time()
        day = moment.date()
        if self.is_contact_day(day) and clock < self.end:
            return moment if clock >= self.start else datetime.combine(day, self.start, moment.tzinfo)
        day = self._next_contact_day(day + timedelta(days=1))
        return datetime.combine(day, self.start, moment.tzinfo)

    def back(self, moment: datetime) -> datetime:
        """The last contact moment at or before ``moment`` (in ``moment``'s zone)."""
        clock = moment.time()
        day = moment.date()
        if self.is_contact_day(day) and clock >= self.start:
            return moment if clock < self.end else datetime.combine(day, self.start, moment.tzinfo)
        day = self._previous_contact_day(day - timedelta(days=1))
        return datetime.combine(day, self.start, moment.tzinfo)

    def shift(self, moment: datetime, bound: datetime | None = None) -> datetime:
        """Forward to a contact moment, or back when that would pass ``bound``."""
        ahead = self.forward(moment)
        if bound is None or ahead <= bound:
            return ahead
        return self.back(min(moment, bound))

    def _next_contact_day(self, day: date) -> date:
        for _ in range(366):
            if self.is_contact_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no contact day within a year; check contact_days and holidays")

    def _previous_contact_day(self, day: date) -> date:
        for _ in range(366):
            if self.is_contact_day(day):
                return day
            day -= timedelta(days=1)
        raise ValueError("no contact day within a year; check contact_days and holidays")


def parse_hours(text: object) -> tuple[time, time]:
    """Parse contact hours written ``09:00-17:00``.

    Raises:
        ValueError: when malformed or empty.
    """
    example = "write it like '09:00-17:00', 24-hour HH:MM"
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a span of hours; quote it and {example}")
    parts = text.split("-")
    if len(parts) != 2 or not all(_HOUR.match(part.strip()) for part in parts):
        raise ValueError(f"{text!r} is not a span of hours; {example}")
    try:
        start, end = (time.fromisoformat(part.strip()) for part in parts)
    except ValueError:
        raise ValueError(f"{text!r} names an hour that does not exist; {example}") from None
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts; {example}")
    return start, end


_HOUR = re.compile(r"^\d\d:\d\d(:\d\d)?$")


def parse_days(value: object) -> frozenset[int]:
    """Parse contact days written as a list of ``mon`` … ``sun``.

    Raises:
        ValueError: naming the first unknown day.
    """
    if not isinstance(value, list) or not value:
        raise ValueError("contact_days is a list of days, like [mon, tue, wed, thu, fri]")
    days = set()
    for item in value:
        name = str(item).strip().lower() if isinstance(item, str) else ""
        if name in FULL_DAY_NAMES:
            name = name[:3]
        if name not in DAY_NAMES:
            from ..errors import did_you_mean

            hint = did_you_mean(name, DAY_NAMES, "; use mon, tue, wed, thu, fri, sat or sun")
            raise ValueError(f"unknown day {item!r}{hint}")
        days.add(DAY_NAMES.index(name))
    return frozenset(days)


def stamp(moment: datetime) -> str:
    """``moment`` as text that keeps its zone: ISO 8601, followed by ``[Europe/Paris]`` (as in
    RFC 9557) when the zone is an IANA one, so that a store gives back what it was given."""
    text = moment.isoformat()
    key = getattr(moment.tzinfo, "key", None)
    return f"{text}[{key}]" if key else text


def unstamp(text: str) -> datetime:
    """The moment :func:`stamp` wrote (plain ISO 8601 text is read as it is)."""
    if not text.endswith("]"):
        return datetime.fromisoformat(text)
    iso, _, key = text[:-1].partition("[")
    return datetime.fromisoformat(iso).astimezone(zone(key))
