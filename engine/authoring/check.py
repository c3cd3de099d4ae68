"""`tactful rules check`: what a bounded exploration of a rule set shows.

:mod:`tactful.authoring.explore` explores what a rule set can do, from new applications, as far as a
bound on its records; this module watches it and reports, each at ``file:line``: states never
reached; records in a state that is not final from which no final state can be reached;
guards (``when``, ``that`` and policy conditions) false everywhere they are used; the rule
file's invariants, with the shortest path to a record where one fails; and an expression
that fails when evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ..errors import Location, Refused, RuleError
from ..language.expr import Expression
from ..language.namespace import Namespace, Portfolio
from ..language.ruleset import CAN_PREFIX, Branch, EventSpec, RuleSet
from ..vocabulary.records import Recorded, Verdict
from .explore import Explorer, Key, Node, describe, event_label

#: How many abstract records are explored at most.
DEFAULT_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: what kind, where in the rule file, and the path that shows it."""

    kind: str  # unreachable, stuck, guard, invariant, agreement, error or limit
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
    explorer = _Checker(watched, limit)
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


class _Watched(Expression):
    """A guard that remembers whether it was ever evaluated, and ever held."""

    seen: list[bool]

    @classmethod
    def of(cls, expr: Expression) -> _Watched:
        watched = cls(*expr)
        watched.seen = [False, False]
        return watched

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
            guard = _Guard(label, where, _Watched.of(expr))
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


# -- what the exploration shows -----------------------------------------------------------


class _Checker(Explorer):
    """An exploration that checks the invariants on its way and tells what it found."""

    def __init__(self, rs: RuleSet, limit: int) -> None:
        super().__init__(rs, limit)
        self.failed: list[Finding] = []
        self.broken: set[str] = set()  # invariants already shown to fail
        self.disagree: set[tuple[str, Location | None]] = set()  # can/record disagreements reported
        self.visiting: Key | None = None

    def recorded(self, node: Node, event: str, params: Mapping[str, Any], verdict: Verdict,
                 outcome: Recorded | Refused) -> None:  # fmt: skip
        """Check that `can` and `record` agree: `can` yes means the event is recorded without a
        warning, and an event recorded without a warning means `can` said yes."""
        can = f"`can {verdict.channel}` says {'yes' if verdict.allowed else 'no'} ({verdict.reason})"
        if isinstance(outcome, Refused):
            if not verdict.allowed:
                return
            where, problem = outcome.rule, f"but recording '{event}' is refused: {outcome.reason}"
        elif verdict.allowed and outcome.warnings:
            where, problem = (
                outcome.warned_by[0] if outcome.warned_by else None,
                f"but recording '{event}' warns: {outcome.warnings[0]}",
            )
        elif not verdict.allowed and not outcome.warnings:
            where, problem = verdict.rule, f"but recording '{event}' draws no warning"
        else:
            return
        if (event, where) in self.disagree or self.visiting is None:
            return
        self.disagree.add((event, where))
        label = event_label(event, params, node.now)
        message = f"`can` and `record` disagree: {can}, {problem}"
        self.failed.append(Finding("agreement", where, message, (*self.path(self.visiting), label)))

    def visit(self, key: Key, node: Node, verdicts: Mapping[str, Verdict]) -> None:
        """Check the rule file's invariants on this record; each failure is reported once."""
        self.visiting = key
        pending = [i for i in self.rs.invariants if i.name not in self.broken and (i.paths == "all" or not node.strays)]
        if not pending:
            return
        extra = {CAN_PREFIX + channel: _answer(verdict.allowed) for channel, verdict in verdicts.items()}
        ns = Namespace(self.rs, node.app, node.now, portfolio=Portfolio(node.others), extra=extra)
        for invariant in pending:
            try:
                holds = bool(invariant.holds(ns))
                says = ns.render(invariant.says)
            except (TypeError, ValueError, KeyError, RuleError) as err:
                holds, says = False, f"it cannot be evaluated: {err}"
            if not holds:
                which = "a path that heeded the etiquette" if invariant.paths == "heeded" else "an explored path"
                message = f"invariant '{invariant.name}' does not hold on {which}: {says}"
                self.broken.add(invariant.name)
                self.failed.append(Finding("invariant", invariant.where, message, self.path(key)))

    def stumble(self, key: Key, err: Exception) -> None:
        """Report the first expression that could not be evaluated, with the path to it."""
        if not any(f.kind == "error" for f in self.failed):
            message = (f"an expression could not be evaluated on this path ({type(err).__name__}: {err}); "
                       "the exploration went no further there")  # fmt: skip
            self.failed.append(Finding("error", None, message, self.path(key)))

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
            message = f"from state '{name}' ({describe(key)}) no final state can be reached"
            yield Finding("stuck", self.rs.states[name].where, message, self.path(key))


def _answer(allowed: bool) -> Callable[[Namespace], bool]:
    return lambda _ns: allowed
