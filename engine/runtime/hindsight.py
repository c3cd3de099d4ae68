"""When a late event would have been accepted: the hint behind "record it with --at"; and
when an event refused as a repeat was recorded before.

An event the etiquette refuses now (a thank-you once the first inquiry is due) may have been
fine when it happened. Pure, like :mod:`.core`: rules, a record and ``now`` in, a moment out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from ..errors import Refused, TactfulError
from ..language.namespace import EMPTY_PORTFOLIO, Portfolio
from ..language.ruleset import RuleSet
from ..vocabulary.records import Application, LogEntry
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


def already_recorded(
    rs: RuleSet, app: Application, event: str, history: Sequence[LogEntry], viewer: tzinfo | None
) -> Refused | None:
    """The refusal of ``event`` recorded a second time: it does not apply in ``app``'s state,
    and it is the last event recorded, so the answer says when it happened (in ``viewer``'s
    zone) rather than only that it does not apply. None when it is no repeat."""
    state = rs.states.get(app.state)
    if event not in rs.events or state is None or event in state.on:
        return None
    events = [entry for entry in history if entry.kind == "event"]
    if not events or events[-1].name != event:
        return None
    last = events[-1].at
    when = last.astimezone(viewer or last.tzinfo).strftime("%a %Y-%m-%d %H:%M")
    return Refused(f"'{event}' is already recorded on {when}; it does not apply again while the application is "
                   f"{app.state.replace('_', ' ')}", state.where)  # fmt: skip
