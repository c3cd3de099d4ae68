"""The rules page's picture: the state machine as SVG drawn by Graphviz when it is installed,
else a state table a person can read. The "while in process" layout is
:mod:`tactful.authoring.graph`'s."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Collection
from typing import NamedTuple

from markupsafe import Markup

from ..authoring.graph import dot, layout
from ..language.ruleset import RuleSet


class Row(NamedTuple):
    """A state of the table: where each event and timer leads from it."""

    state: str
    final: bool
    current: bool
    moves: list[tuple[str, str, bool]]  # (label, target, timer)


def graphviz_svg(rs: RuleSet, current: str | None = None, visited: Collection[str] = ()) -> Markup | None:
    """The diagram as inline SVG, or None when Graphviz's ``dot`` is not installed or fails."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    proc = subprocess.run([exe, "-Tsvg"], input=dot(rs, current, visited).encode(), capture_output=True,
                          timeout=60, check=False)  # fmt: skip
    text = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or "<svg" not in text:
        return None
    # Graphviz escapes every label as XML; what comes before <svg> is the prolog and doctype.
    return Markup(text[text.index("<svg") :])  # noqa: S704


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
