"""Diagrams of a rule set's state machine: Mermaid and Graphviz DOT text.

Edges come straight from the :class:`~tactful.language.ruleset.RuleSet`: one per event or timer
branch, labelled with the event (or ``at`` and the timer's moment) and the branch's guard
in brackets; a branch that follows guarded ones is ``[else]``. Edges between the same two
states are drawn as one, their labels joined. Events that leave the state as it is
(``to: null``, such as ``news``) are not drawn. Nothing here runs Graphviz; the CLI does.

Transitions that every state in process shares (``offer``, ``rejected``, ``withdrawn`` in the
default rules) are drawn once, from a "while in process" group around the states that share
them: a statechart's superstate, a Graphviz cluster. Without such shared transitions the
diagram is flat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from typing import NamedTuple

from ..language.ruleset import Branch, RuleSet

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Words Mermaid's state diagrams read as keywords, so they cannot name a state directly.
_MERMAID_WORDS = frozenset({"state", "note", "end", "class", "classDef", "direction", "as", "click", "style"})
_CURRENT_STYLE = "fill:#ffd54f,stroke:#e65100,stroke-width:3px"
_VISITED_STYLE = "fill:#eeeeee,stroke:#9e9e9e"


class Edge(NamedTuple):
    """An arrow from one state to another, with what moves the application along it."""

    source: str
    target: str
    labels: tuple[str, ...]
    timer: bool


def edges(rs: RuleSet) -> list[Edge]:
    """Every transition of ``rs``, events and timers apart, one edge per pair of states."""
    return _edges(rs, lambda source, triple: False)


class Layout(NamedTuple):
    """The edges as drawn: the states of the "while in process" group (empty when there is
    none), the transitions drawn once from the group, and every other edge."""

    group: tuple[str, ...]
    shared: list[Edge]
    rest: list[Edge]


GROUP_LABEL = "while in process"


def layout(rs: RuleSet) -> Layout:
    """Group the transitions every non-final state shares, when at least two states share them.

    A state that one of them leads to (``offer_received`` for ``offer``) stays out of the
    group, its own edges drawn as they are, so that no arrow leaves the group into itself.
    """
    pairs = _pairs(rs)
    in_process = [s.name for s in rs.states.values() if not s.final]
    common = set.intersection(*(set(pairs.get(n, ())) for n in in_process)) if in_process else set()
    targets = {target for _, _, target in common}
    group = tuple(n for n in in_process if n not in targets)
    if not common or len(group) < 2:
        return Layout((), [], edges(rs))
    shared: dict[str, list[tuple[str, str]]] = {}
    for event, guard, target in sorted(common, key=lambda t: list(rs.states).index(t[2])):
        shared.setdefault(target, []).append((event, guard))
    members = set(group)
    rest = [e for e in _edges(rs, lambda src, triple: src in members and triple in common)]
    return Layout(group, [Edge("", t, _labels(p), False) for t, p in shared.items()], rest)


def _pairs(rs: RuleSet) -> dict[str, list[tuple[str, str, str]]]:
    """Each state's event transitions as (event, guard, target)."""
    return {
        state.name: [(event, guard, target) for event, bs in state.on.items() for target, guard in _guards(bs)]
        for state in rs.states.values()
    }


def _edges(rs: RuleSet, skip: Callable[[str, tuple[str, str, str]], bool]) -> list[Edge]:
    """Like :func:`edges`, leaving out the event transitions ``skip`` names."""
    grouped: dict[tuple[str, str, bool], list[tuple[str, str]]] = {}
    for state in rs.states.values():
        for event, branches in state.on.items():
            for target, guard in _guards(branches):
                if not skip(state.name, (event, guard, target)):
                    grouped.setdefault((state.name, target, False), []).append((event, guard))
        for timer in state.timers:
            for target, guard in _guards(timer.branches):
                grouped.setdefault((state.name, target, True), []).append((f"at {timer.at.source}", guard))
    return [Edge(source, target, _labels(pairs), timer) for (source, target, timer), pairs in grouped.items()]


def _guards(branches: tuple[Branch, ...]) -> list[tuple[str, str]]:
    """Each branch that moves somewhere, with its guard as the label shows it."""
    result = []
    guarded = False
    for branch in branches:
        if branch.when is not None:
            guard = f" [{' '.join(branch.when.source.split())}]"
            guarded = True
        else:
            guard = " [else]" if guarded else ""
        if branch.to is not None:
            result.append((branch.to, guard))
    return result


def _labels(pairs: list[tuple[str, str]]) -> tuple[str, ...]:
    """Triggers that share a guard written once: ``called, note_sent [else]``."""
    by_guard: dict[str, list[str]] = {}
    for trigger, guard in pairs:
        by_guard.setdefault(guard, []).append(trigger)
    return tuple(", ".join(triggers) + guard for guard, triggers in by_guard.items())


