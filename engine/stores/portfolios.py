"""A candidate's other applications, as the rules that look across applications see them: an
offer standing elsewhere, an accepted one, a higher-ranked application still pending.

A portfolio holds one candidate's applications only: another job seeker's offer is none of
theirs. It is loaded only when a rule asks about the others, and once per candidate and rule
set for a pass over many applications; a tick loads those of a whole batch's candidates in
one look-up (:meth:`Portfolios.preload`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable

from ..language.namespace import EMPTY_PORTFOLIO, Portfolio
from ..language.ruleset import ACCEPTED, MARKS, OFFER, RuleSet
from ..vocabulary.records import Application, Other
from .store import Store

#: Gives the rule set an application runs under (the engine's ``rules_for``).
RulesFor = Callable[[Application], RuleSet]


def marked_states(rs: RuleSet) -> set[str]:
    """The states of ``rs`` that mark an offer or an accepted one."""
    return {s.name for s in rs.states.values() if s.marks & set(MARKS)}


def _other(other: Application, rules_for: RulesFor) -> Other:
    marks = rules_for(other).states[other.state].marks
    return Other(other.id or 0, other.company, other.facts.get("rank"), OFFER in marks, ACCEPTED in marks,
                 other.entered, other.facts.get("offer_deadline"))  # fmt: skip


def others(store: Store, rules_for: RulesFor, rs: RuleSet, candidate: str) -> list[Other]:
    """``candidate``'s applications standing in a marked state (an offer, an accepted offer)
    under ``rs``'s marks."""
    return [_other(app, rules_for) for app in store.in_states(marked_states(rs), [candidate])]


class Portfolios:
    """Portfolios for one pass over many applications: one per candidate and rule set, each
    loaded once. A pass for one candidate (the engine's) gives ``candidate``; a tick, which
    serves every candidate, asks for each application's own."""

    def __init__(self, store: Store, rules_for: RulesFor, candidate: str = "") -> None:
        self._store, self._rules_for, self.candidate = store, rules_for, candidate
        self._made: dict[tuple[str, str], Portfolio] = {}
        #: The candidates of the tick's batch these were made for.
        self.served: set[str] = set()

    def __call__(self, rs: RuleSet, candidate: str | None = None) -> Portfolio:
        who = self.candidate if candidate is None else candidate
        made = self._made.get((who, rs.hash))
        if made is None:
            made = self._made[(who, rs.hash)] = Portfolio(lambda: others(self._store, self._rules_for, rs, who))
        return made

    def preload(self, rule_sets: Iterable[RuleSet], candidates: Collection[str]) -> None:
        """Load the portfolios of ``candidates`` under each of ``rule_sets`` in one look-up of
        the store (a tick's batch), rather than one per candidate as rules ask."""
        sets = {rs.hash: rs for rs in rule_sets}
        if not sets or not candidates:
            return
        by_rs = {h: marked_states(rs) for h, rs in sets.items()}
        found: dict[str, list[Application]] = {}
        for app in self._store.in_states(set().union(*by_rs.values()), candidates):
            found.setdefault(app.candidate, []).append(app)
        for h, states in by_rs.items():
            for who in candidates:
                mine = found.get(who)
                theirs = [_other(a, self._rules_for) for a in mine if a.state in states] if mine else None
                # Most candidates of a batch have no offer: they share one empty portfolio.
                self._made.setdefault((who, h), Portfolio(theirs) if theirs else EMPTY_PORTFOLIO)

    def with_pending(self, found: Iterable[Application], rule_sets: Iterable[RuleSet]) -> list[Application]:
        """``found``, and, under each rule set of ``rule_sets`` whose portfolio holds an offer or
        an accepted one, every pending application of the candidate (what it advises follows
        the others), by id."""
        by_id = {app.id: app for app in found}
        for rs in rule_sets:
            if self(rs).others:
                pending = [s.name for s in rs.states.values() if not s.final]
                for app in self._store.in_states(pending, [self.candidate]):
                    by_id.setdefault(app.id, app)
        return [by_id[k] for k in sorted(by_id)]


class Marked:
    """Whether a tick's batch touched what a portfolio holds: an application that was or is
    in a state that marks an offer or an accepted one."""

    def __init__(self) -> None:
        self.touched = False
        self._marked: dict[str, set[str]] = {}

    def see(self, rs: RuleSet, before: Application, after: Application) -> None:
        states = self._marked.get(rs.hash)
        if states is None:
            states = self._marked[rs.hash] = marked_states(rs)
        if before.state in states or after.state in states:
            self.touched = True


def unseen_writes(store: Store) -> Callable[[], bool]:
    """Tells, each time it is called, whether others wrote to ``store`` since the last call;
    always yes on a store that cannot tell (all but SQLite's)."""
    version: Callable[[], int] | None = getattr(store, "data_version", None)
    if version is None:
        return lambda: True
    seen = [version()]

    def since() -> bool:
        now = version()
        wrote, seen[0] = now != seen[0], now
        return wrote

    return since
