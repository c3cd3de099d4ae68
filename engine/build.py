"""Checks a merged rule tree and compiles it into a :class:`~tactful.ruleset.RuleSet`.

Every problem is collected with its ``file:line:col`` and reported together: unknown keys
(with a "did you mean"), wrong types, malformed durations, unknown names in expressions,
references to states, actions or events that do not exist, unreachable states and states
with no way out that are not final.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Mapping
from types import MappingProxyType
from typing import Any

from .errors import Location, RuleError, RuleErrors
from .expr import DEFAULT_FUNCTIONS, Expression, ExpressionError, compile_expression
from .loader import content_hash
from .ruleset import (
    BUILTIN_NAMES,
    CAN_PREFIX,
    CORE_FACTS,
    FACT_TYPES,
    POLICY_NAMES,
    PORTFOLIO_NAMES,
    TEMPLATE_NAMES,
    Action,
    Advice,
    Branch,
    Check,
    EventSpec,
    FactSpec,
    Invariant,
    Param,
    Policy,
    PolicyRule,
    RuleSet,
    State,
    Substitute,
    Template,
    Text,
    Timer,
)  # fmt: skip
from .settings import SETTINGS, calendar_from, parse_setting
from .yamltree import YMap, YSeq

TOP_KEYS = ("description", "settings", "facts", "derived", "actions", "events", "states",
            "everywhere", "policies", "invariants", "templates")  # fmt: skip
ACTION_KEYS = ("channels", "contact", "describe", "instead")
EVENT_KEYS = ("params", "require", "refuse", "warn", "set", "describe", "channel")
INVARIANT_KEYS = ("name", "holds", "says", "paths")
INVARIANT_PATHS = ("all", "heeded")
STATE_KEYS = ("initial", "final", "describe", "marks", "advises", "timers", "on")
ADVICE_KEYS = ("action", "due", "from", "by", "when", "shift", "optional")
PARAM_TYPES = ("str", "date", "datetime")


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
    rules = _Builder(tree, name, files, {**DEFAULT_FUNCTIONS, **(functions or {})}).build(rules_hash, check_templates)
    return rules


class _Builder:
    def __init__(self, tree: YMap, name: str, files: tuple[str, ...], functions: dict[str, Any]) -> None:
        self.tree = tree
        self.name = name
        self.files = files
        self.functions = functions
        self.errors: list[RuleError] = []

    # -- reporting and small readers -------------------------------------------------

    def error(self, where: Location, message: str) -> None:
        self.errors.append(RuleError(where, message))

    def keys(self, node: YMap, allowed: Collection[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                import difflib

                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(allowed)}"
                self.error(node.key_locs[key], f"unknown key '{key}' in {what}{hint}")

    def section(self, node: YMap, key: str, kind: type = YMap) -> Any:
        value = node.get(key)
        if value is None:
            return kind(node.loc)
        if not isinstance(value, kind):
            shape = "a mapping" if kind is YMap else "a list"
            self.error(node.where(key), f"'{key}' must be {shape}")
            return kind(node.loc)
        return value

    def expr(self, value: Any, where: Location, scope: Collection[str]) -> Expression | None:
        try:
            return compile_expression(value, scope, self.functions)
        except ExpressionError as err:
            self.error(Location(where.path, where.line, where.col + err.col), str(err))
            return None

    def text(self, value: Any, where: Location, scope: Collection[str]) -> Text:
        if value is None:
            return Text("", frozenset())
        if not isinstance(value, str):
            self.error(where, "expected a sentence")
            return Text(str(value), frozenset())
        names = set()
        try:
            for _, field, spec, conv in string.Formatter().parse(value):
                if field is None:
                    continue
                if not field.isidentifier() or spec or conv:
                    self.error(where, f"'{{{field}}}' is not allowed; write a plain name like {{company}}")
                elif field not in scope:
                    self.error(where, f"unknown name '{{{field}}}' in this sentence")
                names.add(field)
        except ValueError as err:
            self.error(where, f"cannot read this sentence: {err}; write braces as {{{{ and }}}}")
        return Text(value, frozenset(names))

    def boolean(self, node: YMap, key: str, default: bool = False) -> bool:
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.error(node.where(key), f"'{key}' must be true or false")
            return default
        return value

    # -- the whole -------------------------------------------------------------------

    def build(self, rules_hash: str | None, check_templates: bool = False) -> RuleSet:
        self.keys(self.tree, TOP_KEYS, "the rule file")
        settings = self.settings()
        facts = self.facts(settings)
        self.base = (set(CORE_FACTS) | set(facts) | set(settings) | PORTFOLIO_NAMES | BUILTIN_NAMES
                     | set(self.section(self.tree, "derived")))  # fmt: skip
        derived = self.derived()
        actions = self.actions()
        events = self.events()
        states = self.states(actions, events)
        policies = self.policies(actions)
        self.check_channels(events, policies)
        invariants = self.invariants(policies)
        templates = self.templates(actions, check_templates)
        initial = self.check_graph(states) if not self.errors else ""
        if self.errors:
            raise RuleErrors(self.errors)
        return RuleSet(
            name=self.name,
            hash=content_hash(self.tree),
            description=str(self.tree.get("description") or ""),
            settings=MappingProxyType(settings),
            calendar=calendar_from(settings),
            facts=MappingProxyType(facts),
            derived=MappingProxyType(derived),
            actions=MappingProxyType(actions),
            events=MappingProxyType(events),
            states=MappingProxyType(states),
            policies=MappingProxyType(policies),
            initial=initial,
            files=self.files,
            tree=self.tree,
            invariants=invariants,
            templates=MappingProxyType(templates),
        )

    def settings(self) -> dict[str, Any]:
        node = self.section(self.tree, "settings")
        self.keys(node, SETTINGS, "settings")
        result: dict[str, Any] = {}
        for key, raw in node.items():
            if key not in SETTINGS:
                continue
            try:
                result[key] = parse_setting(key, raw)
            except ValueError as err:
                self.error(node.where(key), f"settings.{key}: {err}")
                result[key] = None  # still a known name, so expressions using it are not blamed too
        return result

    def facts(self, settings: Mapping[str, Any]) -> dict[str, FactSpec]:
        node = self.section(self.tree, "facts")
        result = {}
        for name, spec in node.items():
            where = node.key_locs[name]
            if name in CORE_FACTS or name in settings or name in BUILTIN_NAMES or name in PORTFOLIO_NAMES:
                self.error(where, f"'{name}' is already a name tactful knows; choose another")
                continue
            if not name.isidentifier() or name.startswith("_"):
                self.error(where, f"'{name}' is not a usable name; use letters, digits and '_'")
                continue
            spec = spec if isinstance(spec, YMap) else YMap(where)
            self.keys(spec, ("type", "default"), f"fact '{name}'")
            kind = spec.get("type")
            if kind not in FACT_TYPES:
                self.error(spec.where("type"), f"fact '{name}' needs a type: one of {', '.join(FACT_TYPES)}")
                continue
            result[name] = FactSpec(name, kind, spec.get("default"))
        return result

    def derived(self) -> dict[str, Expression]:
        node = self.section(self.tree, "derived")
        result = {}
        for name, source in node.items():
            if name in self.base - set(node):
                self.error(node.key_locs[name], f"'{name}' is already a name tactful knows; choose another")
            compiled = self.expr(source, node.where(name), self.base)
            if compiled:
                result[name] = compiled
        self.check_cycles(node, result)
        return result

    def check_cycles(self, node: YMap, derived: Mapping[str, Expression]) -> None:
        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in path:
                loop = " -> ".join((*path[path.index(name) :], name))
                self.error(node.where(name), f"derived names refer to each other in a loop: {loop}")
                return
            for used in derived[name].names & set(derived):
                visit(used, (*path, name))

        for name in derived:
            visit(name, ())

    # -- actions and events ----------------------------------------------------------

    def actions(self) -> dict[str, Action]:
        node = self.section(self.tree, "actions")
        result = {}
        for name, spec in node.items():
            if not isinstance(spec, YMap):
                self.error(node.where(name), f"action '{name}' must be a mapping with channels and describe")
                continue
            self.keys(spec, ACTION_KEYS, f"action '{name}'")
            channels = self.section(spec, "channels", YSeq)
            instead = tuple(self.substitutes(spec, node))
            result[name] = Action(
                name,
                tuple(str(c) for c in channels),
                self.boolean(spec, "contact"),
                self.text(spec.get("describe"), spec.where("describe"), self.base),
                instead,
                node.key_locs[name],
            )
        return result

    def substitutes(self, spec: YMap, actions: YMap) -> list[Substitute]:
        result = []
        items = self.section(spec, "instead", YSeq)
        for item, where in zip(items, items.locs, strict=False):
            if not isinstance(item, YMap) or "use" not in item or "when" not in item:
                self.error(where, "each 'instead' entry has 'when' (a condition) and 'use' (an action)")
                continue
            self.keys(item, ("when", "use"), "'instead'")
            if item["use"] not in actions:
                self.error(item.where("use"), self.unknown("action", item["use"], actions))
            guard = self.expr(item["when"], item.where("when"), self.base)
            if guard:
                result.append(Substitute(guard, str(item["use"]), where))
        return result

    def unknown(self, kind: str, name: Any, known: Collection[str]) -> str:
        import difflib

        close = difflib.get_close_matches(str(name), list(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(sorted(known)) or 'none'}"
        return f"unknown {kind} '{name}'{hint}"

    def events(self) -> dict[str, EventSpec]:
        node = self.section(self.tree, "events")
        result = {}
        for name, spec in node.items():
            spec = spec if isinstance(spec, YMap) else YMap(node.where(name))
            self.keys(spec, EVENT_KEYS, f"event '{name}'")
            params = self.params(spec)
            scope = self.base | set(params)
            result[name] = EventSpec(
                name,
                MappingProxyType(params),
                self.checks(spec, "require", "that", "says", scope),
                self.checks(spec, "refuse", "when", "because", scope),
                self.checks(spec, "warn", "when", "says", scope),
                self.assignments(spec, scope),
                node.key_locs[name],
                str(spec["channel"]) if spec.get("channel") is not None else None,
            )
        return result

    def params(self, spec: YMap) -> dict[str, Param]:
        node = self.section(spec, "params")
        result = {}
        for name, kind in node.items():
            if isinstance(kind, YMap) and "one_of" in kind:
                self.keys(kind, ("one_of",), f"parameter '{name}'")
                choices = kind["one_of"]
                if not isinstance(choices, list) or not choices:
                    self.error(kind.where("one_of"), "'one_of' takes a list of words")
                    continue
                result[name] = Param(name, "str", tuple(str(c) for c in choices))
            elif kind in PARAM_TYPES:
                result[name] = Param(name, str(kind))
            else:
                self.error(
                    node.where(name), f"parameter '{name}' has type {', '.join(PARAM_TYPES)} or {{one_of: [...]}}"
                )
        return result

    def checks(self, spec: YMap, key: str, cond: str, says: str, scope: Collection[str]) -> tuple[Check, ...]:
        result = []
        items = self.section(spec, key, YSeq)
        for item, where in zip(items, items.locs, strict=False):
            if not isinstance(item, YMap) or cond not in item or says not in item:
                self.error(where, f"each '{key}' entry has '{cond}' (a condition) and '{says}' (a sentence)")
                continue
            self.keys(item, (cond, says), f"'{key}'")
            guard = self.expr(item[cond], item.where(cond), scope)
            text = self.text(item[says], item.where(says), scope)
            if guard:
                result.append(Check(guard, text, where))
        return tuple(result)

    def assignments(self, spec: YMap, scope: Collection[str]) -> tuple[tuple[str, Expression], ...]:
        node = self.section(spec, "set")
        result = []
        for name, source in node.items():
            if name not in self.section(self.tree, "facts") and name not in CORE_FACTS:
                self.error(node.key_locs[name], f"'set' changes facts; '{name}' is not a fact")
                continue
            compiled = self.expr(source, node.where(name), scope)
            if compiled:
                result.append((name, compiled))
        return tuple(result)

    # -- states ----------------------------------------------------------------------

    def states(self, actions: Mapping[str, Action], events: Mapping[str, EventSpec]) -> dict[str, State]:
        node = self.section(self.tree, "states")
        if not node:
            self.error(node.loc, "a rule set needs 'states', one of them 'initial: true'")
        everywhere = self.section(self.tree, "everywhere")
        self.keys(everywhere, ("on", "advises"), "'everywhere'")
        shared_on = self.transitions(everywhere, node, events)
        shared_advice = self.advices(everywhere, actions)
        result = {}
        for name, spec in node.items():
            spec = spec if isinstance(spec, YMap) else YMap(node.where(name))
            self.keys(spec, STATE_KEYS, f"state '{name}'")
            final = self.boolean(spec, "final")
            own_on = self.transitions(spec, node, events)
            marks = frozenset(str(m) for m in self.section(spec, "marks", YSeq))
            result[name] = State(
                name,
                self.boolean(spec, "initial"),
                final,
                self.text(spec.get("describe"), spec.where("describe"), self.base),
                marks,
                self.advices(spec, actions) + (() if final else shared_advice),
                self.timers(spec, node, name),
                MappingProxyType(own_on if final else {**shared_on, **own_on}),
                node.key_locs[name],
            )
        return result

    def transitions(self, spec: YMap, states: YMap, events: Mapping[str, EventSpec]) -> dict[str, tuple[Branch, ...]]:
        node = self.section(spec, "on")
        result = {}
        for event, target in node.items():
            if event not in events:
                self.error(node.key_locs[event], self.unknown("event", event, events))
                continue
            scope = self.base | set(events[event].params)
            result[event] = self.branches(target, node.where(event), states, scope)
        return result

    def branches(self, target: Any, where: Location, states: YMap, scope: Collection[str]) -> tuple[Branch, ...]:
        if target is None or isinstance(target, str):
            return (self.branch(target, None, where, states, scope),)
        if not isinstance(target, YSeq) or not target:
            self.error(where, "a target is a state name, null (stay), or a list of {to, when}")
            return ()
        result = []
        for item, loc in zip(target, target.locs, strict=True):
            if not isinstance(item, YMap) or "to" not in item:
                self.error(loc, "each branch has 'to' (a state, or null to stay) and may have 'when'")
                continue
            self.keys(item, ("to", "when"), "a branch")
            result.append(self.branch(item["to"], item.get("when"), item.where("to"), states, scope, item))
        return tuple(result)

    def branch(
        self, to: Any, when: Any, where: Location, states: YMap, scope: Collection[str], item: YMap | None = None
    ) -> Branch:
        if to is not None and to not in states:
            self.error(where, self.unknown("state", to, states))
        guard = self.expr(when, item.where("when"), scope) if item is not None and when is not None else None
        return Branch(to, guard, where)

    def timers(self, spec: YMap, states: YMap, spec_name: str) -> tuple[Timer, ...]:
        result = []
        items = self.section(spec, "timers", YSeq)
        for item, where in zip(items, items.locs, strict=False):
            if not isinstance(item, YMap) or "at" not in item or "to" not in item:
                self.error(where, "each timer has 'at' (a moment) and 'to' (a state or branches)")
                continue
            self.keys(item, ("at", "to"), "a timer")
            at = self.expr(item["at"], item.where("at"), self.base)
            branches = self.branches(item["to"], item.where("to"), states, self.base)
            if any(b.to is None or b.to == spec_name for b in branches):
                self.error(item.where("to"), "a timer must move the application to another state")
            if branches and branches[-1].when is not None:
                self.error(
                    branches[-1].where, "a timer's last branch needs no 'when', so the timer always leads somewhere"
                )
            if at:
                result.append(Timer(at, branches, where))
        return tuple(result)

    def advices(self, spec: YMap, actions: Mapping[str, Action]) -> tuple[Advice, ...]:
        result = []
        items = self.section(spec, "advises", YSeq)
        for item, where in zip(items, items.locs, strict=False):
            if not isinstance(item, YMap) or "action" not in item or "due" not in item:
                self.error(where, "each piece of advice has 'action' and 'due' (a moment)")
                continue
            self.keys(item, ADVICE_KEYS, "advice")
            if item["action"] not in actions:
                self.error(item.where("action"), self.unknown("action", item["action"], actions))
            shift = item.get("shift", "auto")
            if shift not in ("auto", "none"):
                self.error(item.where("shift"), "'shift' is 'auto' (move off weekends and holidays) or 'none'")
            opt = {
                k: self.expr(item[k], item.where(k), self.base) if k in item else None for k in ("from", "by", "when")
            }
            due = self.expr(item["due"], item.where("due"), self.base)
            if due:
                result.append(Advice(str(item["action"]), due, opt["from"], opt["by"], opt["when"],
                                     shift != "none", self.boolean(item, "optional"), where))  # fmt: skip
        return tuple(result)

    # -- policies and the graph ------------------------------------------------------

    def policies(self, actions: Mapping[str, Action]) -> dict[str, Policy]:
        node = self.section(self.tree, "policies")
        scope = self.base | POLICY_NAMES
        result = {}
        for channel, items in node.items():
            if not isinstance(items, YSeq):
                self.error(node.where(channel), f"policy '{channel}' is a list of allow/deny rules")
                continue
            rules = [r for r in (self.policy_rule(i, w, scope) for i, w in zip(items, items.locs, strict=True)) if r]
            result[channel] = Policy(channel, tuple(rules), node.key_locs[channel])
        for action in actions.values():
            for channel in action.channels:
                if channel not in result:
                    self.error(action.where, f"action '{action.name}' uses channel '{channel}', which has no policy")
        return result

    def policy_rule(self, item: Any, where: Location, scope: Collection[str]) -> PolicyRule | None:
        if not isinstance(item, YMap) or ("allow" in item) == ("deny" in item) or "because" not in item:
            self.error(where, "each policy rule has 'allow' or 'deny' (a condition) and 'because' (a sentence)")
            return None
        self.keys(item, ("allow", "deny", "because", "until"), "a policy rule")
        verdict = "allow" if "allow" in item else "deny"
        guard = self.expr(item[verdict], item.where(verdict), scope)
        until = self.expr(item["until"], item.where("until"), scope) if "until" in item else None
        because = self.text(item["because"], item.where("because"), scope)
        return PolicyRule(verdict == "allow", guard, because, until, where) if guard else None

    def check_channels(self, events: Mapping[str, EventSpec], policies: Mapping[str, Policy]) -> None:
        node = self.section(self.tree, "events")
        for event in events.values():
            if event.channel is not None and event.channel not in policies:
                spec = node.get(event.name)
                where = spec.where("channel") if isinstance(spec, YMap) else event.where
                self.error(where, self.unknown("channel", event.channel, policies))

    # -- invariants ------------------------------------------------------------------

    def invariants(self, policies: Mapping[str, Policy]) -> tuple[Invariant, ...]:
        items = self.section(self.tree, "invariants", YSeq)
        scope = self.base | {CAN_PREFIX + channel for channel in policies}
        result = []
        for number, (item, where) in enumerate(zip(items, items.locs, strict=False), start=1):
            if not isinstance(item, YMap) or "holds" not in item or "says" not in item:
                self.error(where, "each invariant has 'holds' (a condition) and 'says' (a sentence)")
                continue
            self.keys(item, INVARIANT_KEYS, "an invariant")
            paths = item.get("paths", "all")
            if paths not in INVARIANT_PATHS:
                self.error(item.where("paths"), "'paths' is 'all' (every explored path) or 'heeded' (see docs)")
            holds = self.expr(item["holds"], item.where("holds"), scope)
            says = self.text(item["says"], item.where("says"), scope)
            name = str(item.get("name") or f"invariant {number}")
            if holds:
                result.append(Invariant(name, holds, says, str(paths), where))
        return tuple(result)

    def check_graph(self, states: Mapping[str, State]) -> str:
        initial = [s.name for s in states.values() if s.initial]
        node = self.section(self.tree, "states")
        if len(initial) != 1:
            where = states[initial[1]].where if len(initial) > 1 else node.loc
            self.error(where, f"exactly one state must be 'initial: true' (found {len(initial)})")
            return initial[0] if initial else ""
        reached = self.reachable(states, initial[0])
        for state in states.values():
            if state.name not in reached:
                self.error(state.where, f"state '{state.name}' cannot be reached from '{initial[0]}'")
            exits = {b.to for bs in (*state.on.values(), *(t.branches for t in state.timers)) for b in bs}
            if not state.final and not (exits - {None, state.name}):
                self.error(
                    state.where, f"state '{state.name}' has no way out; add a transition or mark it 'final: true'"
                )
            if state.final and state.timers:
                self.error(state.where, f"final state '{state.name}' cannot have timers")
        return initial[0]

    def reachable(self, states: Mapping[str, State], start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            state = states[todo.pop()]
            for branches in (*state.on.values(), *(t.branches for t in state.timers)):
                for branch in branches:
                    if branch.to and branch.to in states and branch.to not in seen:
                        seen.add(branch.to)
                        todo.append(branch.to)
        return seen

    # -- message templates -----------------------------------------------------------

    def templates(self, actions: Mapping[str, Action], check: bool) -> dict[str, Template]:
        """The message templates by action; with ``check``, their Jinja2 text is checked too."""
        node = self.section(self.tree, "templates")
        alternatives = {str(n) for entry in node.values() if isinstance(entry, YSeq) for n in entry}
        result = {}
        for name, entry in node.items():
            if name not in actions and name not in alternatives:
                import difflib

                close = difflib.get_close_matches(name, list(actions), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.error(node.key_locs[name], f"template '{name}' names no action and is no other template's "
                                                f"alternative{hint}")  # fmt: skip
            elif isinstance(entry, str):
                result[name] = Template(name, entry, node.where(name))
            elif isinstance(entry, YMap) and isinstance(entry.get("text"), str):
                self.keys(entry, ("text", "file", "channel"), f"template '{name}'")
                channel = self.expr(entry["channel"], entry.where("channel"), self.base) if "channel" in entry else None
                result[name] = Template(name, entry["text"], entry.where("text"), channel)
            elif isinstance(entry, YSeq) and entry:
                result[name] = Template(name, "", node.where(name), None, tuple(str(n) for n in entry))
            elif entry is not None:
                self.error(node.where(name), f"template '{name}' is text, {{file: PATH}} or a list of other templates")
        for name in [n for n, t in result.items() if t.alternatives]:
            for other, where in zip(result[name].alternatives, node[name].locs, strict=True):
                if other not in result or result[other].alternatives:
                    self.error(where, f"'{other}' is not a template with text of its own")
        if check and result:
            from .drafts import template_errors

            self.errors += template_errors(result.values(), self.base | TEMPLATE_NAMES)
        return result
