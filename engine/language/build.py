"""Checks a merged rule tree and compiles it into a :class:`~tactful.language.ruleset.RuleSet`.

Every problem is collected with its ``file:line:col`` and reported together: unknown keys
(with a "did you mean"), wrong types, malformed durations, unknown names in expressions,
references to states, actions or events that do not exist, unreachable states and states
with no way out that are not final.

This module runs the steps in order and assembles the result; the sections are read by
:mod:`tactful.language.build_facts` (settings, facts, derived), :mod:`tactful.language.build_actions` (actions,
events, policies, invariants, templates) and :mod:`tactful.language.build_states` (states and the
graph checks), all reporting through one :class:`~tactful.language.build_reader.Reader`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from ..errors import RuleErrors
from .build_actions import (
    ACTION_KEYS,
    EVENT_KEYS,
    INVARIANT_KEYS,
    INVARIANT_PATHS,
    PARAM_TYPES,
    build_actions,
    build_events,
    build_invariants,
    build_policies,
    build_templates,
    check_channels,
    check_records,
)
from .build_facts import build_derived, build_facts, build_settings
from .build_reader import Reader
from .build_states import ADVICE_KEYS, STATE_KEYS, build_states, check_graph
from .expr import DEFAULT_FUNCTIONS
from .exprtypes import ANY, BOOL, DURATION, FACT_KINDS, LIST, MOMENT, TEXT
from .ruleset import BUILTIN_NAMES, CORE_FACTS, PORTFOLIO_NAMES, TOP_KEYS, RuleSet
from .settings import SETTING_KINDS, SETTINGS, calendar_from, with_calendar
from .sources import build_sources, setting_cites
from .yamltree import YMap, YSeq, content_hash

__all__ = ["ACTION_KEYS", "ADVICE_KEYS", "EVENT_KEYS", "INVARIANT_KEYS", "INVARIANT_PATHS", "PARAM_TYPES",
           "STATE_KEYS", "TOP_KEYS", "build"]  # fmt: skip

#: The top-level sections the builder reads, each a mapping but ``invariants``, a list.
SECTIONS = tuple(key for key in TOP_KEYS if key != "description")


def build(
    tree: YMap,
    name: str,
    files: tuple[str, ...],
    functions: Mapping[str, Callable[..., Any]] | None = None,
    rules_hash: str | None = None,
    check_templates: bool = False,
) -> RuleSet:
    """Check and compile a merged rule tree (``rules_hash``: its content hash, if known).

    ``check_templates`` also checks the message templates' Jinja2 text (syntax, names), which
    imports Jinja2 (:func:`tactful.load_rules` does, by default); without it, a template is
    checked when a draft is first rendered from it.

    Raises:
        RuleErrors: every problem found, in file order.
    """
    reader = Reader(tree, {**DEFAULT_FUNCTIONS, **(functions or {})})
    sections = _read_sections(reader, check_templates)
    if reader.errors:
        raise RuleErrors(reader.errors)
    return RuleSet(
        name=name,
        hash=rules_hash or content_hash(tree),
        description=str(tree.get("description") or ""),
        files=files,
        tree=tree,
        **sections,
    )


def name_kinds(settings: Mapping[str, Any], facts: YMap) -> dict[str, str]:
    """The kind of every name whose kind is known before the derived names are read."""
    kinds = {name: FACT_KINDS[kind] for name, kind in CORE_FACTS.items()}
    kinds.update(dict.fromkeys(("now", "at", "entered"), MOMENT), state=TEXT, company=TEXT)
    kinds.update({name: BOOL if name in ("other_accepted", "competing_offer") else
                  TEXT if name.endswith("_company") else MOMENT for name in PORTFOLIO_NAMES})  # fmt: skip
    kinds.update(
        due=BOOL,
        next_due=MOMENT,
        contact_time=BOOL,
        next_contact_time=MOMENT,
        holiday=TEXT,  # in policies
        advised_channels=LIST,
    )
    kinds.update({name: SETTING_KINDS.get(name, DURATION) for name in settings})
    for name, spec in facts.items():
        kind = spec.get("type") if isinstance(spec, YMap) else None
        kinds[name] = FACT_KINDS.get(str(kind), ANY)
    return kinds


def _check_top_keys(reader: Reader) -> None:
    """Every unknown top-level key, once; a setting written there is told where it belongs."""
    tree = reader.tree
    others = YMap(tree.loc)
    for key, value in tree.items():
        if key not in TOP_KEYS and key in SETTINGS:
            reader.error(tree.key_locs.get(key, tree.loc), f"'{key}' is a setting: indent it under 'settings:'")
            continue
        others[key] = value
        if key in tree.key_locs:
            others.key_locs[key] = tree.key_locs[key]
    reader.keys(others, TOP_KEYS, "the rule file")


def _read_sections(reader: Reader, check_templates: bool) -> dict[str, Any]:
    """Every section of the tree, checked and compiled, by the :class:`RuleSet` field it fills."""
    _check_top_keys(reader)
    node = {key: reader.section(reader.tree, key, YSeq if key == "invariants" else YMap) for key in SECTIONS}
    reader.sources = sources = build_sources(reader, node["sources"])
    settings = build_settings(reader, node["settings"])
    facts = build_facts(reader, node["facts"], settings)
    fact_names = set(node["facts"])  # those rejected too, so their uses are not blamed as well
    reader.base = (set(CORE_FACTS) | fact_names | set(settings) | PORTFOLIO_NAMES | BUILTIN_NAMES
                   | set(node["derived"]))  # fmt: skip
    reader.kinds = name_kinds(settings, node["facts"])
    derived = build_derived(reader, node["derived"])
    actions = build_actions(reader, node["actions"])
    events = build_events(reader, node["events"], fact_names)
    check_records(reader, node["actions"], actions, events)
    states = build_states(reader, node["states"], node["everywhere"], actions, events)
    policies = build_policies(reader, node["policies"], actions)
    check_channels(reader, node["events"], events, policies)
    invariants = build_invariants(reader, node["invariants"], policies)
    templates = build_templates(reader, node["templates"], actions, check_templates)
    calendar = calendar_from(settings)
    return {
        "settings": MappingProxyType(with_calendar(settings, calendar)),
        "calendar": calendar,
        "facts": MappingProxyType(facts),
        "derived": MappingProxyType(derived),
        "actions": MappingProxyType(actions),
        "events": MappingProxyType(events),
        "states": MappingProxyType(states),
        "policies": MappingProxyType(policies),
        "initial": check_graph(reader, node["states"], states) if not reader.errors else "",
        "invariants": invariants,
        "templates": MappingProxyType(templates),
        "sources": MappingProxyType(sources),
        "cited": MappingProxyType(setting_cites(reader, node["settings"], sources)),
    }
