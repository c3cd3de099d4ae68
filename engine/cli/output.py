"""How records look: JSON documents (stable, ISO 8601) and human tables and sentences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ..vocabulary.text import safe

if TYPE_CHECKING:
    from ..engine import Engine, Fired
    from ..vocabulary.records import Advised, Application, LogEntry, Verdict


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def local(moment: datetime | None, tz: tzinfo) -> str:
    """A moment in the user's zone, the way people read it."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def advised_doc(item: Advised) -> dict[str, Any]:
    return {"action": item.action, "due": iso(item.due), "from": iso(item.start), "reason": item.reason,
            "optional": item.optional, "rule": item.rule.short, "record": item.record}  # fmt: skip


def done_by(item: Advised) -> str:
    """How to mark ``item`` done, for people: the event that records it, if any."""
    return f" (done: record {item.record})" if item.record else ""


def entry_doc(entry: LogEntry) -> dict[str, Any]:
    return {"kind": entry.kind, "name": entry.name, "at": iso(entry.at), "recorded": iso(entry.recorded),
            "from": entry.source or None, "to": entry.target, "params": dict(entry.params)}  # fmt: skip


def app_doc(
    engine: Engine, app: Application, now: datetime, next_items: Sequence[Advised], *, full: bool = True
) -> dict[str, Any]:
    """An application (caught up to ``now``, with what comes next) as `show --json` prints it
    (``full``) or as a `list` row."""
    from ..language.namespace import Namespace

    rs = engine.rules_for(app)
    doc: dict[str, Any] = {
        "id": app.id, "company": app.company, "state": app.state,
        "role": app.facts.get("role"), "interviewed": app.facts.get("interviewed"),
        "rank": app.facts.get("rank"),
    }  # fmt: skip
    if not full:
        first = next_items[0] if next_items else None
        doc.update(next_action=first and first.action, next_due=first and iso(first.due))
        return doc
    doc.update(
        describe=Namespace(rs, app, now, viewer=engine.zone).render(rs.states[app.state].describe),
        final=rs.states[app.state].final,
        entered=iso(app.entered), rules=app.rules, rules_hash=app.rules_hash,
        facts=dict(app.facts), next=[advised_doc(a) for a in next_items],
        history=[entry_doc(e) for e in engine.history(app.id or 0)],
    )  # fmt: skip
    return doc


def verdict_doc(verdict: Verdict) -> dict[str, Any]:
    return {"channel": verdict.channel, "allowed": verdict.allowed, "reason": verdict.reason,
            "rule": verdict.rule.short if verdict.rule else None,
            "allowed_from": verdict.allowed_from.date().isoformat() if verdict.allowed_from else None}  # fmt: skip


def fired_doc(fired: Fired) -> dict[str, Any]:
    return {"id": fired.id, "company": fired.company, "from": fired.source, "to": fired.target, "at": iso(fired.at)}


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
