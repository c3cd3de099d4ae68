"""The bounded exploration of a rule set's records, for `tactful rules check`.

Starting from new applications (with every combination of the yes/no facts `add` takes,
such as ``no_calls`` and ``email_invited``), the explorer records every event the current
state accepts, with each choice of its parameters; lets time pass (to the pending timer, to
the next advised moment, half a day); and lets the user's other applications change (a
lower-ranked one gets an offer, another offer is accepted). Everything goes through the pure
core, nothing is stored.

Records are told apart by an abstraction: the state; the whole-number facts (capped just
above a bound: the largest whole-number setting plus two) and the yes/no facts that some
expression reads; which other applications there are; what is advised, and whether it is due;
and whether the path went against the etiquette (`can` refused the channel of an event that
has one), which a path may do at most once. One representative record is explored per
abstract record, so the exploration always ends.

:class:`Explorer` keeps the graph of abstract records and the path to each; what the
exploration shows is worked out by :mod:`tactful.authoring.check`, through :meth:`Explorer.visit` and
:meth:`Explorer.stumble`.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..errors import InputError, Refused, RuleError
from ..language.expr import Expression
from ..language.namespace import Portfolio
from ..language.ruleset import ACCEPTED, CORE_FACTS, EventSpec, RuleSet
from ..runtime import core
from ..runtime.policy import judge, record_heeding
from ..vocabulary.records import Application, Other, Recorded, Verdict
from ..vocabulary.timecalc import UTC

#: Every exploration starts from an interview on a Monday, at the end of that working day.
INTERVIEW = date(2026, 5, 4)
START = datetime(2026, 5, 4, 17, 0, tzinfo=UTC)
HALF_DAY = timedelta(hours=12)
#: How many times a path may go against the etiquette: record an event whose channel `can`
#: refuses at that moment (a third call, a call before one is due).
MAX_STRAYS = 1
_SAMPLE = object()  # a parameter given a plausible value at the moment of recording
#: What a rule expression may raise at run time (``calls_made + 'x'``); a finding, not a crash.
_EVALUATION_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, OverflowError, RuleError)


@dataclass(frozen=True, slots=True)
class Node:
    """A record being explored: the application at a moment, the user's other applications,
    and how many times its path went against the etiquette."""

    app: Application
    now: datetime
    others: tuple[Other, ...]
    strays: int  # events on the path that went against the etiquette


#: A record's abstraction, as :meth:`Explorer.abstract` makes it.
Key = tuple[Any, ...]


class Explorer:
    """Breadth-first over abstract records, from new applications, up to ``limit`` of them."""

    def __init__(self, rs: RuleSet, limit: int) -> None:
        self.rs = rs
        self.limit = limit
        ints = [v for v in rs.settings.values() if isinstance(v, int) and not isinstance(v, bool)]
        self.bound = max(ints, default=0) + 2
        exprs = _expressions(rs)
        self.used = {name for x in exprs for name in x.names} & set(rs.facts)
        texts = {c for x in exprs for c in _constants(x.code.co_consts) if isinstance(c, str)}
        self.variants = {name: _param_variants(spec, texts) for name, spec in rs.events.items()}
        self.parents: dict[Key, tuple[Key | None, str]] = {}
        self.edges: dict[Key, set[Key]] = {}
        self.expanded: set[Key] = set()
        self.reached: set[str] = set()
        self.keys: dict[tuple[Any, ...], Key] = {}
        self.complete = True

    def key(self, node: Node) -> Key:
        """What sets a record apart: its state, counters and yes/no facts, the other
        applications, the strays on its path, and what is advised (and due now)."""
        app = node.app
        concrete = (app.state, app.entered, app.next_due, tuple(app.facts.items()), node.now, node.others, node.strays)
        known = self.keys.get(concrete)
        if known is None:
            known = self.keys[concrete] = self.abstract(node)
        return known

    def abstract(self, node: Node) -> Key:
        facts = tuple(sorted((name, min(value, self.bound + 1) if type(value) is int else value)
                             for name, value in node.app.facts.items()
                             if type(value) in (int, bool) and (name in self.used or name in CORE_FACTS)))  # fmt: skip
        others = (any(o.offer for o in node.others), any(o.accepted for o in node.others))
        advised = core.advise(self.rs, node.app, node.now, Portfolio(node.others))
        return node.app.state, facts, others, node.strays, frozenset((a.action, a.start <= node.now) for a in advised)

    def run(self) -> None:
        queue: deque[tuple[Key, Node]] = deque()
        for label, node in self.roots():
            key = self.key(node)
            if key not in self.parents:
                self.parents[key] = (None, label)
                queue.append((key, node))
        while queue:
            key, node = queue.popleft()
            self.reached.add(node.app.state)
            try:
                self.expand(key, node, queue)
            except _EVALUATION_ERRORS as err:
                self.expanded.add(key)  # a record the rules cannot go on from is reported once
                self.stumble(key, err)

    def expand(self, key: Key, node: Node, queue: deque[tuple[Key, Node]]) -> None:
        verdicts = self.verdicts(node)
        self.visit(key, node, verdicts)
        if self.beyond_bound(node.app):
            return
        self.expanded.add(key)
        children = self.edges.setdefault(key, set())
        for label, child in self.moves(node, verdicts):
            child_key = self.key(child)
            children.add(child_key)
            if child_key in self.parents:
                continue
            if len(self.parents) >= self.limit:
                self.complete = False
                continue
            self.parents[child_key] = (key, label)
            queue.append((child_key, child))

    def visit(self, key: Key, node: Node, verdicts: Mapping[str, Verdict]) -> None:
        """Look at a record before its moves are explored; ``verdicts`` are `can` on every channel."""

    def recorded(self, node: Node, event: str, params: Mapping[str, Any], verdict: Verdict,
                 outcome: Recorded | Refused) -> None:  # fmt: skip
        """``event`` (which has a channel, judged ``verdict`` at that moment) was recorded on
        ``node`` with ``params``: ``outcome`` is what recording it did, or its refusal."""

    def stumble(self, key: Key, err: Exception) -> None:
        """An expression failed (``err``) while the record at ``key`` was explored; it goes no further."""

    def roots(self) -> Iterator[tuple[str, Node]]:
        flags = [name for name, kind in CORE_FACTS.items() if kind == "bool"]
        for values in itertools.product((False, True), repeat=len(flags)):
            given = {name: value for name, value in zip(flags, values, strict=True)}
            facts = {"interviewed": INTERVIEW.isoformat(), "timezone": "UTC", "rank": 1, **given}
            app, _ = core.start(self.rs, "Example", facts, START, self.rs.name)
            app, _ = core.catch_up(self.rs, app, START)
            said = ", ".join(name for name, value in given.items() if value)
            yield f"added, interviewed {INTERVIEW}" + (f", {said}" if said else ""), Node(app, START, (), 0)

    def beyond_bound(self, app: Application) -> bool:
        return any(
            isinstance(value, int) and not isinstance(value, bool) and value > self.bound
            for name, value in app.facts.items()
            if name in self.rs.facts
        )

    def verdicts(self, node: Node) -> dict[str, Verdict]:
        """`can` on every channel: the policies are used whenever someone asks."""
        portfolio = Portfolio(node.others)
        return {channel: judge(self.rs, node.app, channel, node.now, portfolio) for channel in self.rs.policies}

    def moves(self, node: Node, verdicts: Mapping[str, Verdict]) -> Iterator[tuple[str, Node]]:
        state = self.rs.states[node.app.state]
        for event, spec in self.rs.events.items():
            if event in state.on or spec.channel is not None:  # `can` may say yes to one it refuses
                yield from self.records(node, event, verdicts)
        yield from self.waits(node, Portfolio(node.others))
        yield from self.elsewhere(node)

    def records(self, node: Node, event: str, verdicts: Mapping[str, Verdict]) -> Iterator[tuple[str, Node]]:
        """Recording ``event`` on ``node``, with each choice of its parameters."""
        rs, portfolio, spec = self.rs, Portfolio(node.others), self.rs.events[event]
        verdict = verdicts[spec.channel] if spec.channel is not None else None
        strays = node.strays + (verdict is not None and not verdict.allowed)
        if strays > MAX_STRAYS:
            return
        for variant in self.variants[event]:
            params = {name: _sample(rs, spec, name, node.now) if value is _SAMPLE else value
                      for name, value in variant.items()}  # fmt: skip
            try:
                done = record_heeding(rs, node.app, event, params, node.now, node.now, portfolio, verdict=verdict)
            except InputError:
                continue
            except Refused as refused:
                if verdict is not None:
                    self.recorded(node, event, params, verdict, refused)
                continue
            if verdict is not None:
                self.recorded(node, event, params, verdict, done)
            app, _ = core.catch_up(rs, done.app, node.now, portfolio)
            said = "" if verdict is None or verdict.allowed else f" ('can {spec.channel}' said no)"
            yield event_label(event, params, node.now) + said, Node(app, node.now, node.others, strays)

    def waits(self, node: Node, portfolio: Portfolio) -> Iterator[tuple[str, Node]]:
        rs, app, now = self.rs, node.app, node.now
        moments = {}
        if app.next_due is not None:
            moments[app.next_due] = "a timer fires"
        advised = core.advise(rs, app, now, portfolio)
        later = [(m, a.action) for a in advised for m in (a.start, a.due) if m > now]
        if later:
            moment, action = min(later)
            moments.setdefault(moment, f"'{action}' comes due")
        moments.setdefault(now + HALF_DAY, "half a day passes")
        for moment, why in moments.items():
            caught, _ = core.catch_up(rs, app, moment, portfolio)
            yield f"wait until {_show(moment)} ({why})", Node(caught, moment, node.others, node.strays)

    def elsewhere(self, node: Node) -> Iterator[tuple[str, Node]]:
        app, now = node.app, node.now
        if not any(o.offer for o in node.others):
            deadline = (now + timedelta(days=7)).date().isoformat()
            offer = Other(-1, "Lower Choice", (app.facts.get("rank") or 1) + 1, True, False, now, deadline)
            yield f"a lower-ranked application gets an offer, deadline {deadline}", self.with_others(node, offer)
        if not any(o.accepted for o in node.others) and ACCEPTED not in self.rs.states[app.state].marks:
            accepted = Other(-2, "Other Co", None, False, True, now)
            yield "another application's offer is accepted", self.with_others(node, accepted)

    def with_others(self, node: Node, other: Other) -> Node:
        others = (*node.others, other)
        portfolio = Portfolio(others)
        app = core.with_timer(self.rs, node.app, portfolio)
        app, _ = core.catch_up(self.rs, app, node.now, portfolio)
        return Node(app, node.now, others, node.strays)

    def path(self, key: Key) -> tuple[str, ...]:
        steps = []
        current: Key | None = key
        while current is not None:
            parent, label = self.parents[current]
            steps.append(f"{label} -> {current[0]}")
            current = parent
        return tuple(reversed(steps))


def describe(key: Key) -> str:
    _, facts, (offer, accepted), _, _ = key
    parts = [f"{name}={value}" for name, value in facts if type(value) is int and name not in CORE_FACTS]
    parts += [name for name, value in facts if value is True]
    parts += ["a lower-ranked offer"] * offer + ["another offer accepted"] * accepted
    return ", ".join(parts) or "no facts"


def _param_variants(spec: EventSpec, texts: set[str]) -> list[dict[str, Any]]:
    """Each choice of each parameter with choices, and the others all given or all not.

    Choices no expression names behave alike, so one of them stands for all.
    """
    chosen = []
    for p in (p for p in spec.params.values() if p.choices):
        unnamed = [c for c in p.choices if c not in texts][:1]
        chosen.append([(p.name, v) for v in (None, *(c for c in p.choices if c in texts), *unnamed)])
    sampled = [p.name for p in spec.params.values() if not p.choices]
    given = [dict.fromkeys(sampled), dict.fromkeys(sampled, _SAMPLE)] if sampled else [{}]
    return [{**dict(combo), **extra} for combo in itertools.product(*chosen) for extra in given]


def _constants(values: tuple[Any, ...]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, tuple):
            yield from _constants(value)
        else:
            yield value


def _expressions(rs: RuleSet) -> list[Expression]:
    """Every expression of ``rs`` (sentences are not expressions)."""
    exprs: list[Any] = [*rs.derived.values(), *(i.holds for i in rs.invariants)]
    for state in rs.states.values():
        exprs += [x for a in state.advises for x in (a.due, a.start, a.by, a.when)]
        exprs += [t.at for t in state.timers]
        exprs += [b.when for bs in (*state.on.values(), *(t.branches for t in state.timers)) for b in bs]
    exprs += [i.when for a in rs.actions.values() for i in a.instead]
    for event in rs.events.values():
        exprs += [c.when for c in (*event.require, *event.refuse, *event.warn)] + [x for _, x in event.sets]
    exprs += [x for p in rs.policies.values() for r in p.rules for x in (r.when, r.until)]
    return [x for x in exprs if x is not None]


def _sample(rs: RuleSet, spec: EventSpec, name: str, now: datetime) -> Any:
    kind = spec.params[name].type
    if kind == "datetime":
        return rs.calendar.forward(now + timedelta(days=1))
    if kind == "date":
        return (now + timedelta(days=7)).date()
    return "something happened"


def event_label(event: str, params: Mapping[str, Any], now: datetime) -> str:
    given = ", ".join(f"{k}={_show(v)}" for k, v in params.items() if v is not None)
    return f"{_show(now)}: {event}" + (f" ({given})" if given else "")


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
