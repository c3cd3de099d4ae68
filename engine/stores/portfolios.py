"""The user's other applications, as the rules that look across applications see them: an
offer standing elsewhere, an accepted one, a higher-ranked application still pending.

A portfolio is loaded only when a rule asks about the others, and once per rule set for a
pass over many applications.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..language.namespace import Portfolio
from ..language.ruleset import ACCEPTED, MARKS, OFFER, RuleSet
from ..vocabulary.records import Application, Other
from .store import Store

#: Gives the rule set an application runs under (the engine's ``rules_for``).
RulesFor = Callable[[Application], RuleSet]


def others(store: Store, rules_for: RulesFor, rs: RuleSet) -> list[Other]:
    """The applications standing in a marked state (an offer, an accepted offer) under ``rs``'s marks."""
    marked = {s.name for s in rs.states.values() if s.marks & set(MARKS)}
    found = []
    for other in store.in_states(marked):
        marks = rules_for(other).states[other.state].marks
        found.append(Other(other.id or 0, other.company, other.facts.get("rank"), OFFER in marks,
                           ACCEPTED in marks, other.entered, other.facts.get("offer_deadline")))  # fmt: skip
    return found


class Portfolios:
    """Portfolios for one pass over many applications: one per rule set, each loaded once."""

    def __init__(self, store: Store, rules_for: RulesFor) -> None:
        self._store, self._rules_for = store, rules_for
        self._made: dict[str, Portfolio] = {}

    def __call__(self, rs: RuleSet) -> Portfolio:
        made = self._made.get(rs.hash)
        if made is None:
            made = self._made[rs.hash] = Portfolio(lambda: others(self._store, self._rules_for, rs))
        return made

    def with_pending(self, found: Iterable[Application], rule_sets: Iterable[RuleSet]) -> list[Application]:
        """``found``, and, under each rule set of ``rule_sets`` whose portfolio holds an offer or
        an accepted one, every pending application (what it advises follows the others), by id."""
        by_id = {app.id: app for app in found}
        for rs in rule_sets:
            if self(rs).others:
                pending = [s.name for s in rs.states.values() if not s.final]
                by_id.update((app.id, app) for app in self._store.in_states(pending) if app.id not in by_id)
        return [by_id[k] for k in sorted(by_id)]
