"""How records look to people: tables and sentences. The JSON documents are built in
:mod:`tactful.views.documents`, shared with the web API, and re-exported here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ..views.documents import (
    advised_doc,
    agenda_doc,
    app_doc,
    entry_doc,
    fired_doc,
    iso,
    list_doc,
    show_doc,
    verdict_doc,
)
from ..vocabulary.text import safe

if TYPE_CHECKING:
    from ..engine import Engine
    from ..vocabulary.records import Advised, Application, LogEntry

__all__ = ["advised_doc", "agenda_doc", "agenda_text", "app_doc", "done_by", "entry_doc", "fired_doc", "iso",
           "list_doc", "local", "show_doc", "show_text", "table", "verdict_doc"]  # fmt: skip


def local(moment: datetime | None, tz: tzinfo) -> str:
    """A moment in the user's zone, the way people read it."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def agenda_text(items: Sequence[tuple[Application, Advised]], now: datetime, tz: tzinfo) -> str:
    """`agenda` for people: a table of what is due, soonest first, "now" marking what is due already."""
    if not items:
        return "Nothing to do."
    rows = [("now" if a.due <= now else "", local(a.due, tz), app.id, app.company, optional_mark(a),
             a.reason + done_by(a)) for app, a in items]  # fmt: skip
    return table(("", "due", "id", "company", "action", "why"), rows)


def done_by(item: Advised) -> str:
    """How to mark ``item`` done, for people: the event that records it, if any."""
    return f" (done: record {item.record})" if item.record else ""


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain text table with aligned columns."""
    cells = [[str(h) for h in headers], *([("" if c is None else safe(str(c))) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


#: The facts `add` takes, shown first and in this order; what the rules derive follows.
FACT_ORDER = ("interviewed", "role", "interviewer", "email", "phone", "timezone", "decision_by", "no_calls",
              "email_invited", "rank", "news_feed")  # fmt: skip


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
        lines += [f"  {local(a.due, tz)}  {optional_mark(a)}: {a.reason}{done_by(a)}" for a in items]
    lines += ["", "History:", *history_lines(engine.history(app.id or 0), tz)]
    return "\n".join(lines)
