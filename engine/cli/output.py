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
            "optional": item.optional, "rule": item.rule.short}  # fmt: skip


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
        describe=Namespace(rs, app, now).render(rs.states[app.state].describe), final=rs.states[app.state].final,
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


#: The facts `add` takes, shown first and in this order; what the rules derive follows.
FACT_ORDER = ("interviewed", "role", "interviewer", "email", "phone", "timezone", "decision_by", "no_calls",
              "email_invited", "rank")  # fmt: skip


def fact_text(value: Any, tz: tzinfo) -> str:
    """A fact's value for people: yes/no, a moment in the user's zone, else as written."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) > 10 and value[10:11] == "T":
        try:
            return local(datetime.fromisoformat(value), tz)
        except ValueError:
            return value
    return str(value)


def facts_lines(app: Application, tz: tzinfo) -> list[str]:
    """The facts one a line, labels aligned; the interviewer's time zone named as such."""
    ordered = sorted(app.facts.items(), key=lambda kv: (kv[0] not in FACT_ORDER, FACT_ORDER.index(kv[0])
                     if kv[0] in FACT_ORDER else 0))  # fmt: skip
    facts = {("interviewer's time zone" if k == "timezone" else k.replace("_", " ")): fact_text(v, tz)
             for k, v in ordered if v not in (None, "")}  # fmt: skip
    facts.setdefault("interviewer's time zone", "UTC")
    facts["rules"] = app.rules
    width = max(len(k) for k in facts) + 1
    return [f"  {k + ':':<{width}} {v}" for k, v in facts.items()]


def entry_what(entry: LogEntry, tz: tzinfo) -> str:
    """What a history entry records: an event with its details, an edit with the facts it
    changed; an added application or a timer by name alone."""
    if entry.kind == "edit":
        return f"{entry.name} ({', '.join(k.replace('_', ' ') for k in entry.params)})" if entry.params else entry.name
    if entry.kind != "event" or not entry.params:
        return entry.name
    details = []
    for key, value in entry.params.items():
        text = fact_text(value, tz)
        details.append(f"{key.replace('_', ' ')} {text if len(text) <= 30 else text[:29] + '…'}")
    return f"{entry.name} ({', '.join(details)})"


def history_lines(entries: Sequence[LogEntry], tz: tzinfo) -> list[str]:
    """One line an entry, in columns: when, what, and the change of state."""
    whats = [entry_what(entry, tz) for entry in entries]
    width = max((len(w) for w in whats), default=0)
    lines = []
    for entry, what in zip(entries, whats, strict=True):
        if not entry.source:
            change = f"starts in {entry.target}"
        elif entry.source == entry.target:
            change = f"stays in {entry.target}"
        else:
            change = f"{entry.source} -> {entry.target}"
        lines.append(f"  {local(entry.at, tz)}  {what:<{width}}  {change}")
    return lines


def optional_mark(item: Advised) -> str:
    return f"{item.action} (optional)" if item.optional else item.action


def show_text(engine: Engine, app: Application, items: Sequence[Advised], tz: tzinfo) -> str:
    """`show` for people: facts, state, what comes next, history."""
    rs = engine.rules_for(app)
    state = rs.states[app.state]
    lines = [f"#{app.id} {app.company}: {app.state.replace('_', ' ')}" + (" (final)" if state.final else ""),
             *facts_lines(app, tz)]  # fmt: skip
    if items:
        lines += ["", "What comes next:"]
        lines += [f"  {local(a.due, tz)}  {optional_mark(a)}: {a.reason}" for a in items]
    lines += ["", "History:", *history_lines(engine.history(app.id or 0), tz)]
    return "\n".join(lines)
