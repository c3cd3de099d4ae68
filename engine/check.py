"""`tactful rules check`: a bounded exploration of what a rule set can do.

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

What it reports, each at ``file:line``: states never reached; records in a state that is not
final from which no final state can be reached; guards (``when``, ``that`` and policy
conditions) false everywhere they are used; the rule file's invariants, with the shortest
path to a record where one fails; and an expression that fails when evaluated.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from . import core
from .errors import InputError, Location, Refused
from .expr import Expression
from .namespace import Namespace, Portfolio
from .policy import judge
from .records import Application, Other, Verdict
from .ruleset import CAN_PREFIX, CORE_FACTS, Branch, EventSpec, RuleSet
from .timecalc import UTC

#: Every exploration starts from an interview on a Monday, at the end of that working day.
INTERVIEW = date(2026, 5, 4)
START = datetime(2026, 5, 4, 17, 0, tzinfo=UTC)
#: How many abstract records are explored at most.
DEFAULT_LIMIT = 50_000
HALF_DAY = timedelta(hours=12)
#: How many times a path may go against the etiquette: record an event whose channel `can`
#: refuses at that moment (a third call, a call before one is due).
MAX_STRAYS = 1
_SAMPLE = object()  # a parameter given a plausible value at the moment of recording
#: What a rule expression may raise at run time (``calls_made + 'x'``); a finding, not a crash.
_EVALUATION_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, OverflowError)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: what kind, where in the rule file, and the path that shows it."""

    kind: str  # unreachable, stuck, guard, invariant, error or limit
    where: Location | None
    message: str
    path: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.where.short}: {self.message}" if self.where else self.message


@dataclass(frozen=True, slots=True)
class Report:
    """What an exploration found, and how far it went."""

    rules: str
    findings: tuple[Finding, ...]
    explored: int
    reached: tuple[str, ...]
    invariants: int
    guards: int
    complete: bool

    @property
    def ok(self) -> bool:
        return not self.findings


def check_rules(rs: RuleSet, limit: int = DEFAULT_LIMIT) -> Report:
    """Explore ``rs`` up to ``limit`` abstract records and report what does not hold."""
    watcher = _Watcher()
    watched = watcher.watch(rs)
    explorer = _Explorer(watched, limit)
    explorer.run()
    findings = [*explorer.unreachable(), *explorer.stuck(), *watcher.findings(explorer.reached), *explorer.failed]
    if any(f.kind == "error" for f in findings):
        findings = [f for f in findings if f.kind in ("error", "invariant")]  # the rest follows from the error
    if not explorer.complete:
        findings.append(Finding("limit", None, f"the exploration stopped after {limit} records; "
                                               "reachability findings may be incomplete"))  # fmt: skip
    findings.sort(key=lambda f: (f.where.path, f.where.line) if f.where else ("", 0))
    return Report(rs.name, tuple(findings), len(explorer.parents), tuple(s for s in rs.states if s in explorer.reached),
                  len(rs.invariants), len(watcher.guards), explorer.complete)  # fmt: skip


# -- guards that remember how they were used ---------------------------------------------


@dataclass(frozen=True, slots=True)
class _Watched(Expression):
    """A guard that remembers whether it was ever evaluated, and ever held."""

    seen: list[bool] = field(default_factory=lambda: [False, False])

    def __call__(self, namespace: Mapping[str, Any]) -> Any:
        value = Expression.__call__(self, namespace)
        self.seen[0] = True
        if value:
            self.seen[1] = True
        return value


@dataclass
class _Guard:
    label: str
    where: Location
    watched: _Watched
    states: set[str] = field(default_factory=set)


