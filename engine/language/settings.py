"""The settings a rule file may give, how each is read, and the calendar they make."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ..vocabulary.text import quoted
from ..vocabulary.timecalc import AUTO, Calendar, check_holiday_country, parse_days, parse_hours, working_days
from .durations import WorkingDays, parse_wait

#: A language code or a company size: what `tactful report` reads (headings, ghosting by size).
WORD = re.compile(r"[a-z][a-z_-]{0,19}")
#: The most calls a rule file may allow.
MAX_CALLS = 100


def _calls(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CALLS:
        raise ValueError(f"{quoted(value)} is not a count of calls; write a whole number from 1 to {MAX_CALLS} "
                         "(to never call, the interviewer's no_calls fact already says so)")  # fmt: skip
    return value


def _wait(value: object) -> Any:
    """A duration that must be more than zero: a wait of nothing makes the advice meaningless."""
    duration = parse_wait(value)
    if not duration:
        raise ValueError(f"{quoted(value)} is no time at all; this wait must be at least a minute, like '1 day'")
    return duration


def _country(value: object) -> str | None:
    """A country code, ``auto`` (the interviewer's zone's country), or None (``none``, null)."""
    if value is None or value == "none":
        return None
    if not isinstance(value, str):
        raise ValueError("write a country code such as US or FR, auto for the interviewer's zone's country, or none")
    if value == AUTO:
        return AUTO
    check_holiday_country(value)
    return value


def _word(what: str, example: str) -> Callable[[object], str | None]:
    """A short lower-case word, or None: a language code (``de``) or a company size (``small``)."""

    def read(value: object) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not WORD.fullmatch(value):
            raise ValueError(f"{quoted(value)} is not {what}; write a short lower-case word such as {example}, "
                             "or null for none")  # fmt: skip
        return value

    return read


#: A calendar date every year has, by month and day: ``02-01`` is 1 February.
MONTH_DAY = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


def _month_day(value: object) -> str | None:
    """A date by month and day (``10-01``), or None: a date a rule may name, every year."""
    if value is None:
        return None
    if isinstance(value, str) and MONTH_DAY.fullmatch(value.strip()):
        month, day = (int(part) for part in value.strip().split("-"))
        if day <= (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month]:  # not 29 Feb: not every year
            return value.strip()
    raise ValueError(f"{quoted(value)} is not a date every year has; write month and day in quotes, "
                     "like '02-01' for 1 February, or null for none")  # fmt: skip


#: Whom the job seeker contacts: the employer, or a recruiter who stands between.
ROUTES = ("employer", "recruiter")


def _route(value: object) -> str:
    if value not in ROUTES:
        raise ValueError(f"{quoted(value)} is not a contact route; write employer or recruiter")
    return str(value)


def _days(value: object) -> frozenset[int] | None:
    """Contact days, or None: the working days of the ``holidays`` country, else Mon–Fri."""
    return None if value is None else parse_days(value)


#: Every setting, with the function that reads it.
SETTINGS: dict[str, Callable[[object], Any]] = {
    "decision_window": _wait,
    "grace": parse_wait,
    "reply_wait": _wait,
    "max_calls": _calls,
    "offer_consideration": _wait,
    "move_on_after": _wait,
    "thank_you_letter_within": _wait,
    "contact_days": _days,
    "contact_hours": parse_hours,
    "holidays": _country,
    "language": _word("a language code", "de or en"),
    "company_size": _word("a company size", "small or large"),
    "answer_not_before": _month_day,
    "contact_route": _route,
}
#: The kind of each setting that is not a duration, as expressions see it.
SETTING_KINDS = {
    "max_calls": "number",
    "contact_days": "days",
    "contact_hours": "hours",
    "holidays": "text",
    "language": "text",
    "company_size": "text",
    "answer_not_before": "text",
    "contact_route": "text",
}
DURATIONS = frozenset(k for k, v in SETTINGS.items() if v in (parse_wait, _wait))


def parse_setting(key: str, value: object) -> Any:
    """Read one setting.

    Raises:
        ValueError: saying what would be right.
    """
    return SETTINGS[key](value)


def calendar_from(settings: Mapping[str, Any]) -> Calendar:
    """The contact calendar the settings describe: 09:00–17:00 unless set; the contact days
    given, else the working days of the ``holidays`` country, else Mon–Fri."""
    calendar = Calendar()
    start, end = settings.get("contact_hours") or (calendar.start, calendar.end)  # None: reported, not parsed
    country = settings.get("holidays")
    given = settings.get("contact_days")
    days = given or (working_days(country) if country and country != AUTO else calendar.days)
    return Calendar(days, start, end, country, bool(given))


def with_calendar(settings: dict[str, Any], calendar: Calendar) -> dict[str, Any]:
    """``settings`` with each wait in working days counted on ``calendar``."""
    return {k: v.bound(calendar) if isinstance(v, WorkingDays) else v for k, v in settings.items()}
