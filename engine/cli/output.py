"""How records look to people: tables and sentences. The JSON documents are built in
:mod:`tactful.views.documents`, shared with the web API, and re-exported here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from ..views.documents import (
    advised_doc,
    agenda_doc,
    app_doc,
    entry_doc,
    fired_doc,
    holidays_of,
    in_order,
    iso,
    list_doc,
    show_doc,
    verdict_doc,
)
from ..vocabulary.text import safe
from ..vocabulary.timecalc import zone_key

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet
    from ..vocabulary.records import Advised, Application, LogEntry

__all__ = ["advised_doc", "agenda_doc", "agenda_text", "app_doc", "done_by", "entry_doc", "fired_doc", "iso",
           "list_doc", "local", "show_doc", "show_text", "table", "terminal_width", "verdict_doc", "words"]  # fmt: skip


def local(moment: datetime | None, tz: tzinfo) -> str:
    """A moment in the user's zone, the way people read it."""
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


def agenda_text(items: Sequence[tuple[Application, Advised]], now: datetime, tz: tzinfo, wide: bool = False) -> str:
    """`agenda` for people: a table of what is due, soonest first, "now" marking what is due
    already; the "why" column cut to the terminal's width unless ``wide``."""
    if not items:
        return "Nothing to do."
    rows = [("now" if a.due <= now else "", local(a.due, tz), app.id, app.company, optional_mark(a),
             a.reason + done_by(a)) for app, a in items]  # fmt: skip
    return table(("", "due", "id", "company", "action", "why"), rows, fit=None if wide else 5)


def words(name: str | None) -> str | None:
    """A state's or an action's name as people read it, as the board shows it:
    ``follow_up_due`` is "follow up due". JSON keeps the identifiers."""
    return name.replace("_", " ") if name else name


def terminal_width() -> int | None:
    """The width tables fit: ``COLUMNS`` when set, else the terminal's; None (no limit) when
    the output goes to a pipe or a file, where a cut line would lose what a script looks for."""
    import os
    import shutil
    import sys

    if os.environ.get("COLUMNS", "").strip().isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def done_by(item: Advised) -> str:
    """How to mark ``item`` done, for people: the event that records it, if any."""
    return f" (done: record {item.record})" if item.record else ""


#: The fewest characters a cut column keeps, however narrow the terminal.
MIN_FIT = 12


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], fit: int | None = None) -> str:
    """A plain text table with aligned columns. Column ``fit`` (the last, a sentence) is cut
    with an ellipsis so that lines fit :func:`terminal_width`."""
    cells = [[str(h) for h in headers], *([("" if c is None else safe(str(c))) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    room, cut = terminal_width() if fit is not None else None, False
    if fit is not None and room is not None:
        left = room - sum(w for i, w in enumerate(widths) if i != fit) - 2 * (len(widths) - 1) - 1
        widths[fit] = min(widths[fit], max(left, MIN_FIT))
        for row in cells:
            if len(row[fit]) > widths[fit]:
                row[fit] = row[fit][: widths[fit] - 1].rstrip() + "…"
                cut = True
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    hint = [f"(the {headers[fit or 0]} column is cut to {room} columns: --wide prints it whole)"] if cut else []
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:], *hint])


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


def holidays_text(rs: RuleSet, app: Application) -> str:
    """Which public holidays the contact days skip, and why, for `show`."""
    country, source = holidays_of(rs, app)
    if source == "zone":
        return f"public holidays in {country} (the country of the interviewer's time zone)"
    return f"public holidays in {country} (the rule set's)" if country else "none"


def facts_lines(app: Application, tz: tzinfo, holidays: str = "") -> list[str]:
    """The facts one a line, labels aligned; the interviewer's time zone named as such, and
    said to be the user's own when it is (the default)."""
    ordered = sorted(app.facts.items(), key=lambda kv: (kv[0] not in FACT_ORDER, FACT_ORDER.index(kv[0])
                     if kv[0] in FACT_ORDER else 0))  # fmt: skip
    facts = {("interviewer's time zone" if k == "timezone" else k.replace("_", " ")): fact_text(v, tz)
             for k, v in ordered if v not in (None, "")}  # fmt: skip
    facts.setdefault("interviewer's time zone", "UTC")
    if facts["interviewer's time zone"] == zone_key(tz):
        facts["interviewer's time zone"] += " (your own zone)"
    if holidays:
        facts["holidays"] = holidays
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
    """One line an entry, in columns: when it happened, what, and the change of state; an
    entry recorded later than it happened (``--at``) says when it was recorded."""
    whats = [entry_what(entry, tz) + recorded_note(entry, tz) for entry in entries]
    width = max((len(w) for w in whats), default=0)
    lines = []
    for entry, what in zip(entries, whats, strict=True):
        if not entry.source:
            change = f"starts in {words(entry.target)}"
        elif entry.source == entry.target:
            change = f"stays in {words(entry.target)}"
        else:
            change = f"{words(entry.source)} -> {words(entry.target)}"
        lines.append(f"  {local(entry.at, tz)}  {what:<{width}}  {change}")
    return lines


def recorded_note(entry: LogEntry, tz: tzinfo) -> str:
    """`` (recorded …)`` for an entry recorded more than a minute after it happened."""
    late = entry.recorded - entry.at > timedelta(minutes=1)
    return f" (recorded {local(entry.recorded, tz)})" if late and entry.kind in ("event", "added") else ""


def optional_mark(item: Advised) -> str:
    """The action in words, marked when optional."""
    return f"{words(item.action)} (optional)" if item.optional else str(words(item.action))


def show_text(engine: Engine, app: Application, items: Sequence[Advised], tz: tzinfo) -> str:
    """`show` for people: facts, state, what comes next, history."""
    rs = engine.rules_for(app)
    state = rs.states[app.state]
    lines = [f"#{app.id} {app.company}: {app.state.replace('_', ' ')}" + (" (final)" if state.final else ""),
             *facts_lines(app, tz, holidays_text(rs, app))]  # fmt: skip
    if items:
        now = engine.now()
        lines += ["", "What comes next:"]
        lines += [f"  {'now' if a.due <= now else '   '}  {local(a.due, tz)}  {optional_mark(a)}: {a.reason}"
                  f"{done_by(a)}" for a in items]  # fmt: skip
    lines += ["", "History:", *history_lines(in_order(engine.history(app.id or 0), rs, app), tz)]
    return "\n".join(lines)
