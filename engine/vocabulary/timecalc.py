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

from ..errors import InputError
from .text import quoted

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UTC = ZoneInfo("UTC")
#: The years a date may fall in: wide enough for any job search, far enough from the ends of
#: Python's calendar that adding a duration or changing zone never overflows it.
YEARS = (1900, 2999)
#: The longest time zone name accepted (IANA names are far shorter).
MAX_ZONE_NAME = 64
#: The ``holidays`` setting that takes the country of the interviewer's time zone.
AUTO = "auto"


def read_moment(text: str, what: str, tz: tzinfo) -> datetime:
    """A moment a person typed: an ISO date or date-time, in ``tz`` unless it has an offset.

    A date alone means 09:00 that day.

    Raises:
        InputError: naming ``what`` and the form expected.
    """
    from .text import excerpt

    text = text.strip()
    try:
        moment = datetime.combine(date.fromisoformat(text), time(9, 0)) if len(text) == 10 else None
        moment = moment or datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{what} {excerpt(text)} is not a date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"
        ) from None
    try:
        check_year(moment.date(), what)
    except ValueError as err:
        raise InputError(str(err)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


_ISO: dict[int, tuple[datetime, str]] = {}


def iso(moment: datetime) -> str:
    """``moment.isoformat()``, remembered for the last few moments by identity: one change
    writes the same moment several times (its history row, its record, its notices' keys
    and texts), and formatting an aware moment is not cheap."""
    known = _ISO.get(id(moment))
    if known is not None and known[0] is moment:
        return known[1]
    text = moment.isoformat()
    if len(_ISO) >= 64:
        _ISO.clear()
    _ISO[id(moment)] = (moment, text)  # the moment is kept with it, so its id is not reused meanwhile
    return text


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


def zone_key(tz: tzinfo | None) -> str | None:
    """The IANA name of zone ``tz``, or None when it has none (a fixed offset, a zone file
    read without its name)."""
    key = getattr(tz, "key", None)
    return key if isinstance(key, str) and key != "localtime" and known_zone(key) is not None else None


def system_zone(localtime: str = "/etc/localtime") -> tzinfo | None:
    """The system's time zone as an IANA zone, read from ``localtime`` (a link into the zone
    database, or a copy of a zone file), or None when there is none."""
    import os

    target = os.path.realpath(localtime)
    named = known_zone(target.rpartition("zoneinfo" + os.sep)[2]) if "zoneinfo" + os.sep in target else None
    if named is not None:
        return named
    try:
        with open(localtime, "rb") as data:
            return ZoneInfo.from_file(data, key="localtime")
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=64)
def _holiday_names(country: str, year: int) -> dict[date, str]:
    import holidays

    code, _, subdivision = country.partition("-")
    days = holidays.country_holidays(code, subdiv=subdivision or None, years=year)
    return dict(days.items())


@lru_cache(maxsize=64)
def working_days(country: str) -> frozenset[int]:
    """The days of the week (0 is Monday) that are working days in ``country`` (``US``,
    ``US-CA``): every day but the country's weekend (Friday and Saturday in Israel)."""
    import holidays

    code, _, subdivision = country.partition("-")
    weekend = holidays.country_holidays(code, subdiv=subdivision or None).weekend
    return frozenset(range(7)) - frozenset(weekend)


def check_holiday_country(country: str) -> None:
    """Raise ValueError unless ``country`` (``US`` or ``US-CA``) is known to `holidays`."""
    import holidays

    code, _, subdivision = country.partition("-")
    supported = holidays.list_supported_countries()
    if code not in supported:
        raise ValueError(f"unknown holiday country {quoted(country)}; use an ISO code such as 'US', 'FR' or 'DE'")
    if subdivision and subdivision not in supported[code]:
        raise ValueError(
            f"unknown subdivision {quoted(subdivision)} of {code}; known: {', '.join(supported[code][:12])}…"
        )


