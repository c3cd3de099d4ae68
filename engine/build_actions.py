"""Builds what a rule set lets you do and say: ``actions``, ``events``, ``policies``,
``invariants`` and message ``templates``.

Each function reads one section of the tree through the shared
:class:`~tactful.build_reader.Reader`, checks its keys, names and expressions, and returns
the frozen values of :mod:`tactful.ruleset`; a problem is reported, and the entry left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from .build_reader import Reader
from .errors import Location, did_you_mean
from .expr import Expression
from .ruleset import (
    CAN_PREFIX,
    CORE_FACTS,
    POLICY_NAMES,
    TEMPLATE_NAMES,
    Action,
    Check,
    EventSpec,
    Invariant,
    Param,
    Policy,
    PolicyRule,
    Substitute,
    Template,
)  # fmt: skip
from .yamltree import YMap, YSeq

ACTION_KEYS = ("channels", "contact", "describe", "instead")
EVENT_KEYS = ("params", "require", "refuse", "warn", "set", "describe", "channel")
INVARIANT_KEYS = ("name", "holds", "says", "paths")
INVARIANT_PATHS = ("all", "heeded")
PARAM_TYPES = ("str", "date", "datetime")


# -- actions ---------------------------------------------------------------------------


def build_actions(reader: Reader) -> dict[str, Action]:
    """The ``actions`` section: channels, whether it contacts anyone, and substitutes."""
    node = reader.section(reader.tree, "actions")
    result = {}
    for name, spec in node.items():
        if not isinstance(spec, YMap):
            reader.error(node.where(name), f"action '{name}' must be a mapping with channels and describe")
            continue
        reader.keys(spec, ACTION_KEYS, f"action '{name}'")
        channels = reader.section(spec, "channels", YSeq)
        instead = tuple(_substitutes(reader, spec, node))
        result[name] = Action(
            name,
            tuple(str(c) for c in channels),
            reader.boolean(spec, "contact"),
            reader.text(spec.get("describe"), spec.where("describe"), reader.base),
            instead,
            node.key_locs[name],
        )
    return result


def _substitutes(reader: Reader, spec: YMap, actions: YMap) -> list[Substitute]:
    result = []
    items = reader.section(spec, "instead", YSeq)
    for item, where in zip(items, items.locs, strict=False):
        if not isinstance(item, YMap) or "use" not in item or "when" not in item:
            reader.error(where, "each 'instead' entry has 'when' (a condition) and 'use' (an action)")
            continue
        reader.keys(item, ("when", "use"), "'instead'")
        if item["use"] not in actions:
            reader.error(item.where("use"), reader.unknown("action", item["use"], actions))
        guard = reader.expr(item["when"], item.where("when"), reader.base)
        if guard:
            result.append(Substitute(guard, str(item["use"]), where))
    return result


# -- events ----------------------------------------------------------------------------


def build_events(reader: Reader) -> dict[str, EventSpec]:
    """The ``events`` section: parameters, checks, and the facts each event sets."""
    node = reader.section(reader.tree, "events")
    result = {}
    for name, spec in node.items():
        spec = spec if isinstance(spec, YMap) else YMap(node.where(name))
        reader.keys(spec, EVENT_KEYS, f"event '{name}'")
        params = _params(reader, spec)
        scope = reader.base | set(params)
        result[name] = EventSpec(
            name,
            MappingProxyType(params),
            _checks(reader, spec, "require", "that", "says", scope),
            _checks(reader, spec, "refuse", "when", "because", scope),
            _checks(reader, spec, "warn", "when", "says", scope),
            _assignments(reader, spec, scope),
            node.key_locs[name],
            str(spec["channel"]) if spec.get("channel") is not None else None,
        )
    return result


def _params(reader: Reader, spec: YMap) -> dict[str, Param]:
    node = reader.section(spec, "params")
    result = {}
    for name, kind in node.items():
        if isinstance(kind, YMap) and "one_of" in kind:
            reader.keys(kind, ("one_of",), f"parameter '{name}'")
            choices = kind["one_of"]
            if not isinstance(choices, list) or not choices:
                reader.error(kind.where("one_of"), "'one_of' takes a list of words")
                continue
            result[name] = Param(name, "str", tuple(str(c) for c in choices))
        elif kind in PARAM_TYPES:
            result[name] = Param(name, str(kind))
        else:
            reader.error(node.where(name), f"parameter '{name}' has type {', '.join(PARAM_TYPES)} or {{one_of: [...]}}")
    return result


def _checks(reader: Reader, spec: YMap, key: str, cond: str, says: str, scope: Collection[str]) -> tuple[Check, ...]:
    result = []
    items = reader.section(spec, key, YSeq)
    for item, where in zip(items, items.locs, strict=False):
        if not isinstance(item, YMap) or cond not in item or says not in item:
            reader.error(where, f"each '{key}' entry has '{cond}' (a condition) and '{says}' (a sentence)")
            continue
        reader.keys(item, (cond, says), f"'{key}'")
        guard = reader.expr(item[cond], item.where(cond), scope)
        text = reader.text(item[says], item.where(says), scope)
        if guard:
            result.append(Check(guard, text, where))
    return tuple(result)


def _assignments(reader: Reader, spec: YMap, scope: Collection[str]) -> tuple[tuple[str, Expression], ...]:
    node = reader.section(spec, "set")
    result = []
    for name, source in node.items():
        if name not in reader.section(reader.tree, "facts") and name not in CORE_FACTS:
            reader.error(node.key_locs[name], f"'set' changes facts; '{name}' is not a fact")
            continue
        compiled = reader.expr(source, node.where(name), scope)
        if compiled:
            result.append((name, compiled))
    return tuple(result)


# -- policies and invariants -----------------------------------------------------------


def build_policies(reader: Reader, actions: Mapping[str, Action]) -> dict[str, Policy]:
    """The ``policies`` section; every channel an action uses needs one."""
    node = reader.section(reader.tree, "policies")
    scope = reader.base | POLICY_NAMES
    result = {}
    for channel, items in node.items():
        if not isinstance(items, YSeq):
            reader.error(node.where(channel), f"policy '{channel}' is a list of allow/deny rules")
            continue
        rules = [_policy_rule(reader, i, w, scope) for i, w in zip(items, items.locs, strict=True)]
        result[channel] = Policy(channel, tuple(r for r in rules if r), node.key_locs[channel])
    for action in actions.values():
        for channel in action.channels:
            if channel not in result:
                reader.error(action.where, f"action '{action.name}' uses channel '{channel}', which has no policy")
    return result


def _policy_rule(reader: Reader, item: Any, where: Location, scope: Collection[str]) -> PolicyRule | None:
    if not isinstance(item, YMap) or ("allow" in item) == ("deny" in item) or "because" not in item:
        reader.error(where, "each policy rule has 'allow' or 'deny' (a condition) and 'because' (a sentence)")
        return None
    reader.keys(item, ("allow", "deny", "because", "until"), "a policy rule")
    verdict = "allow" if "allow" in item else "deny"
    guard = reader.expr(item[verdict], item.where(verdict), scope)
    until = reader.expr(item["until"], item.where("until"), scope) if "until" in item else None
    because = reader.text(item["because"], item.where("because"), scope)
    return PolicyRule(verdict == "allow", guard, because, until, where) if guard else None


def check_channels(reader: Reader, events: Mapping[str, EventSpec], policies: Mapping[str, Policy]) -> None:
    """Report events whose ``channel`` has no policy."""
    node = reader.section(reader.tree, "events")
    for event in events.values():
        if event.channel is not None and event.channel not in policies:
            spec = node.get(event.name)
            where = spec.where("channel") if isinstance(spec, YMap) else event.where
            reader.error(where, reader.unknown("channel", event.channel, policies))


def build_invariants(reader: Reader, policies: Mapping[str, Policy]) -> tuple[Invariant, ...]:
    """The ``invariants`` section: conditions that must hold on every explored path."""
    items = reader.section(reader.tree, "invariants", YSeq)
    scope = reader.base | {CAN_PREFIX + channel for channel in policies}
    result = []
    for number, (item, where) in enumerate(zip(items, items.locs, strict=False), start=1):
        if not isinstance(item, YMap) or "holds" not in item or "says" not in item:
            reader.error(where, "each invariant has 'holds' (a condition) and 'says' (a sentence)")
            continue
        reader.keys(item, INVARIANT_KEYS, "an invariant")
        paths = item.get("paths", "all")
        if paths not in INVARIANT_PATHS:
            reader.error(item.where("paths"), "'paths' is 'all' (every explored path) or 'heeded' (see docs)")
        holds = reader.expr(item["holds"], item.where("holds"), scope)
        says = reader.text(item["says"], item.where("says"), scope)
        name = str(item.get("name") or f"invariant {number}")
        if holds:
            result.append(Invariant(name, holds, says, str(paths), where))
    return tuple(result)


# -- message templates -----------------------------------------------------------------


def build_templates(reader: Reader, actions: Mapping[str, Action], check: bool) -> dict[str, Template]:
    """The message templates by action; with ``check``, their Jinja2 text is checked too."""
    node = reader.section(reader.tree, "templates")
    alternatives = {str(n) for entry in node.values() if isinstance(entry, YSeq) for n in entry}
    result = {}
    for name, entry in node.items():
        if name not in actions and name not in alternatives:
            hint = did_you_mean(name, actions)
            reader.error(node.key_locs[name], f"template '{name}' names no action and is no other template's "
                                              f"alternative{hint}")  # fmt: skip
        elif isinstance(entry, str):
            result[name] = Template(name, entry, node.where(name))
        elif isinstance(entry, YMap) and isinstance(entry.get("text"), str):
            reader.keys(entry, ("text", "file", "channel"), f"template '{name}'")
            channel = reader.expr(entry["channel"], entry.where("channel"), reader.base) if "channel" in entry else None
            result[name] = Template(name, entry["text"], entry.where("text"), channel)
        elif isinstance(entry, YSeq) and entry:
            result[name] = Template(name, "", node.where(name), None, tuple(str(n) for n in entry))
        elif entry is not None:
            reader.error(node.where(name), f"template '{name}' is text, {{file: PATH}} or a list of other templates")
    _check_alternatives(reader, node, result)
    if check and result:
        from .drafts import template_errors

        reader.errors += template_errors(result.values(), reader.base | TEMPLATE_NAMES)
    return result


def _check_alternatives(reader: Reader, node: YMap, templates: Mapping[str, Template]) -> None:
    """Report alternatives that are not templates with text of their own."""
    for name in [n for n, t in templates.items() if t.alternatives]:
        for other, where in zip(templates[name].alternatives, node[name].locs, strict=True):
            if other not in templates or templates[other].alternatives:
                reader.error(where, f"'{other}' is not a template with text of its own")
