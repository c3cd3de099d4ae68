"""Builds the names a rule set knows: its ``settings``, its ``facts`` and its ``derived`` names.

Settings are parsed by :mod:`tactful.settings`; facts may not shadow a name tactful already
knows; derived names are expressions over the others and may not refer to each other in a
loop. Problems are reported through the shared :class:`~tactful.build_reader.Reader`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .build_reader import Reader
from .expr import Expression
from .ruleset import BUILTIN_NAMES, CORE_FACTS, FACT_TYPES, PORTFOLIO_NAMES, FactSpec
from .settings import SETTINGS, parse_setting
from .yamltree import YMap


def build_settings(reader: Reader) -> dict[str, Any]:
    """The ``settings`` section, each value parsed (None when it does not parse)."""
    node = reader.section(reader.tree, "settings")
    reader.keys(node, SETTINGS, "settings")
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


def build_facts(reader: Reader, settings: Mapping[str, Any]) -> dict[str, FactSpec]:
    """The ``facts`` section: a new name and a type for each."""
    node = reader.section(reader.tree, "facts")
    result = {}
    for name, spec in node.items():
        where = node.key_locs[name]
        if name in CORE_FACTS or name in settings or name in BUILTIN_NAMES or name in PORTFOLIO_NAMES:
            reader.error(where, f"'{name}' is already a name tactful knows; choose another")
            continue
        if not name.isidentifier() or name.startswith("_"):
            reader.error(where, f"'{name}' is not a usable name; use letters, digits and '_'")
            continue
        spec = spec if isinstance(spec, YMap) else YMap(where)
        reader.keys(spec, ("type", "default"), f"fact '{name}'")
        kind = spec.get("type")
        if kind not in FACT_TYPES:
            reader.error(spec.where("type"), f"fact '{name}' needs a type: one of {', '.join(FACT_TYPES)}")
            continue
        result[name] = FactSpec(name, kind, spec.get("default"))
    return result


def build_derived(reader: Reader) -> dict[str, Expression]:
    """The ``derived`` section: an expression over the known names for each new name."""
    node = reader.section(reader.tree, "derived")
    result = {}
    for name, source in node.items():
        if name in reader.base - set(node):
            reader.error(node.key_locs[name], f"'{name}' is already a name tactful knows; choose another")
        compiled = reader.expr(source, node.where(name), reader.base)
        if compiled:
            result[name] = compiled
    _check_cycles(reader, node, result)
    return result


def _check_cycles(reader: Reader, node: YMap, derived: Mapping[str, Expression]) -> None:
    """Report derived names that refer to each other in a loop."""

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            loop = " -> ".join((*path[path.index(name) :], name))
            reader.error(node.where(name), f"derived names refer to each other in a loop: {loop}")
            return
        for used in derived[name].names & set(derived):
            visit(used, (*path, name))

    for name in derived:
        visit(name, ())
