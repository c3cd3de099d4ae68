"""`why`: the advice and the may-I answers of one application, with the steps that made them.

The trace is what :func:`~tactful.runtime.core.advise` and
:func:`~tactful.runtime.policy.judge` recorded while they worked the answer out (see
:mod:`tactful.language.tracing`): the answer it carries is theirs, not worked out again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any, NamedTuple

from ..errors import InputError
from ..language.namespace import EMPTY_PORTFOLIO, Portfolio
from ..language.ruleset import RuleSet
from ..language.tracing import Read, Recorder, Step
from ..vocabulary.records import Advised, Application, LogEntry, Verdict
from .core import advise, catch_up
from .policy import judge


class Change(NamedTuple):
    """When an answer changes next, and why."""

    at: datetime
    because: str


class Trace(NamedTuple):
    """An application's advice (and perhaps one may-I answer) as of ``now``, with its steps."""

    app: Application
    now: datetime
    history: tuple[LogEntry, ...]
    advised: tuple[Advised, ...]
    advice_steps: tuple[Step, ...]
    action: str | None = None
    channel: str | None = None
    verdict: Verdict | None = None
    policy_steps: tuple[Step, ...] = ()
    next_change: Change | None = None
    #: The rule set's sources by key, for the citations in the steps.
    sources: Mapping[str, Any] = {}


def targets(rs: RuleSet, name: str | None) -> tuple[str | None, str | None]:
    """``(action, channel)`` that ``name`` asks about: an action, a channel, or both (``call``).

    Raises:
        InputError: when ``name`` is neither.
    """
    if name is None:
        return None, None
    name = name.replace("-", "_")
    action = name if name in rs.actions else None
    channel = name if name in rs.policies else None
    if action is None and channel is None:
        raise InputError(f"unknown action or channel '{name}'; actions: {', '.join(rs.actions)}; "
                         f"channels: {', '.join(rs.policies)}")  # fmt: skip
    return action, channel


def explain(
    rs: RuleSet,
    stored: Application,
    history: Sequence[LogEntry],
    now: datetime,
    name: str | None = None,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    viewer: tzinfo | None = None,
) -> Trace:
    """The trace of ``stored``'s advice as of ``now`` (its timers due by then fired), and of
    the may-I answer for ``name`` when it is a channel.

    Raises:
        InputError: when ``name`` is neither an action nor a channel of the rule set.
    """
    action, channel = targets(rs, name)
    app, fired = catch_up(rs, stored, now, portfolio, preview=True)
    recorder = Recorder()
    advised = advise(rs, app, now, portfolio, viewer, recorder)
    verdict: Verdict | None = None
    policy_steps: tuple[Step, ...] = ()
    if channel is not None:
        asked = Recorder()
        verdict = judge(rs, app, channel, now, portfolio, viewer, asked)
        policy_steps = tuple(asked.steps)
    steps = tuple(recorder.steps)
    trace = Trace(app, now, (*history, *fired), tuple(advised), steps, action, channel, verdict, policy_steps,
                  sources=rs.sources)  # fmt: skip
    return trace._replace(next_change=next_change(trace))


def next_change(trace: Trace) -> Change | None:
    """The next moment the answer asked about may change: for a may-I answer, when a denial
    turns to yes or is asked again, or a moment its rules compared with the time; for advice,
    an advised action coming due, the pending timer, or a moment a guard compared with the time."""
    if trace.verdict is not None:
        found = _policy_changes(trace)
        if found:
            return min(found, key=lambda c: c.at)
    now, found = trace.now, []
    for item in trace.advised:
        if trace.action in (None, item.action):
            for moment, what in ((item.start, "comes due"), (item.due, "is due at the latest")):
                if moment > now:
                    found.append(Change(moment, f"{item.action} {what}"))
    if trace.app.next_due is not None and trace.app.next_due > now:
        found.append(Change(trace.app.next_due, f"the timer of state {trace.app.state} fires"))
    found += _guard_changes((s for s in trace.advice_steps if trace.action in (None, s.subject)), now)
    return min(found, key=lambda c: c.at) if found else None


def _policy_changes(trace: Trace) -> list[Change]:
    verdict, now = trace.verdict, trace.now
    found: list[Change] = []
    if verdict is not None and not verdict.allowed and verdict.allowed_from:
        found.append(Change(verdict.allowed_from, f"`can {trace.channel}` turns to yes"))
    for step in trace.policy_steps:
        if step.what == "until" and isinstance(step.value, datetime) and step.value > now:
            found.append(Change(step.value, f"the rule at {_short(step)} asks again then"))
    return found + _guard_changes(iter(trace.policy_steps), now)


def _guard_changes(steps: Iterable[Step], now: datetime | None = None) -> list[Change]:
    found = []
    for step in steps:
        if step.what in ("when", "allow", "deny", "instead", "branch"):
            moment = _later_moment(step.reads, now) if now is not None else None
            if moment is not None:
                found.append(Change(moment, f"the guard at {_short(step)} ({step.source}) reads that moment"))
    return found


def _later_moment(reads: Sequence[Read], now: datetime) -> datetime | None:
    moments = [r.value for r in _flat(reads) if isinstance(r.value, datetime) and r.value > now]
    return min(moments) if moments else None


def _flat(reads: Sequence[Read]) -> list[Read]:
    out: list[Read] = []
    for read in reads:
        out.append(read)
        out.extend(_flat(read.reads))
    return out


def _short(step: Step) -> str:
    return step.where.short if step.where else "?"


def answer_of(steps: Sequence[Step]) -> Any:
    """The verdict a policy trace ended with (its last ``answer`` step), or None."""
    answers = [s.value for s in steps if s.what == "answer"]
    return answers[0] if answers else None
