"""`can`: may the job seeker use a channel now, and if not, from when?

A channel's policy is a list of allow/deny rules; the first whose condition holds decides.
Policy rules also see ``due`` (an advised action on this channel is due now),
``next_due`` (when the next one will be), ``contact_time``, ``next_contact_time`` and
``advised_channels`` (the channels of everything advised, now or later). A
denial with ``until`` is only for now: the question is asked again at that moment, with
timers fired up to it, until the answer is yes or no longer changes with time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from ..errors import InputError
from ..language.namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from ..language.ruleset import PolicyRule, RuleSet
from ..language.tracing import Recorder, space
from ..vocabulary.records import Application, Recorded, Verdict
from .core import advise, catch_up, record

#: How many "not yet, ask again at …" steps `can` follows before giving up.
MAX_LOOKAHEAD = 12


def judge(
    rs: RuleSet,
    app: Application,
    name: str,
    now: datetime,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    viewer: tzinfo | None = None,
    recorder: Recorder | None = None,
) -> Verdict:
    """The verdict for channel (or action) ``name`` on ``app`` as of ``now``; the reason shows
    times in ``viewer`` (the user's zone; default the interviewer's). A ``recorder`` keeps
    every rule tested, with what it read (see :mod:`tactful.language.tracing`).

    Raises:
        InputError: when ``name`` is neither a channel nor an action of the rule set.
    """
    channel = rs.channel_of(name)
    if channel is None:
        known = ", ".join(rs.policies)
        raise InputError(f"unknown channel or action '{name}'; channels: {known}")
    first = _routed(rs, *_once(rs, app, channel, now, portfolio, viewer, recorder))
    verdict, until, moment = first
    for _ in range(MAX_LOOKAHEAD):
        if verdict.allowed or until is None or until <= moment:
            break
        moment = until
        later, fired = catch_up(rs, app, moment, portfolio, preview=True)
        if recorder is not None:
            recorder.note("ask again", channel, moment, _asked_again(fired), rs.policies[channel].where)
        verdict, until, _ = _once(rs, later, channel, moment, portfolio, viewer, recorder)
    if first[0].allowed or not verdict.allowed:
        return first[0]
    day = moment.astimezone(first[0].allowed_from.tzinfo if first[0].allowed_from else moment.tzinfo).date().isoformat()
    reason = first[0].reason if day in first[0].reason else f"{first[0].reason}; allowed from {day}"
    return Verdict(channel, False, reason, first[0].rule, moment)


def _routed(rs: RuleSet, verdict: Verdict, until: Any, moment: Any) -> tuple[Verdict, Any, Any]:
    """The setting ``contact_route: recruiter``: every answer says the contact goes through the recruiter."""
    if rs.settings.get("contact_route") != "recruiter":
        return verdict, until, moment
    return verdict._replace(reason=f"{verdict.reason}; through your recruiter, not the employer"), until, moment


def _asked_again(fired: list[Any]) -> str:
    moves = ", ".join(f"{entry.source} -> {entry.target}" for entry in fired)
    return f"timers fired by then: {moves}" if moves else "no timer fires by then"


def _once(
    rs: RuleSet, app: Application, channel: str, now: datetime, portfolio: Portfolio, viewer: tzinfo | None,
    recorder: Recorder | None = None,
) -> tuple[Verdict, datetime | None, datetime]:  # fmt: skip
    policy = rs.policies[channel]
    names = _policy_names(rs, app, channel, portfolio)
    ns = space(rs, app, now, recorder, portfolio=portfolio, extra=names, viewer=viewer)
    if recorder is not None:
        recorder.state = app.state
    for rule in policy.rules:
        what = "allow" if rule.allow else "deny"
        if (
            rule.when(ns)
            if recorder is None
            else recorder.evaluate(rule.when, ns, what, channel, rule.where, rule.source)
        ):
            until = None
            if rule.until:
                until = rule.until(ns) if recorder is None else recorder.evaluate(rule.until, ns, "until", channel)
            verdict = _verdict(channel, rule, ns, until)
            if recorder is not None:
                recorder.note("answer", channel, verdict, "", rule.where)
            return verdict, until, now
    reason = f"nothing in the rules allows '{channel}' now"
    return Verdict(channel, False, reason, policy.where), None, now


def _verdict(channel: str, rule: PolicyRule, ns: Namespace, until: datetime | None) -> Verdict:
    """The rule's verdict. A "not yet" on a holiday, until no later than the next contact
    time, is caused by the holiday, and names it."""
    reason = ns.render(rule.because)
    calendar = ns.calendar
    holiday = calendar.holiday(ns.now.date()) if not rule.allow and until is not None else None
    if holiday and until is not None and until <= calendar.forward(ns.now) and holiday not in reason:
        reason = f"{reason}; {holiday}"
    return Verdict(channel, rule.allow, reason, rule.where)


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
        return ns.calendar.is_contact_time(ns.now)

    def next_contact_time(ns: Namespace) -> datetime:
        return ns.calendar.forward(ns.now)

    def holiday(ns: Namespace) -> str | None:
        return ns.calendar.holiday(ns.now.date())

    def advised_channels(ns: Namespace) -> tuple[str, ...]:
        """Every channel of every action advised, due now or planned: what a refusal can name instead."""
        items = advise(rs, app, ns.now, portfolio)
        return tuple(sorted({channel for a in items for channel in rs.actions[a.action].channels}))

    return {"due": due, "next_due": next_due, "contact_time": contact_time, "next_contact_time": next_contact_time,
            "holiday": holiday, "advised_channels": advised_channels}  # fmt: skip


def record_heeding(
    rs: RuleSet,
    app: Application,
    event: str,
    params: Mapping[str, Any],
    at: datetime,
    now: datetime,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    viewer: tzinfo | None = None,
    verdict: Verdict | None = None,
) -> Recorded:
    """Record ``event`` like :func:`tactful.runtime.core.record`, and keep `can` and `record`
    in agreement: an event with a ``channel`` recorded while `can` says no to that channel
    (``verdict``, judged at ``at`` unless given) draws a warning, the rule file's own or one
    that gives `can`'s reason. So an event recorded without a warning is one `can` allowed.

    Raises:
        InputError, Refused: as :func:`tactful.runtime.core.record` does.
    """
    done = record(rs, app, event, params, at, now, portfolio, viewer)
    channel = rs.events[event].channel
    if channel is None or done.warnings:
        return done
    verdict = verdict or judge(rs, app, channel, at, portfolio, viewer)
    if verdict.allowed:
        return done
    said = f"`can {channel}` said no at that moment: {verdict.reason}; it is recorded"
    return done._replace(warnings=(said,), warned_by=(verdict.rule,) if verdict.rule else ())
