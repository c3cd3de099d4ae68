"""Builds the names a rule set knows: its ``settings``, its ``facts`` and its ``derived`` names.

Settings are parsed by :mod:`tactful.language.settings`; facts may not shadow a name tactful already
knows, and a fact's default must be of its type; derived names are expressions over the
others and may not refer to each other in a loop. Problems are reported through the shared
:class:`~tactful.language.build_reader.Reader`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from .build_reader import Reader
from .expr import Expression
from .ruleset import BUILTIN_NAMES, CORE_FACTS, FACT_TYPES, PORTFOLIO_NAMES, FactSpec
from .settings import SETTINGS, parse_setting
from .yamltree import YMap

FACT_KEYS = ("type", "default")
FACT_REQUIRED = ("type",)


def build_settings(reader: Reader, node: YMap) -> dict[str, Any]:
    """The ``settings`` section, each value parsed (None when it does not parse)."""
    reader.keys(node, (*SETTINGS, "source"), "settings")
    result: dict[str, Any] = {}
    for key, raw in node.items():
        if key not in SETTINGS:
            continue
        try:
            result[key] = parse_setting(key, raw)
        except ValueError as err:
            reader.error(node.where(key), f"settings.{key}: {err}")
            result[key] = None  # still a known name, so expressions using it are not blamed too
    return result


def build_facts(reader: Reader, node: YMap, settings: Mapping[str, Any]) -> dict[str, FactSpec]:
    """The ``facts`` section: a new name and a type for each, and perhaps a default of that type."""
    result = {}
    for name in node:
        where = node.key_locs[name]
        if name in CORE_FACTS or name in settings or name in BUILTIN_NAMES or name in PORTFOLIO_NAMES:
            reader.error(where, f"'{name}' is already a name tactful knows; choose another")
            continue
        if not name.isidentifier() or name.startswith("_"):
            reader.error(where, f"'{name}' is not a usable name; use letters, digits and '_'")
            continue
        spec = reader.entry(node, name, "fact", "{type: int, default: 0}")
        if spec is None:
            continue  # reported; the name stays known to expressions and 'set' (see build)
        reader.keys(spec, FACT_KEYS, f"fact '{name}'")
        kind = spec.get("type")
        if kind not in FACT_TYPES:
            reader.error(spec.where("type"), f"fact '{name}' needs a type: one of {', '.join(FACT_TYPES)}")
            continue
        default = spec.get("default")
        if default is not None and not FACT_VALUES[kind][0](default):
            reader.error(spec.where("default"), f"fact '{name}' is {kind}, so its default {default!r} "
                                                f"must be {FACT_VALUES[kind][1]}")  # fmt: skip
        result[name] = FactSpec(name, kind, default)
    return result


def _parses(parse: Callable[[str], object]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        try:
            return isinstance(value, str) and parse(value.strip()) is not None
        except ValueError:
            return False

    return check


#: For each fact type: whether a value (a default from the rule file, a fact an import
#: restores) is one, and what one looks like.
FACT_VALUES: dict[str, tuple[Callable[[object], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "text (quote it)"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number, like 0"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "date": (_parses(date.fromisoformat), "a date, like 2026-05-04"),
    "datetime": (_parses(datetime.fromisoformat), "a moment, like 2026-05-04 09:00"),
}


def build_derived(reader: Reader, node: YMap) -> dict[str, Expression]:
    """The ``derived`` section: an expression over the known names for each new name."""
    result = {}
    for name, source in node.items():
        if name in reader.base - set(node):
            reader.error(node.key_locs[name], f"'{name}' is already a name tactful knows; choose another")
        compiled = reader.expr(source, node.where(name), reader.base)
        if compiled:
            result[name] = compiled
            reader.kinds[name] = compiled.kind
    _check_cycles(reader, node, result)
    return result


def _check_cycles(reader: Reader, node: YMap, derived: Mapping[str, Expression]) -> None:
    """Report each loop of derived names referring to each other, once, where it closes.

    A depth-first search in three colours: a name not yet seen, one on the current path, one
    whose uses are all explored. A use of a name on the path closes a loop.
    """
    order = {name: index for index, name in enumerate(derived)}
    uses = {name: sorted(derived[name].names & order.keys(), key=order.__getitem__) for name in derived}
    done: set[str] = set()
    for root in derived:
        if root in done:
            continue
        path, on_path, todo = [root], {root}, [iter(uses[root])]
        while todo:
            used = next(todo[-1], None)
            if used is None:
                on_path.discard(path[-1])
                done.add(path.pop())
                todo.pop()
            elif used in on_path:
                loop = " -> ".join((*path[path.index(used) :], used))
                reader.error(node.where(used), f"derived names refer to each other in a loop: {loop}")
            elif used not in done:
                path.append(used)
                on_path.add(used)
                todo.append(iter(uses[used]))
