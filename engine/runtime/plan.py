"""Plans: the timeline ahead of an application if nobody answers, simulated in memory.

Starting from a record, the plan repeatedly takes what comes first: the earliest advised
action the job seeker can do (recorded through the pure core as they would record it, with
every call going unanswered) or the pending timer (fired through :func:`core.catch_up`),
until the application reaches a final state or nothing more happens. Nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..errors import InputError, Refused
from ..language.namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from ..language.ruleset import RuleSet
from ..vocabulary.records import Advised, Application
from ..vocabulary.timecalc import zone
from . import core

#: How the plan assumes each advised action is done when nobody answers: the event it is
#: recorded with, and that event's options. Actions not named here (moving on, deciding on
#: an offer) are listed but not done; their state's timers move the plan along.
NOBODY_ANSWERS: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "send_thank_you": ("thank_you_sent", {}),
    "call": ("called", {"outcome": "no_answer"}),
    "call_again": ("called", {"outcome": "no_answer"}),
    "callback": ("called", {"outcome": "no_answer"}),
    "send_note": ("note_sent", {}),
    "send_email": ("emailed", {}),
}
#: A plan longer than this means the rules loop; it stops there.
MAX_PLAN_STEPS = 200


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One step of a plan: an advised action, or a timer moving the application on.

    ``state`` is where the application stands when the step is due (for a timer, the state
    it moves to); ``event`` is what the plan assumes the job seeker records for an action
    (None: listed, not done).
    """

    kind: str
    due: datetime
    state: str
    action: str | None
    reason: str
    optional: bool = False
    event: str | None = None


def hypothetical(rs: RuleSet, facts: Mapping[str, Any], rules: str, company: str = "(hypothetical)") -> Application:
    """A new application under ``rs``, as `add` would start it, without storing it.

    ``facts`` are checked ones (see :func:`tactful.runtime.facts.normalize`), with ``interviewed``.
    """
    tz = zone(str(facts.get("timezone") or "UTC"))
    interview = rs.calendar.at_start(date.fromisoformat(str(facts["interviewed"])), tz)
    return core.start(rs, company, facts, interview, rules)[0]


def plan(
    rs: RuleSet,
    app: Application,
    now: datetime,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    assume: Mapping[str, tuple[str, Mapping[str, Any]]] = NOBODY_ANSWERS,
) -> list[PlanStep]:
    """Every step ahead of ``app`` from ``now`` if nobody answers, soonest first."""
    return _Simulation(rs, portfolio, assume).run(app, now)


class _Simulation:
    """One plan in the making: the steps so far and the advice of the current state."""

    def __init__(self, rs: RuleSet, portfolio: Portfolio, assume: Mapping[str, tuple[str, Mapping[str, Any]]]) -> None:
        self.rs = rs
        self.portfolio = portfolio
        self.assume = assume
        self.steps: list[PlanStep] = []
        self.pending: dict[tuple[str, datetime], PlanStep] = {}
        self.listed: set[tuple[str, datetime]] = set()
        self.skipped: set[tuple[str, datetime]] = set()

    def run(self, app: Application, now: datetime) -> list[PlanStep]:
        app, _ = core.catch_up(self.rs, app, now, self.portfolio, preview=True)
        moment = now
        here = self.enter(app, moment)
        for _ in range(MAX_PLAN_STEPS):
            if self.rs.states[app.state].final:
                break
            done = self.do_next(app, here, moment)
            if done is None:
                break
            app, moment, here = done
        for step in self.pending.values():
            self.emit(step)
        return sorted(self.steps, key=lambda s: s.due.timestamp())

    def enter(self, app: Application, moment: datetime) -> list[Advised]:
        """The state's advice; what the previous state advised, was due by now and is not
        advised again is listed as the previous state's."""
        here = core.advise_here(self.rs, app, moment, self.portfolio)
        keys = {(a.action, a.due) for a in here}
        for key, step in self.pending.items():
            if key not in keys and step.due <= moment:
                self.emit(step)
        self.pending = {(a.action, a.due): PlanStep("action", a.due, app.state, a.action, a.reason, a.optional)
                        for a in here}  # fmt: skip
        return here

    def emit(self, step: PlanStep) -> None:
        key = (step.action or "", step.due)
        if step.kind == "timer" or key not in self.listed:
            self.listed.add(key)
            self.steps.append(step)

    def do_next(
        self, app: Application, here: list[Advised], moment: datetime
    ) -> tuple[Application, datetime, list[Advised]] | None:
        """Do the first advised action due before the timer, else fire the timer."""
        todo = sorted((a for a in here if self.doable(a)), key=lambda a: a.due.timestamp())
        timer_at = app.next_due
        for item in todo:
            when = self.when(app, item, moment)
            if timer_at is not None and when >= timer_at:
                break
            done = self.record(app, item, when)
            if done is not None:
                return done, when, self.enter(done, when)
        if timer_at is None:
            return None
        fired, entries = core.catch_up(self.rs, app, max(timer_at, moment), self.portfolio, preview=True)
        if not entries:
            return None
        moment = max(timer_at, moment)
        here = self.enter(fired, moment)
        for entry in entries:
            state = self.rs.states[entry.target]
            reason = Namespace(self.rs, fired, entry.at, portfolio=self.portfolio).render(state.describe)
            self.emit(PlanStep("timer", entry.at, entry.target, None, reason))
        return fired, moment, here

    def doable(self, item: Advised) -> bool:
        return not item.optional and item.action in self.assume and (item.action, item.due) not in self.skipped

    def when(self, app: Application, item: Advised, moment: datetime) -> datetime:
        """When the plan does ``item``: when it is due, or at the next contact time if overdue."""
        if item.due >= moment:
            return item.due
        if not self.rs.actions[item.action].moves:
            return moment
        name = str(app.facts.get("timezone") or "UTC")
        return self.rs.calendar.for_zone(name).forward(moment.astimezone(zone(name)))

    def record(self, app: Application, item: Advised, when: datetime) -> Application | None:
        """``app`` once ``item`` is done at ``when``; None when the rules will not record it."""
        event, params = self.assume[item.action]
        key = (item.action, item.due)
        try:
            done = core.record(self.rs, app, event, params, when, when, self.portfolio)
        except (Refused, InputError):
            self.skipped.add(key)
            return None
        step = self.pending.pop(key, None) or PlanStep("action", when, app.state, item.action, item.reason)
        self.emit(replace(step, due=when, event=event))
        return core.catch_up(self.rs, done.app, when, self.portfolio, preview=True)[0]