class Calendar(NamedTuple):
    """When the employer may be contacted: days, hours and holidays."""

    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: str | None = None  # a country code, AUTO (the interviewer's zone's), or None
    days_given: bool = True  # False: the working days of the holidays country

    def for_zone(self, name: str | None) -> Calendar:
        """The calendar of an application whose interviewer is in zone ``name``: with
        ``holidays: auto``, the public holidays (and working days) of that zone's country,
        none where the zone has no country or `holidays` does not know it."""
        return _zone_calendar(self, name or "UTC") if self.holidays == AUTO else self

    @property
    def country(self) -> str | None:
        return None if self.holidays == AUTO else self.holidays

    def at_start(self, day: date, tz: tzinfo) -> datetime:
        """``day`` at the start of contact hours in ``tz``: what a date-only moment means."""
        return datetime.combine(day, self.start, tz)

    def is_contact_day(self, day: date) -> bool:
        if day.weekday() not in self.days:
            return False
        return not (self.country and day in _holiday_names(self.country, day.year))

    def holiday(self, day: date) -> str | None:
        """``day`` named as the holiday it is, like "25 Dec is Christmas Day in US", or None."""
        if not self.country:
            return None
        name = _holiday_names(self.country, day.year).get(day)
        return f"{day.day} {day.strftime('%b')} is {name} in {self.country}" if name else None

    def holidays_between(self, first: datetime, last: datetime) -> list[str]:
        """The holidays (named as :meth:`holiday` does) on working days from ``first``'s day to
        ``last``'s, in ``first``'s zone: what a shift between them stepped over."""
        names: list[str] = []
        if not self.country:
            return names
        day, end = first.date(), last.astimezone(first.tzinfo).date()
        step = timedelta(days=1 if end >= day else -1)
        while True:
            name = self.holiday(day) if day.weekday() in self.days else None
            if name:
                names.append(name)
            if day == end or len(names) > 31:
                return names
            day += step

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


@lru_cache(maxsize=256)
def _zone_calendar(calendar: Calendar, name: str) -> Calendar:
    from .zonecountry import zone_country

    country = zone_country(name)
    try:
        if country is not None:
            check_holiday_country(country)
    except ValueError:
        country = None
    days = calendar.days if calendar.days_given or country is None else working_days(country)
    return calendar._replace(holidays=country, days=days)


def parse_hours(text: object) -> tuple[time, time]:
    """Parse contact hours written ``09:00-17:00``.

    Raises:
        ValueError: when malformed or empty.
    """
    example = "write it like '09:00-17:00', 24-hour HH:MM"
    if not isinstance(text, str):
        raise ValueError(f"{quoted(text)} is not a span of hours; quote it and {example}")
    parts = text.split("-")
    if len(parts) != 2 or not all(_HOUR.match(part.strip()) for part in parts):
        raise ValueError(f"{quoted(text)} is not a span of hours; {example}")
    try:
        start, end = (time.fromisoformat(part.strip()) for part in parts)
    except ValueError:
        raise ValueError(f"{quoted(text)} names an hour that does not exist; {example}") from None
    if end <= start:
        raise ValueError(f"{quoted(text)} ends before it starts; {example}")
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
            raise ValueError(f"unknown day {quoted(item)}{hint}")
        days.add(DAY_NAMES.index(name))
    return frozenset(days)


def stamp(moment: datetime) -> str:
    """``moment`` as text that keeps its zone: ISO 8601, followed by ``[Europe/Paris]`` (as in
    RFC 9557) when the zone is an IANA one, so that a store gives back what it was given."""
    text = iso(moment)
    key = getattr(moment.tzinfo, "key", None)
    return f"{text}[{key}]" if key else text


def unstamp(text: str) -> datetime:
    """The moment :func:`stamp` wrote (plain ISO 8601 text is read as it is)."""
    if not text.endswith("]"):
        return datetime.fromisoformat(text)
    iso, _, key = text[:-1].partition("[")
    return datetime.fromisoformat(iso).astimezone(zone(key))


def zone_name(moment: datetime | None) -> str:
    """The name of ``moment``'s zone as :func:`zones` reads it back: an IANA name, else its
    fixed offset (``+0200``); empty for None."""
    if moment is None:
        return ""
    key = getattr(moment.tzinfo, "key", None)
    return key if isinstance(key, str) else moment.strftime("%z")


def zone_names(*moments: datetime | None) -> str:
    """The zones of ``moments``, as one text a store keeps beside them (their instants go in an
    indexed column of their own): one name when they share it, else a name each, ``|`` apart."""
    present = [m.tzinfo for m in moments if m is not None]
    key = getattr(present[0], "key", None) if present else None
    if isinstance(key, str) and all(tz is present[0] for tz in present):  # most often: one zone for all
        return key
    names = [zone_name(m) for m in moments]
    shared = {n for n in names if n}
    return shared.pop() if len(shared) == 1 else "|".join(names) if shared else ""


@lru_cache(maxsize=512)
def zones(text: str | None, count: int) -> tuple[tzinfo, ...]:
    """The ``count`` zones :func:`zone_names` wrote as ``text``; UTC for a moment stored with
    none (a row written before stores kept zones, or an unknown name)."""
    names = (text or "").split("|")
    return tuple(_zone_back(names[n] if len(names) == count else names[0]) for n in range(count))


def _zone_back(name: str) -> tzinfo:
    if name[:1] in ("+", "-"):
        return datetime.strptime(name, "%z").tzinfo or UTC
    try:
        return zone(name) if name else UTC
    except ValueError:
        return UTC
