"""Durations as people write them in rule files: ``14 days``, ``2 weeks``, ``36 hours``."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ..vocabulary.text import quoted
from ..vocabulary.timecalc import Calendar

UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
#: A unit as it may be written, singular or plural: ``(minute|hour|day|week)s?``.
UNIT_PATTERN = f"({'|'.join(UNITS)})s?"
_DURATION = re.compile(rf"^\s*(-?\d+)\s*{UNIT_PATTERN}\s*$")
EXAMPLE = "a whole number and a unit, like '14 days', '2 weeks', '36 hours' or '1 day'"
#: A setting may also count working days.
WAIT_EXAMPLE = EXAMPLE.replace(" or '1 day'", ", '1 day' or (a setting) '10 working days'")
#: The longest duration a rule file may give: ten years is already beyond any job search.
MAX_DURATION = timedelta(days=3650)


def parse_duration(text: object) -> timedelta:
    """Parse a duration such as ``3 days``.

    Raises:
        ValueError: with a message that says what would be right.
    """
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{quoted(text)} is not a duration; write {EXAMPLE}")
    amount = int(match.group(1))
    if amount < 0:
        raise ValueError(f"{quoted(text)} is negative; a duration is zero or more")
    seconds = amount * UNITS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{quoted(text)} is too long; a duration is at most {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration`, in the largest unit that divides it."""
    seconds = int(value.total_seconds())
    for unit in ("week", "day", "hour", "minute"):
        size = UNITS[unit]
        if seconds % size == 0 and (seconds or unit == "day"):
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds // 60} minutes"


#: The most working days a wait may be (ten years of five-day weeks).
MAX_WORKING_DAYS = 2600
_WORKING = re.compile(r"^\s*(\d+)\s*working\s+days?\s*$")


class WorkingDays:
    """``N working days``: a wait counted on the rule set's contact days, its holidays skipped.

    Added to a moment it gives the same time of day N contact days later. Its calendar is the
    rule set's, bound once the settings are read (:meth:`bound`); unbound, Monday to Friday.
    """

    __slots__ = ("days", "calendar")

    def __init__(self, days: int, calendar: Calendar | None = None) -> None:
        self.days = days
        self.calendar = calendar

    def bound(self, calendar: Calendar) -> WorkingDays:
        return WorkingDays(self.days, calendar)

    def __radd__(self, moment: object) -> datetime:
        if not isinstance(moment, datetime):
            return NotImplemented
        calendar = self.calendar or Calendar()
        left, day = self.days, moment
        while left > 0:
            day += timedelta(days=1)
            if calendar.is_contact_day(day.date()):
                left -= 1
        return day

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkingDays) and other.days == self.days

    def __hash__(self) -> int:
        return hash(("working days", self.days))

    def __bool__(self) -> bool:
        return self.days > 0

    def __str__(self) -> str:
        return f"{self.days} working day{'' if self.days == 1 else 's'}"

    __repr__ = __str__


def parse_wait(text: object) -> timedelta | WorkingDays:
    """A duration (:func:`parse_duration`) or ``N working days``.

    Raises:
        ValueError: with a message that says what would be right.
    """
    match = _WORKING.match(text) if isinstance(text, str) else None
    if match is None:
        try:
            return parse_duration(text)
        except ValueError as err:
            raise ValueError(str(err).replace(EXAMPLE, WAIT_EXAMPLE)) from None
    days = int(match.group(1))
    if days > MAX_WORKING_DAYS:
        raise ValueError(f"{quoted(text)} is too long; at most {MAX_WORKING_DAYS} working days")
    return WorkingDays(days)
