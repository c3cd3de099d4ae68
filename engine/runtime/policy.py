"""`can`: may the job seeker use a channel now, and if not, from when?

A channel's policy is a list of allow/deny rules; the first whose condition holds decides.
Policy rules also see ``due`` (an advised action on this channel is due now),
``next_due`` (when the next one will be), ``contact_time`` and ``next_contact_time``. A
denial with ``until`` is only for now: the question is asked again at that moment, with
timers fired up to it, until the answer is yes or no longer changes with time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..errors import InputError
from ..language.namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from ..language.ruleset import PolicyRule, RuleSet
from ..vocabulary.records import Application, Verdict
from .core import advise, catch_up

#: How many "not yet, ask again at …" steps `can` follows before giving up.
MAX_LOOKAHEAD = 12


def judge(rs: RuleSet, app: Application, name: str, now: datetime, portfolio: Portfolio = EMPTY_PORTFOLIO) -> Verdict:
    """The verdict for channel (or action) ``name`` on ``app`` as of ``now``.

    Raises:
        InputError: when ``name`` is neither a channel nor an action of the rule set.
    """
    channel = rs.channel_of(name)
    if channel is None:
        known = ", ".join(rs.policies)
        raise InputError(f"unknown channel or action '{name}'; channels: {known}")
    first = _once(rs, app, channel, now, portfolio)
    verdict, until, moment = first
    for _ in range(MAX_LOOKAHEAD):
        if verdict.allowed or until is None or until <= moment:
            break
        moment = until
        later, _ = catch_up(rs, app, moment, portfolio, preview=True)
        verdict, until, _ = _once(rs, later, channel, moment, portfolio)
    if first[0].allowed or not verdict.allowed:
        return first[0]
    day = moment.astimezone(first[0].allowed_from.tzinfo if first[0].allowed_from else moment.tzinfo).date().isoformat()
    reason = first[0].reason if day in first[0].reason else f"{first[0].reason}; allowed from {day}"
    return Verdict(channel, False, reason, first[0].rule, moment)


def _once(
    rs: RuleSet, app: Application, channel: str, now: datetime, portfolio: Portfolio
) -> tuple[Verdict, datetime | None, datetime]:
    policy = rs.policies[channel]
    ns = Namespace(rs, app, now, portfolio=portfolio, extra=_policy_names(rs, app, channel, portfolio))
    for rule in policy.rules:
        if rule.when(ns):
            return _verdict(channel, rule, ns), (rule.until(ns) if rule.until else None), now
    reason = f"nothing in the rules allows '{channel}' now"
    return Verdict(channel, False, reason, policy.where), None, now


def _verdict(channel: str, rule: PolicyRule, ns: Namespace) -> Verdict:
    return Verdict(channel, rule.allow, ns.render(rule.because), rule.where)


def _policy_names(
    rs: RuleSet, app: Application, channel: str, portfolio: Portfolio
) -> dict[str, Callable[[Namespace], Any]]:
    def on_channel(ns: Namespace) -> list[datetime]:
        items = advise(rs, app, ns.now, portfolio)
        return [a.start for a in items if channel in rs.actions[a.action].channels]

    def due(ns: Namespace) -> bool:
        return any(start <= ns.now for start in on_channel(ns))

    def next_due(ns: Namespace) -> datetime | None:
        later = [start for start in on_channel(ns) if start > ns.now]
        return min(later) if later else None

    def contact_time(ns: Namespace) -> bool:
        return rs.calendar.is_contact_time(ns.now)

    def next_contact_time(ns: Namespace) -> datetime:
        return rs.calendar.forward(ns.now)

    return {"due": due, "next_due": next_due, "contact_time": contact_time, "next_contact_time": next_contact_time}