class _Watcher:
    """Makes a copy of a rule set whose every guard reports how it was used."""

    def __init__(self) -> None:
        self.guards: dict[int, _Guard] = {}

    def wrap(self, expr: Expression, where: Location, label: str, state: str | None = None) -> Expression:
        guard = self.guards.get(id(expr))
        if guard is None:
            guard = _Guard(label, where, _Watched(expr.source, expr.names, expr.code, expr.scope))
            self.guards[id(expr)] = guard
        if state is not None:
            guard.states.add(state)
        return guard.watched

    def maybe(self, expr: Expression | None, where: Location, label: str, state: str | None = None) -> Any:
        return None if expr is None else self.wrap(expr, where, label, state)

    def branches(self, branches: tuple[Branch, ...], label: str, state: str) -> tuple[Branch, ...]:
        return tuple(b._replace(when=self.maybe(b.when, b.where, label, state)) for b in branches)

    def watch(self, rs: RuleSet) -> RuleSet:
        states = {}
        for s in rs.states.values():
            on = {e: self.branches(bs, f"a branch of '{e}'", s.name) for e, bs in s.on.items()}
            timers = tuple(t._replace(branches=self.branches(t.branches, "a timer's branch", s.name)) for t in s.timers)
            advises = tuple(a._replace(when=self.maybe(a.when, a.where, f"the advice '{a.action}'", s.name))
                            for a in s.advises)  # fmt: skip
            states[s.name] = s._replace(on=MappingProxyType(on), timers=timers, advises=advises)
        actions = {
            n: a._replace(
                instead=tuple(i._replace(when=self.wrap(i.when, i.where, f"'instead' of '{n}'")) for i in a.instead)
            )  # fmt: skip
            for n, a in rs.actions.items()
        }
        events = {n: self.event(e) for n, e in rs.events.items()}
        policies = {
            c: p._replace(
                rules=tuple(r._replace(when=self.wrap(r.when, r.where, f"a rule of policy '{c}'")) for r in p.rules)
            )  # fmt: skip
            for c, p in rs.policies.items()
        }
        return replace(rs, states=MappingProxyType(states), actions=MappingProxyType(actions),
                       events=MappingProxyType(events), policies=MappingProxyType(policies))  # fmt: skip

    def event(self, spec: EventSpec) -> EventSpec:
        def checks(kind: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(c._replace(when=self.wrap(c.when, c.where, f"a '{kind}' of '{spec.name}'")) for c in items)

        return spec._replace(require=checks("require", spec.require), refuse=checks("refuse", spec.refuse),
                             warn=checks("warn", spec.warn))  # fmt: skip

    def findings(self, reached: set[str]) -> Iterator[Finding]:
        for guard in self.guards.values():
            if guard.watched.seen[1] or (guard.states and not guard.states & reached):
                continue  # held somewhere, or only in states reported as never reached
            how = "false everywhere it is used" if guard.watched.seen[0] else "never evaluated on any explored path"
            yield Finding("guard", guard.where, f"the guard `{guard.watched.source}` ({guard.label}) is {how}")


# -- the exploration ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Node:
    app: Application
    now: datetime
    others: tuple[Other, ...]
    strays: int  # events on the path that went against the etiquette


Key = tuple[Any, ...]


class _Explorer:
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
        self.failed: list[Finding] = []
        self.broken: set[str] = set()  # invariants already shown to fail
        self.keys: dict[tuple[Any, ...], Key] = {}
        self.complete = True

    def key(self, node: _Node) -> Key:
        """What sets a record apart: its state, counters and yes/no facts, the other
        applications, the strays on its path, and what is advised (and due now)."""
        app = node.app
        concrete = (app.state, app.entered, app.next_due, tuple(app.facts.items()), node.now, node.others, node.strays)
        known = self.keys.get(concrete)
        if known is None:
            known = self.keys[concrete] = self.abstract(node)
        return known

    def abstract(self, node: _Node) -> Key:
        facts = tuple(sorted((name, min(value, self.bound + 1) if type(value) is int else value)
                             for name, value in node.app.facts.items()
                             if type(value) in (int, bool) and (name in self.used or name in CORE_FACTS)))  # fmt: skip
        others = (any(o.offer for o in node.others), any(o.accepted for o in node.others))
        advised = core.advise(self.rs, node.app, node.now, Portfolio(node.others))
        return node.app.state, facts, others, node.strays, frozenset((a.action, a.start <= node.now) for a in advised)

    def run(self) -> None:
        queue: deque[tuple[Key, _Node]] = deque()
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
                if not any(f.kind == "error" for f in self.failed):
                    message = (f"an expression could not be evaluated on this path ({type(err).__name__}: {err}); "
                               "the exploration went no further there")  # fmt: skip
                    self.failed.append(Finding("error", None, message, self.path(key)))

    def expand(self, key: Key, node: _Node, queue: deque[tuple[Key, _Node]]) -> None:
        verdicts = self.verdicts(node)
        self.check_invariants(key, node, verdicts)
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

    def roots(self) -> Iterator[tuple[str, _Node]]:
        flags = [name for name, kind in CORE_FACTS.items() if kind == "bool"]
        for values in itertools.product((False, True), repeat=len(flags)):
            given = {name: value for name, value in zip(flags, values, strict=True)}
            facts = {"interviewed": INTERVIEW.isoformat(), "timezone": "UTC", "rank": 1, **given}
            app, _ = core.start(self.rs, "Example", facts, START, self.rs.name)
            app, _ = core.catch_up(self.rs, app, START)
            said = ", ".join(name for name, value in given.items() if value)
            yield f"added, interviewed {INTERVIEW}" + (f", {said}" if said else ""), _Node(app, START, (), 0)

    def beyond_bound(self, app: Application) -> bool:
        return any(
            isinstance(value, int) and not isinstance(value, bool) and value > self.bound
            for name, value in app.facts.items()
            if name in self.rs.facts
        )

    def verdicts(self, node: _Node) -> dict[str, Verdict]:
        """`can` on every channel: the policies are used whenever someone asks."""
        portfolio = Portfolio(node.others)
        return {channel: judge(self.rs, node.app, channel, node.now, portfolio) for channel in self.rs.policies}

    def moves(self, node: _Node, verdicts: Mapping[str, Verdict]) -> Iterator[tuple[str, _Node]]:
        rs, portfolio = self.rs, Portfolio(node.others)
        state = rs.states[node.app.state]
        for event in (e for e in rs.events if e in state.on):
            spec = rs.events[event]
            allowed = spec.channel is None or verdicts[spec.channel].allowed
            strays = node.strays + (not allowed)
            if strays > MAX_STRAYS:
                continue
            for variant in self.variants[event]:
                params = {name: _sample(rs, spec, name, node.now) if value is _SAMPLE else value
                          for name, value in variant.items()}  # fmt: skip
                try:
                    done = core.record(rs, node.app, event, params, node.now, node.now, portfolio)
                except (InputError, Refused):
                    continue
                app, _ = core.catch_up(rs, done.app, node.now, portfolio)
                label = _event_label(event, params, node.now) + ("" if allowed else f" ('can {spec.channel}' said no)")
                yield label, _Node(app, node.now, node.others, strays)
        yield from self.waits(node, portfolio)
        yield from self.elsewhere(node)

    def waits(self, node: _Node, portfolio: Portfolio) -> Iterator[tuple[str, _Node]]:
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
            yield f"wait until {_show(moment)} ({why})", _Node(caught, moment, node.others, node.strays)

    def elsewhere(self, node: _Node) -> Iterator[tuple[str, _Node]]:
        app, now = node.app, node.now
        if not any(o.offer for o in node.others):
            deadline = (now + timedelta(days=7)).date().isoformat()
            offer = Other(-1, "Lower Choice", (app.facts.get("rank") or 1) + 1, True, False, now, deadline)
            yield f"a lower-ranked application gets an offer, deadline {deadline}", self.with_others(node, offer)
        if not any(o.accepted for o in node.others) and "accepted" not in self.rs.states[app.state].marks:
            accepted = Other(-2, "Other Co", None, False, True, now)
            yield "another application's offer is accepted", self.with_others(node, accepted)

    def with_others(self, node: _Node, other: Other) -> _Node:
        others = (*node.others, other)
        portfolio = Portfolio(others)
        app = core.with_timer(self.rs, node.app, portfolio)
        app, _ = core.catch_up(self.rs, app, node.now, portfolio)
        return _Node(app, node.now, others, node.strays)

    # -- what the exploration shows ------------------------------------------------------

    def check_invariants(self, key: Key, node: _Node, verdicts: Mapping[str, Verdict]) -> None:
        pending = [i for i in self.rs.invariants if i.name not in self.broken and (i.paths == "all" or not node.strays)]
        if not pending:
            return
        extra = {CAN_PREFIX + channel: _answer(verdict.allowed) for channel, verdict in verdicts.items()}
        ns = Namespace(self.rs, node.app, node.now, portfolio=Portfolio(node.others), extra=extra)
        for invariant in pending:
            try:
                holds = bool(invariant.holds(ns))
                says = ns.render(invariant.says)
            except (TypeError, ValueError, KeyError) as err:
                holds, says = False, f"it cannot be evaluated: {err}"
            if not holds:
                which = "a path that heeded the etiquette" if invariant.paths == "heeded" else "an explored path"
                message = f"invariant '{invariant.name}' does not hold on {which}: {says}"
                self.broken.add(invariant.name)
                self.failed.append(Finding("invariant", invariant.where, message, self.path(key)))

    def path(self, key: Key) -> tuple[str, ...]:
        steps = []
        current: Key | None = key
        while current is not None:
            parent, label = self.parents[current]
            steps.append(f"{label} -> {current[0]}")
            current = parent
        return tuple(reversed(steps))

    def unreachable(self) -> Iterator[Finding]:
        for state in self.rs.states.values():
            if state.name not in self.reached:
                yield Finding("unreachable", state.where, f"state '{state.name}' is never reached on any explored path")

    def stuck(self) -> Iterator[Finding]:
        seen = set(self.parents).union(*self.edges.values())
        # a record not explored further (beyond the bound, or the limit) might still finish
        can_finish = {k for k in seen if k not in self.expanded or self.rs.states[k[0]].final}
        into: dict[Key, list[Key]] = {}
        for source, targets in self.edges.items():
            for target in targets:
                into.setdefault(target, []).append(source)
        todo = list(can_finish)
        while todo:
            for source in into.get(todo.pop(), ()):
                if source not in can_finish:
                    can_finish.add(source)
                    todo.append(source)
        reported = set()
        for key in self.parents:  # in the order found: the shortest path first
            name = key[0]
            if key in can_finish or name in reported:
                continue
            reported.add(name)
            message = f"from state '{name}' ({_describe(key)}) no final state can be reached"
            yield Finding("stuck", self.rs.states[name].where, message, self.path(key))


def _answer(allowed: bool) -> Callable[[Namespace], bool]:
    return lambda _ns: allowed


def _describe(key: Key) -> str:
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


def _event_label(event: str, params: Mapping[str, Any], now: datetime) -> str:
    given = ", ".join(f"{k}={_show(v)}" for k, v in params.items() if v is not None)
    return f"{_show(now)}: {event}" + (f" ({given})" if given else "")


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
