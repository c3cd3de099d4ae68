"""How records look to people: tables and sentences. The JSON documents are built in
:mod:`tactful.documents`, shared with the web API, and re-exported here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ..documents import advised_doc, agenda_doc, app_doc, entry_doc, fired_doc, iso, list_doc, show_doc, verdict_doc
from ..vocabulary.text import safe

if TYPE_CHECKING:
    from ..engine import Engine
    from ..vocabulary.records import Advised, Application

__all__ = ["advised_doc", "agenda_doc", "app_doc", "done_by", "entry_doc", "fired_doc", "iso", "list_doc", "local",
           "show_doc", "show_text", "table", "verdict_doc"]  # fmt: skip


def local(moment: datetime | None, tz: tzinfo) -> str:
    """A moment in the user's zone, the way people read it."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def done_by(item: Advised) -> str:
    """How to mark ``item`` done, for people: the event that records it, if any."""
    return f" (done: record {item.record})" if item.record else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain text table with aligned columns."""
    cells = [[str(h) for h in headers], *([("" if c is None else safe(str(c))) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def show_text(engine: Engine, app: Application, items: Sequence[Advised], tz: tzinfo) -> str:
    """`show` for people: facts, state, what comes next, history."""
    rs = engine.rules_for(app)
    state = rs.states[app.state]
    facts = ", ".join(f"{k}: {v}" for k, v in app.facts.items() if v not in (None, "", False) and k != "timezone")
    lines = [f"#{app.id} {app.company}: {app.state.replace('_', ' ')}" + (" (final)" if state.final else ""),
             f"  {facts}", f"  rules: {app.rules}"]  # fmt: skip
    if items:
        lines += ["", "What comes next:"]
        lines += [f"  {local(a.due, tz)}  {a.action}{' (optional)' if a.optional else ''}: {a.reason}{done_by(a)}"
                  for a in items]  # fmt: skip
    lines += ["", "History:"]
    for entry in engine.history(app.id or 0):
        change = f"{entry.source} -> {entry.target}" if entry.source != entry.target else entry.target
        lines.append(f"  {local(entry.at, tz)}  {entry.name}: {change}")
    return "\n".join(lines)
