"""Values of rule expressions remembered per rule set, by the values of what they read.

An expression's value depends only on the names it reads: facts, settings, derived names
(through what those read in turn), the built-in names and the other applications. Over many
applications (a tick, an agenda) most share those values, so a value worked out once is
looked up for the next application that reads the same ones. What reads the other
applications while there are any, or an event's parameters, is always worked out afresh;
functions a rule set calls are taken to give the same answer for the same arguments, as
the rest of the engine does.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from .ruleset import PORTFOLIO_NAMES, RuleSet

if TYPE_CHECKING:
    from .namespace import Namespace

#: How many values one rule set remembers; past that it starts again.
MEMO_SIZE = 20_000
#: Looks after which a kind of value found fewer than one time in RARE is no longer looked up.
TRIES, RARE = 250, 10
#: The built-in names a remembered value may depend on, and where a namespace keeps them.
_BUILTINS = {"now": "now", "at": "at", "entered": "app.entered", "state": "app.state", "company": "app.company"}
_NOT_FOUND: Any = object()


class Inputs(NamedTuple):
    """What an expression reads, through the derived names it reads: facts, the built-in
    names (their getter), whether it asks about the other applications; ``names``: all."""

    facts: tuple[str, ...]
    builtins: Callable[[Any], Any] | None
    others: bool
    names: frozenset[str]


def inputs(rs: RuleSet, names: frozenset[str], kinds: Callable[[str], str | None]) -> Inputs | None:
    """The :class:`Inputs` of an expression reading ``names`` under ``rs`` (``kinds`` tells
    where a name comes from: ``fact``, ``setting``, ``derived``, ``builtin`` or None), or
    None when it reads a name given by the caller or a derived name that is no expression, or
    only one name that is not derived (looking its value up would cost what working it out does)."""
    table: dict[frozenset[str], Inputs | None] = rs.memo.setdefault("inputs", {})
    if names not in table:
        table[names] = _resolve(rs, names, kinds)
    return table[names]


def _resolve(rs: RuleSet, names: frozenset[str], kinds: Callable[[str], str | None]) -> Inputs | None:
    if len(names) == 1 and kinds(next(iter(names))) != "derived":
        return None
    every: set[str] = set()
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        kind = kinds(name)
        if kind is None or (kind == "builtin" and name not in _BUILTINS and name not in PORTFOLIO_NAMES):
            return None
        every.add(name)
        if kind == "derived":
            more = getattr(rs.derived[name], "names", None)
            if more is None:
                return None
            todo += more
    facts = tuple(sorted(n for n in every if kinds(n) == "fact"))
    builtins = sorted(_BUILTINS[n] for n in every if n in _BUILTINS and kinds(n) == "builtin")
    others = any(n in PORTFOLIO_NAMES and kinds(n) == "builtin" for n in every)
    return Inputs(facts, attrgetter(*builtins) if builtins else None, others, frozenset(every))


def key(ns: Namespace, ident: Any, found: Inputs) -> tuple[Any, ...] | None:
    """What a value of ``found``'s expression (called ``ident``) depends on in ``ns``, or None
    when it cannot be remembered there."""
    if found.others and ns.portfolio.others:
        return None
    if ns.params and not found.names.isdisjoint(ns.params):
        return None
    facts = ns.facts
    return (ident, ns.tz, *map(facts.get, found.facts), found.builtins(ns) if found.builtins else None)


def recall(ns: Namespace, ident: Any, names: frozenset[str], work_out: Callable[[], Any]) -> Any:
    """The value ``work_out()`` gives in ``ns``, remembered under the rule set by the values of
    what it reads (``names``, through the derived names: see :func:`inputs`). Where
    ``ident``'s values are seldom found again (after :data:`TRIES` looks, fewer than one in
    :data:`RARE`), it stops looking, and costs a lookup."""
    counts: list[int] = ns.rs.memo.setdefault("recall counts", {}).setdefault(ident, [0, 0])
    tries, hits = counts
    if tries >= TRIES and hits * RARE < tries:
        return work_out()
    found = inputs(ns.rs, names, ns.kind)
    made = key(ns, ident, found) if found is not None else None
    if made is None:
        return work_out()
    memo: dict[tuple[Any, ...], Any] = ns.rs.memo.setdefault("values", {})
    try:
        value = memo.get(made, _NOT_FOUND)
    except TypeError:  # a fact holding a list or a mapping
        return work_out()
    counts[0] += 1
    if value is _NOT_FOUND:
        value = work_out()
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[made] = value
    else:
        counts[1] += 1
    return value
