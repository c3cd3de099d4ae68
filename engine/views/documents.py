"""The JSON documents of the command line (`show`, `list`, `agenda`, `can`, `tick`), built in one
place so that every front end (the CLI's ``--json``, the web API) prints exactly the same thing.

Stable field names, ISO 8601 times with their offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet
    from ..vocabulary.records import Advised, Application, Fired, LogEntry, Verdict

#: How many days ahead `agenda` looks by default (``--days``), and at most.
AGENDA_DAYS, MAX_AGENDA_DAYS = 14, 36500


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def advised_doc(item: Advised) -> dict[str, Any]:
    return {"action": item.action, "due": iso(item.due), "from": iso(item.start), "reason": item.reason,
            "optional": item.optional, "rule": item.rule.short, "record": item.record}  # fmt: skip


def entry_doc(entry: LogEntry) -> dict[str, Any]:
    return {"kind": entry.kind, "name": entry.name, "at": iso(entry.at), "recorded": iso(entry.recorded),
            "from": entry.source or None, "to": entry.target, "params": dict(entry.params)}  # fmt: skip


def in_order(entries: Sequence[LogEntry], rs: RuleSet, app: Application) -> list[LogEntry]:
    """A history by when things happened (``at``), not when they were recorded (``recorded``
    keeps that): the row that added the application first, the rest by moment, rows of one
    moment as recorded. An application added on a day after its interview started at the
    interview (09:00 that day, the interviewer's time): its first row says so."""
    from ..vocabulary.timecalc import zone

    day, tz = app.facts.get("interviewed"), zone(app.facts.get("timezone") or "UTC")
    start = rs.calendar.at_start(date.fromisoformat(day), tz) if day else None
    rows = [e._replace(at=start) if e.kind == "added" and start and start.date() < e.at.astimezone(tz).date() else e
            for e in entries]  # fmt: skip
    return sorted(rows, key=lambda e: (e.kind != "added", e.at.timestamp()))


def holidays_of(rs: RuleSet, app: Application) -> tuple[str | None, str]:
    """The country whose public holidays ``app``'s contact days skip (None: none), and where
    that comes from: ``zone`` (the interviewer's zone's country, the default), ``rules``
    (the rule set names it) or ``none``."""
    from ..vocabulary.timecalc import AUTO

    country = rs.calendar.for_zone(app.facts.get("timezone")).country
    source = "zone" if rs.calendar.holidays == AUTO else "rules"
    return country, source if country else "none"


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
        facts=dict(app.facts), holidays=holidays_of(rs, app)[0],
        next=[{**advised_doc(a), "overdue": a.due <= now} for a in next_items],
        history=[entry_doc(e) for e in in_order(engine.history(app.id or 0), rs, app)],
    )  # fmt: skip
    return doc


def show_doc(engine: Engine, app_id: int, now: datetime) -> dict[str, Any]:
    """`show ID --json` (and what `record`, `edit` and `undo` print after their change)."""
    return app_doc(engine, engine.get(app_id, now), now, engine.advise(app_id, now))


def list_doc(engine: Engine, overview: Sequence[tuple[Application, Sequence[Advised]]], now: datetime) -> list[Any]:
    """`list --json`: a row per application of ``overview`` (:meth:`Engine.overview`)."""
    return [app_doc(engine, app, now, items, full=False) for app, items in overview]


def agenda_doc(items: Sequence[tuple[Application, Advised]], now: datetime) -> list[dict[str, Any]]:
    """`agenda --json`: what :meth:`Engine.agenda` returned, soonest first."""
    return [{"id": app.id, "company": app.company, "action": a.action, "due": iso(a.due), "reason": a.reason,
             "overdue": a.due <= now and not a.optional, "record": a.record} for app, a in items]  # fmt: skip


def verdict_doc(verdict: Verdict) -> dict[str, Any]:
    return {"channel": verdict.channel, "allowed": verdict.allowed, "reason": verdict.reason,
            "rule": verdict.rule.short if verdict.rule else None,
            "allowed_from": verdict.allowed_from.date().isoformat() if verdict.allowed_from else None}  # fmt: skip


def fired_doc(fired: Fired) -> dict[str, Any]:
    return {"id": fired.id, "company": fired.company, "from": fired.source, "to": fired.target, "at": iso(fired.at)}
