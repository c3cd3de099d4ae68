"""`rules check --strict-sources`: every number of a rule set that cites no source.

A number is a setting's value (a duration, a count, contact hours) or a literal in an advice
entry's, a timer's, a branch's or a policy rule's expressions. It is cited when the setting's
``settings: source:`` entry (in the file that set it) or the entry's own ``source:`` names a
source; ``ours`` counts, and says the number is tactful's own choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import Location
from ..language.ruleset import RuleSet
from ..language.settings import DURATIONS
from ..language.yamltree import YMap
from .check import Finding, Report

_NUMBER = re.compile(r"(?<![\w'\"])\d")
#: The settings that hold numbers (the others name days or a country).
NUMBER_SETTINGS = (*DURATIONS, "max_calls", "contact_hours")


def uncited(rs: RuleSet) -> list[Finding]:
    """A finding for each number of ``rs`` that cites nothing, in file order."""
    found: dict[Location, Finding] = {}
    tree = rs.tree.get("settings")
    settings = tree if isinstance(tree, YMap) else YMap(Location("", 0, 0))
    for name in NUMBER_SETTINGS:
        if settings.get(name) is not None and name not in rs.cited:
            where = settings.where(name)
            found[where] = Finding("source", where, f"setting {name} ({settings[name]}) cites no source; "
                                   f"name one under settings: source: (or ours, for a number of our own)")  # fmt: skip
    for where, what in _entries(rs):
        found.setdefault(where, Finding("source", where, f"{what} has a number and cites no source; add source: KEY"))
    return sorted(found.values(), key=lambda f: (f.where.path, f.where.line) if f.where else ("", 0))


def _entries(rs: RuleSet) -> Iterator[tuple[Location, str]]:
    for state in rs.states.values():
        for advice in state.advises:
            if not advice.source and _numbers(advice.due, advice.start, advice.by, advice.when):
                yield advice.where, f"the advice of {advice.action}"
        for timer in state.timers:
            if not timer.source and _numbers(timer.at):
                yield timer.where, f"a timer of state {state.name}"
        for branches in (*state.on.values(), *(t.branches for t in state.timers)):
            for branch in branches:
                if not branch.source and _numbers(branch.when):
                    yield branch.where, f"a branch to {branch.to}"
    for policy in rs.policies.values():
        for rule in policy.rules:
            if not rule.source and _numbers(rule.when, rule.until):
                yield rule.where, f"a rule of policy {policy.channel}"


def _numbers(*expressions: object) -> bool:
    return any(e is not None and _NUMBER.search(getattr(e, "source", "")) for e in expressions)


def with_sources(report: Report, rs: RuleSet) -> Report:
    """``report`` with a finding for every uncited number added."""
    from dataclasses import replace

    return replace(report, findings=(*report.findings, *uncited(rs)))
