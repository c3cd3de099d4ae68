"""Diagrams of a rule set's state machine: Mermaid and Graphviz DOT text.

Edges come straight from the :class:`~tactful.language.ruleset.RuleSet`: one per event or timer
branch, labelled with the event (or ``at`` and the timer's moment) and the branch's guard
in brackets; a branch that follows guarded ones is ``[else]``. Edges between the same two
states are drawn as one, their labels joined. Events that leave the state as it is
(``to: null``, such as ``news``) are not drawn. Nothing here runs Graphviz; the CLI does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
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
    grouped: dict[tuple[str, str, bool], list[tuple[str, str]]] = {}
    for state in rs.states.values():
        for event, branches in state.on.items():
            for target, guard in _guards(branches):
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
    lines = ["---", f"title: {json.dumps(rs.name)}", "---", "stateDiagram-v2"]
    lines += [f'    state "{_mermaid_text(name)}" as {ident}' for name, ident in ids.items() if name != ident]
    lines.append(f"    [*] --> {ids[rs.initial]}")
    for edge in edges(rs):
        label = _mermaid_text(" | ".join(edge.labels))
        lines.append(f"    {ids[edge.source]} --> {ids[edge.target]}: {label}")
    lines += [f"    {ids[s.name]} --> [*]" for s in rs.states.values() if s.final]
    if current is not None:
        lines.append(f"    classDef current {_CURRENT_STYLE}")
        passed = [ids[s] for s in rs.states if s in visited and s != current]
        if passed:
            lines.append(f"    classDef visited {_VISITED_STYLE}")
            lines.append(f"    class {','.join(passed)} visited")
        lines.append(f"    class {ids[current]} current")
    return "\n".join(lines) + "\n"


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
    for edge in edges(rs):
        attrs = [f"label={_dot_quote(chr(10).join(edge.labels))}"] + (["style=dashed"] if edge.timer else [])
        lines.append(f"    {_dot_quote(edge.source)} -> {_dot_quote(edge.target)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
