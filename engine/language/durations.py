"""Durations as people write them in rule files: ``14 days``, ``2 weeks``, ``36 hours``."""

from __future__ import annotations

import re
from datetime import timedelta

from ..vocabulary.text import quoted

UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
#: A unit as it may be written, singular or plural: ``(minute|hour|day|week)s?``.
UNIT_PATTERN = f"({'|'.join(UNITS)})s?"
_DURATION = re.compile(rf"^\s*(-?\d+)\s*{UNIT_PATTERN}\s*$")
EXAMPLE = "a whole number and a unit, like '14 days', '2 weeks', '36 hours' or '1 day'"
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
