"""The settings a rule file may give, how each is read, and the calendar they make."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..vocabulary.timecalc import Calendar, check_holiday_country, parse_days, parse_hours
from .durations import parse_duration


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count; write a whole number, 0 or more")
    return value


def _country(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("write a country code such as US or FR, or null for none")
    check_holiday_country(value)
    return value


#: Every setting, with the function that reads it.
SETTINGS: dict[str, Callable[[object], Any]] = {
    "decision_window": parse_duration,
    "grace": parse_duration,
    "reply_wait": parse_duration,
    "max_calls": _count,
    "offer_consideration": parse_duration,
    "move_on_after": parse_duration,
    "thank_you_letter_within": parse_duration,
    "contact_days": parse_days,
    "contact_hours": parse_hours,
    "holidays": _country,
}
DURATIONS = frozenset(k for k, v in SETTINGS.items() if v is parse_duration)


def parse_setting(key: str, value: object) -> Any:
    """Read one setting.

    Raises:
        ValueError: saying what would be right.
    """
    return SETTINGS[key](value)


def calendar_from(settings: Mapping[str, Any]) -> Calendar:
    """The contact calendar the settings describe (Mon–Fri, 09:00–17:00 unless set)."""
    calendar = Calendar()
    start, end = settings.get("contact_hours", (calendar.start, calendar.end))
    return Calendar(settings.get("contact_days", calendar.days), start, end, settings.get("holidays"))
