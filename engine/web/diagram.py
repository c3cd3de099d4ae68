"""The rules page's state table, the same machine as the diagram of :mod:`tactful.web.layered`,
with the "while in process" group of :mod:`tactful.authoring.graph` as a row of its own."""

from __future__ import annotations

from typing import NamedTuple

from ..authoring.graph import layout
from ..language.ruleset import RuleSet


class Row(NamedTuple):
    """A state of the table: where each event and timer leads from it."""

    state: str
    final: bool
    current: bool
    moves: list[tuple[str, str, bool]]  # (label, target, timer)


def table(rs: RuleSet, current: str | None = None) -> list[Row]:
    """The state machine as rows, the transitions of the "while in process" group under its
    own row."""
    drawn = layout(rs)
    rows = []
    if drawn.group:
        rows.append(Row("while in process: " + ", ".join(drawn.group), False, current in drawn.group,
                        [(" | ".join(e.labels), e.target, False) for e in drawn.shared]))  # fmt: skip
    for state in rs.states.values():
        moves = [(" | ".join(e.labels), e.target, e.timer) for e in drawn.rest if e.source == state.name]
        rows.append(Row(state.name, state.final, state.name == current, moves))
    return rows
