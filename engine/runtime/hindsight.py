"""When a late event would have been accepted: the hint behind "record it with --at".

An event the etiquette refuses now (a thank-you once the first inquiry is due) may have been
fine when it happened. Pure, like :mod:`.core`: rules, a record and ``now`` in, a moment out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..errors import TactfulError
from ..language.namespace import EMPTY_PORTFOLIO, Portfolio
from ..language.ruleset import RuleSet
from ..vocabulary.records import Application
from .core import advise_here, catch_up, record


def accepted_earlier(
    rs: RuleSet,
    stored: Application,
    event: str,
    params: Mapping[str, Any],
    now: datetime,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
) -> datetime | None:
    """The moment before ``now`` at which ``event`` would have been accepted, the latest
    window first: within a window, the first moment the state advised something, else the
    window's start. None when no moment since the stored record was saved would do."""
    _, timers = catch_up(rs, stored, now, portfolio, preview=True)
    starts = [stored.entered, *(entry.at for entry in timers)]
    for begin, end in reversed(list(zip(starts, starts[1:], strict=False))):
        app, _ = catch_up(rs, stored, begin, portfolio, preview=True)
        advised = sorted(a.due for a in advise_here(rs, app, begin, portfolio) if begin <= a.due < end)
        for moment in (*advised, begin):
            if _accepted(rs, app, event, params, moment, now, portfolio):
                return moment
    return None


def _accepted(
    rs: RuleSet, app: Application, event: str, params: Mapping[str, Any], at: datetime, now: datetime,
    portfolio: Portfolio,
) -> bool:  # fmt: skip
    caught, _ = catch_up(rs, app, at, portfolio, preview=True)
    try:
        record(rs, caught, event, params, at, now, portfolio)
    except (TactfulError, ValueError, OverflowError):  # refused, or a moment the rules cannot work with
        return False
    return True
