"""Builds what a rule set lets you do and say: ``actions``, ``events``, ``policies``,
``invariants`` and message ``templates``.

Each function reads one section of the tree through the shared
:class:`~tactful.language.build_reader.Reader`, checks its keys, names and expressions, and returns
the frozen values of :mod:`tactful.language.ruleset`; a problem is reported, and the entry left out.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType

from ..errors import Location, did_you_mean
from .build_reader import Reader, param_choices, param_kinds
from .expr import Expression
from .exprtypes import ANY, BOOL, NONE, WORDS
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
from .sources import cites
from .yamltree import YMap, YSeq

ACTION_KEYS = ("channels", "contact", "describe", "instead", "record", "shift")
SUBSTITUTE_KEYS = ("when", "use")  # each required
EVENT_KEYS = ("params", "require", "refuse", "warn", "set", "describe", "channel")
#: An event's checks, by kind: the condition's key and the sentence's key (both required).
CHECK_KEYS = {"require": ("that", "says"), "refuse": ("when", "because"), "warn": ("when", "says")}
PARAM_TYPES = ("str", "date", "datetime")
ONE_OF_KEYS = ("one_of",)
POLICY_RULE_KEYS = ("allow", "deny", "because", "until", "source")
POLICY_RULE_REQUIRED = ("because",)  # and one of allow, deny
_POLICY_RULE = "each policy rule has 'allow' or 'deny' (a condition) and 'because' (a sentence)"
INVARIANT_KEYS = ("name", "holds", "says", "paths")
INVARIANT_REQUIRED = ("holds", "says")
INVARIANT_PATHS = ("all", "heeded")
TEMPLATE_KEYS = ("text", "file", "channel")


# -- actions ---------------------------------------------------------------------------


def build_actions(reader: Reader, node: YMap) -> dict[str, Action]:
    """The ``actions`` section: channels, whether it contacts anyone, and substitutes."""
    result = {}
    for name in node:
        spec = reader.entry(node, name, "action", "{channels: [email], describe: write to them}")
        spec = spec or YMap(node.where(name))  # one that is not a mapping (reported) stays known
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
            str(spec["record"]) if spec.get("record") is not None else None,
            _shift(reader, spec),
        )
    return result


def _shift(reader: Reader, spec: YMap) -> bool:
    shift = spec.get("shift", "auto")
    if shift not in ("auto", "none"):
        reader.error(spec.where("shift"), "'shift' is 'auto' (move into contact days and hours) or 'none' (a written "
                     "message: due whatever the calendar)")  # fmt: skip
    return bool(shift != "none")


def check_records(reader: Reader, node: YMap, actions: Mapping[str, Action], events: Mapping[str, EventSpec]) -> None:
    """Report actions (the ``actions`` section is ``node``) whose ``record`` names no event."""
    for action in actions.values():
        if action.record is not None and action.record not in events:
            spec = node.get(action.name)
            where = spec.where("record") if isinstance(spec, YMap) else action.where
            reader.error(where, reader.unknown("event", action.record, events))


def _substitutes(reader: Reader, spec: YMap, actions: YMap) -> list[Substitute]:
    result = []
    items = reader.section(spec, "instead", YSeq)
    shape = "each 'instead' entry has 'when' (a condition) and 'use' (an action)"
    for item, where in reader.entries(items, "an 'instead' entry", shape, SUBSTITUTE_KEYS, SUBSTITUTE_KEYS):
        reader.known(item["use"], item.where("use"), "action", actions)
        guard = reader.expr(item["when"], item.where("when"), reader.base)
        if guard:
            result.append(Substitute(guard, str(item["use"]), where))
    return result


# -- events ----------------------------------------------------------------------------


def build_events(reader: Reader, node: YMap, facts: Collection[str]) -> dict[str, EventSpec]:
    """The ``events`` section: parameters, checks, and the ``facts`` each event sets."""
    result = {}
    for name in node:
        spec = reader.entry(node, name, "event", "{describe: the company wrote}")
        spec = spec or YMap(node.where(name))  # one that is not a mapping (reported) stays known
        reader.keys(spec, EVENT_KEYS, f"event '{name}'")
        params = _params(reader, spec)
        scope = reader.base | set(params)
        with reader.kinds_with(param_kinds(params), param_choices(params)):
            result[name] = EventSpec(
                name,
                MappingProxyType(params),
                _checks(reader, spec, "require", scope),
                _checks(reader, spec, "refuse", scope),
                _checks(reader, spec, "warn", scope),
                _assignments(reader, spec, scope, facts),
                node.key_locs[name],
                str(spec["channel"]) if spec.get("channel") is not None else None,
            )
    return result


def _params(reader: Reader, spec: YMap) -> dict[str, Param]:
    node = reader.section(spec, "params")
    result = {}
    for name, kind in node.items():
        if isinstance(kind, YMap) and "one_of" in kind:
            reader.keys(kind, ONE_OF_KEYS, f"parameter '{name}'")
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


def _checks(reader: Reader, spec: YMap, key: str, scope: Collection[str]) -> tuple[Check, ...]:
    cond, says = CHECK_KEYS[key]
    shape = f"each '{key}' entry has '{cond}' (a condition) and '{says}' (a sentence)"
    items = reader.section(spec, key, YSeq)
    result = []
    for item, where in reader.entries(items, f"a '{key}' entry", shape, CHECK_KEYS[key], CHECK_KEYS[key]):
        guard = reader.expr(item[cond], item.where(cond), scope)
        text = reader.text(item[says], item.where(says), scope)
        if guard:
            result.append(Check(guard, text, where))
    return tuple(result)


def _assignments(
    reader: Reader, spec: YMap, scope: Collection[str], facts: Collection[str]
) -> tuple[tuple[str, Expression], ...]:
    node = reader.section(spec, "set")
    result = []
    for name, source in node.items():
        if name not in facts and name not in CORE_FACTS:
            reader.error(node.key_locs[name], f"'set' changes facts; '{name}' is not a fact")
            continue
        compiled = reader.expr(source, node.where(name), scope)
        declared = reader.kinds.get(name, ANY)
        if compiled and compiled.kind not in (ANY, NONE, declared) and declared != ANY:
            reader.error(node.where(name), f"'{name}' is {WORDS.get(declared, declared)}; this gives "
                                           f"{WORDS.get(compiled.kind, compiled.kind)}")  # fmt: skip
        elif compiled:
            result.append((name, compiled))
    return tuple(result)


# -- policies and invariants -----------------------------------------------------------


def build_policies(reader: Reader, node: YMap, actions: Mapping[str, Action]) -> dict[str, Policy]:
    """The ``policies`` section; every channel an action uses needs one."""
    scope = reader.base | POLICY_NAMES
    result = {}
    for channel, items in node.items():
        if not isinstance(items, YSeq):
            reader.error(node.where(channel), f"policy '{channel}' is a list of allow/deny rules")
            continue
        entries = reader.entries(items, "a policy rule", _POLICY_RULE, POLICY_RULE_REQUIRED, POLICY_RULE_KEYS)
        rules = [_policy_rule(reader, item, where, scope) for item, where in entries]
        result[channel] = Policy(channel, tuple(r for r in rules if r), node.key_locs[channel])
    for action in actions.values():
        for channel in action.channels:
            if channel not in result:
                reader.error(action.where, f"action '{action.name}' uses channel '{channel}', which has no policy")
    return result


def _policy_rule(reader: Reader, item: YMap, where: Location, scope: Collection[str]) -> PolicyRule | None:
    if ("allow" in item) == ("deny" in item):
        reader.error(where, _POLICY_RULE)
        return None
    verdict = "allow" if "allow" in item else "deny"
    guard = reader.expr(item[verdict], item.where(verdict), scope)
    until = reader.expr(item["until"], item.where("until"), scope) if "until" in item else None
    because = reader.text(item["because"], item.where("because"), scope)
    source = cites(reader, item, reader.sources)
    return PolicyRule(verdict == "allow", guard, because, until, where, source) if guard else None


def check_channels(reader: Reader, node: YMap, events: Mapping[str, EventSpec], policies: Mapping[str, Policy]) -> None:
    """Report events (the ``events`` section is ``node``) whose ``channel`` has no policy."""
    for event in events.values():
        if event.channel is not None and event.channel not in policies:
            spec = node.get(event.name)
            where = spec.where("channel") if isinstance(spec, YMap) else event.where
            reader.error(where, reader.unknown("channel", event.channel, policies))


def build_invariants(reader: Reader, items: YSeq, policies: Mapping[str, Policy]) -> tuple[Invariant, ...]:
    """The ``invariants`` section: conditions that must hold on every explored path."""
    scope = reader.base | {CAN_PREFIX + channel for channel in policies}
    numbers = {id(item): number for number, item in enumerate(items, start=1)}
    shape = "each invariant has 'holds' (a condition) and 'says' (a sentence)"
    result = []
    for item, where in reader.entries(items, "an invariant", shape, INVARIANT_REQUIRED, INVARIANT_KEYS):
        paths = item.get("paths", "all")
        if paths not in INVARIANT_PATHS:
            reader.error(item.where("paths"), "'paths' is 'all' (every explored path) or 'heeded' (see docs)")
        with reader.kinds_with(dict.fromkeys(scope - reader.base, BOOL)):
            holds = reader.expr(item["holds"], item.where("holds"), scope)
        says = reader.text(item["says"], item.where("says"), scope)
        name = str(item.get("name") or f"invariant {numbers[id(item)]}")
        if holds:
            result.append(Invariant(name, holds, says, str(paths), where))
    return tuple(result)


# -- message templates -----------------------------------------------------------------


def build_templates(reader: Reader, node: YMap, actions: Mapping[str, Action], check: bool) -> dict[str, Template]:
    """The message templates by action; with ``check``, their Jinja2 text is checked too."""
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
            reader.keys(entry, TEMPLATE_KEYS, f"template '{name}'")
            channel = reader.expr(entry["channel"], entry.where("channel"), reader.base) if "channel" in entry else None
            result[name] = Template(name, entry["text"], entry.where("text"), channel)
        elif isinstance(entry, YSeq) and entry:
            result[name] = Template(name, "", node.where(name), None, tuple(str(n) for n in entry))
        elif entry is not None:
            reader.error(node.where(name), f"template '{name}' is text, {{file: PATH}} or a list of other templates")
    _check_alternatives(reader, node, result)
    if check and result:
        from .sandbox import template_errors

        reader.errors += template_errors(result.values(), reader.base | TEMPLATE_NAMES)
    return result


def _check_alternatives(reader: Reader, node: YMap, templates: Mapping[str, Template]) -> None:
    """Report alternatives that are not templates with text of their own."""
    for name in [n for n, t in templates.items() if t.alternatives]:
        for other, where in zip(templates[name].alternatives, node[name].locs, strict=True):
            if other not in templates or templates[other].alternatives:
                reader.error(where, f"'{other}' is not a template with text of its own")