def mermaid(rs: RuleSet, current: str | None = None, visited: Collection[str] = ()) -> str:
    """The state machine as a Mermaid state diagram; ``current`` (and the states already
    ``visited``) highlighted when given."""
    ids = _mermaid_ids(rs)
    drawn = layout(rs)
    lines = ["---", f"title: {json.dumps(rs.name)}", "---", "stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(name)}" as {ident}' for name, ident in ids.items() if name != ident]
    inside = set(drawn.group)
    if drawn.group:
        group = _group_id(ids)
        lines += [f'    state "{GROUP_LABEL}" as {group} {{']
        lines.append(f"        [*] --> {ids[rs.initial]}" if rs.initial in inside else "")
        lines += [_mermaid_edge(ids, e, "        ") for e in drawn.rest if {e.source, e.target} <= inside]
        lines += ["    }", *(_mermaid_edge(ids | {"": group}, e, "    ") for e in drawn.shared)]
    if rs.initial not in inside:
        lines.append(f"    [*] --> {ids[rs.initial]}")
    elif drawn.group:
        lines.append(f"    [*] --> {_group_id(ids)}")
    lines += [_mermaid_edge(ids, e, "    ") for e in drawn.rest if not {e.source, e.target} <= inside]
    lines = [line for line in lines if line]
    lines += [f"    {ids[s.name]} --> [*]" for s in rs.states.values() if s.final]
    if current is not None:
        lines.append(f"    classDef current {_CURRENT_STYLE}")
        passed = [ids[s] for s in rs.states if s in visited and s != current]
        if passed:
            lines.append(f"    classDef visited {_VISITED_STYLE}")
            lines.append(f"    class {','.join(passed)} visited")
        lines.append(f"    class {ids[current]} current")
    return "\n".join(lines) + "\n"


def _mermaid_edge(ids: dict[str, str], edge: Edge, indent: str) -> str:
    return f"{indent}{ids[edge.source]} --> {ids[edge.target]}: {_mermaid_text(' | '.join(edge.labels))}"


def _group_id(ids: dict[str, str]) -> str:
    """An id for the "while in process" group that no state has."""
    name = "in_process"
    while name in ids.values():
        name += "_"
    return name


def _mermaid_ids(rs: RuleSet) -> dict[str, str]:
    ids = {}
    for number, name in enumerate(rs.states, start=1):
        plain = _IDENTIFIER.match(name) and name not in _MERMAID_WORDS
        ids[name] = name if plain else f"state_{number}"
    return ids


def _mermaid_text(text: str) -> str:
    """Label text with the characters Mermaid would read as syntax written as entities."""
    for char, entity in (("#", "#35;"), (";", "#59;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return text


def dot(rs: RuleSet, current: str | None = None, visited: Collection[str] = ()) -> str:
    """The state machine as Graphviz DOT: timers dashed, final states double-bordered."""
    lines = [
        f"digraph {_dot_quote(rs.name)} {{",
        "    rankdir=LR;",
        '    node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        '    __start [shape=point, width=0.15, label=""];',
    ]
    for state in rs.states.values():
        attrs = []
        if state.final:
            attrs.append("peripheries=2")
        if state.name == current:
            attrs += ['fillcolor="#ffd54f"', 'color="#e65100"', "penwidth=3"]
        elif state.name in visited:
            attrs += ['fillcolor="#eeeeee"']
        lines.append(f"    {_dot_quote(state.name)}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    lines.append(f"    __start -> {_dot_quote(rs.initial)};")
    drawn = layout(rs)
    if drawn.group:
        lines += _dot_group(drawn)
    for edge in drawn.rest:
        attrs = [f"label={_dot_quote(chr(10).join(edge.labels))}"] + (["style=dashed"] if edge.timer else [])
        lines.append(f"    {_dot_quote(edge.source)} -> {_dot_quote(edge.target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_group(drawn: Layout) -> list[str]:
    """The "while in process" cluster and the transitions drawn once from its border."""
    lines = [
        "    compound=true;",
        "    subgraph cluster_in_process {",
        f'        label={_dot_quote(GROUP_LABEL)}; style="rounded,dashed"; color="#546e7a"; fontname="Helvetica";',
        '        __in_process [shape=point, style=invis, width=0.01, label=""];',
        *(f"        {_dot_quote(name)};" for name in drawn.group),
        "    }",
    ]
    for edge in drawn.shared:
        label = _dot_quote(chr(10).join(edge.labels))
        lines.append(f"    __in_process -> {_dot_quote(edge.target)} [label={label}, ltail=cluster_in_process];")
    return lines


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
