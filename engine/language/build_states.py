"""Builds the state machine of a rule set and checks its graph.

:func:`build_states` reads ``states`` and ``everywhere``: each state's transitions, timers and
advice, with references to events, actions and other states checked.
:func:`check_graph` then finds the one initial state and reports states that cannot be
reached, states with no way out that are not final, and final states with timers. Problems
are reported through the shared :class:`~tactful.language.build_reader.Reader`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from ..errors import Location
from .build_reader import Reader, param_choices, param_kinds
from .ruleset import MARKS, Action, Advice, Branch, EventSpec, State, Timer
from .sources import cites
from .yamltree import YMap, YSeq

STATE_KEYS = ("initial", "final", "describe", "marks", "advises", "timers", "on")
EVERYWHERE_KEYS = ("on", "advises")
BRANCH_KEYS = ("to", "when", "source")
BRANCH_REQUIRED = ("to",)
TIMER_KEYS = ("at", "to")  # each required
TIMER_ALLOWED = (*TIMER_KEYS, "source")
ADVICE_KEYS = ("action", "due", "from", "by", "when", "shift", "optional", "source")
ADVICE_REQUIRED = ("action", "due")
SHIFTS = ("auto", "none")


# -- states ----------------------------------------------------------------------------


def build_states(
    reader: Reader, node: YMap, everywhere: YMap, actions: Mapping[str, Action], events: Mapping[str, EventSpec]
) -> dict[str, State]:
    """The ``states`` section (``node``), each non-final state with what ``everywhere`` adds."""
    if not node:
        reader.error(node.loc, "a rule set needs 'states', one of them 'initial: true'")
    reader.keys(everywhere, EVERYWHERE_KEYS, "'everywhere'")
    shared_on = _transitions(reader, everywhere, node, events)
    shared_advice = _advices(reader, everywhere, actions)
    result = {}
    for name in node:
        spec = reader.entry(node, name, "state", "{final: true}")
        spec = spec or YMap(node.where(name))  # one that is not a mapping (reported) stays known
        reader.keys(spec, STATE_KEYS, f"state '{name}'")
        final = reader.boolean(spec, "final")
        own_on = _transitions(reader, spec, node, events)
        result[name] = State(
            name,
            reader.boolean(spec, "initial"),
            final,
            reader.text(spec.get("describe"), spec.where("describe"), reader.base),
            _marks(reader, spec),
            _advices(reader, spec, actions) + (() if final else shared_advice),
            _timers(reader, spec, node, name),
            MappingProxyType(own_on if final else {**shared_on, **own_on}),
            node.key_locs[name],
        )
    return result


def _marks(reader: Reader, spec: YMap) -> frozenset[str]:
    items = reader.section(spec, "marks", YSeq)
    for mark, where in zip(items, items.locs, strict=True):
        if mark not in MARKS:
            reader.error(where, reader.unknown("mark", mark, MARKS))
    return frozenset(str(m) for m in items)


def _transitions(
    reader: Reader, spec: YMap, states: YMap, events: Mapping[str, EventSpec]
) -> dict[str, tuple[Branch, ...]]:
    node = reader.section(spec, "on")
    result = {}
    for event, target in node.items():
        if event not in events:
            reader.error(node.key_locs[event], reader.unknown("event", event, events))
            continue
        scope = reader.base | set(events[event].params)
        with reader.kinds_with(param_kinds(events[event].params), param_choices(events[event].params)):
            result[event] = _branches(reader, target, node.where(event), states, scope)
    return result


def _branches(reader: Reader, target: Any, where: Location, states: YMap, scope: Collection[str]) -> tuple[Branch, ...]:
    if target is None or isinstance(target, str):
        return (_branch(reader, target, None, where, states, scope),)
    if not isinstance(target, YSeq) or not target:
        reader.error(where, "a target is a state name, null (stay), or a list of {to, when}")
        return ()
    result = []
    shape = "each branch has 'to' (a state, or null to stay) and may have 'when'"
    for item, _ in reader.entries(target, "a branch", shape, BRANCH_REQUIRED, BRANCH_KEYS):
        result.append(_branch(reader, item["to"], item.get("when"), item.where("to"), states, scope, item))
    return tuple(result)


def _branch(
    reader: Reader,
    to: Any,
    when: Any,
    where: Location,
    states: YMap,
    scope: Collection[str],
    item: YMap | None = None,
) -> Branch:
    if to is not None and not reader.known(to, where, "state", states):
        to = None
    guard = reader.expr(when, item.where("when"), scope) if item is not None and when is not None else None
    return Branch(to, guard, where, cites(reader, item, reader.sources) if item is not None else ())


def _timers(reader: Reader, spec: YMap, states: YMap, spec_name: str) -> tuple[Timer, ...]:
    result = []
    items = reader.section(spec, "timers", YSeq)
    shape = "each timer has 'at' (a moment) and 'to' (a state or branches)"
    for item, where in reader.entries(items, "a timer", shape, TIMER_KEYS, TIMER_ALLOWED):
        at = reader.moment(item["at"], item.where("at"), reader.base, "at")
        branches = _branches(reader, item["to"], item.where("to"), states, reader.base)
        if any(b.to is None or b.to == spec_name for b in branches):
            reader.error(item.where("to"), "a timer must move the application to another state")
        if branches and branches[-1].when is not None:
            reader.error(
                branches[-1].where, "a timer's last branch needs no 'when', so the timer always leads somewhere"
            )
        if at:
            result.append(Timer(at, branches, where, cites(reader, item, reader.sources)))
    return tuple(result)


def _advices(reader: Reader, spec: YMap, actions: Mapping[str, Action]) -> tuple[Advice, ...]:
    result = []
    items = reader.section(spec, "advises", YSeq)
    shape = "each piece of advice has 'action' and 'due' (a moment)"
    for item, where in reader.entries(items, "advice", shape, ADVICE_REQUIRED, ADVICE_KEYS):
        reader.known(item["action"], item.where("action"), "action", actions)
        shift = item.get("shift", "auto")
        if not isinstance(shift, str) or shift not in SHIFTS:
            reader.error(item.where("shift"), "'shift' is 'auto' (move off weekends and holidays) or 'none'")
        opt = {k: reader.moment(item[k], item.where(k), reader.base, k) if k in item else None for k in ("from", "by")}
        opt["when"] = reader.expr(item["when"], item.where("when"), reader.base) if "when" in item else None
        due = reader.moment(item["due"], item.where("due"), reader.base, "due")
        if due:
            result.append(Advice(str(item["action"]), due, opt["from"], opt["by"], opt["when"],
                                 shift != "none", reader.boolean(item, "optional"), where,
                                 cites(reader, item, reader.sources)))  # fmt: skip
    return tuple(result)


# -- the graph -------------------------------------------------------------------------


def check_graph(reader: Reader, node: YMap, states: Mapping[str, State]) -> str:
    """The initial state's name, after reporting what is wrong with the graph of ``states``
    (read from the section ``node``)."""
    initial = [s.name for s in states.values() if s.initial]
    if len(initial) != 1:
        where = states[initial[1]].where if len(initial) > 1 else node.loc
        reader.error(where, f"exactly one state must be 'initial: true' (found {len(initial)})")
        return initial[0] if initial else ""
    reached = _reachable(states, initial[0])
    for state in states.values():
        if state.name not in reached:
            reader.error(state.where, f"state '{state.name}' cannot be reached from '{initial[0]}'")
        exits = {b.to for bs in (*state.on.values(), *(t.branches for t in state.timers)) for b in bs}
        if not state.final and not (exits - {None, state.name}):
            reader.error(state.where, f"state '{state.name}' has no way out; add a transition or mark it 'final: true'")
        if state.final and state.timers:
            reader.error(state.where, f"final state '{state.name}' cannot have timers")
    return initial[0]


def _reachable(states: Mapping[str, State], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        state = states[todo.pop()]
        for branches in (*state.on.values(), *(t.branches for t in state.timers)):
            for branch in branches:
                if branch.to and branch.to in states and branch.to not in seen:
                    seen.add(branch.to)
                    todo.append(branch.to)
    return seen
