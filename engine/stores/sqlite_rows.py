"""Rows of the SQLite store's applications and history tables as the engine's records, and back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..vocabulary.records import Application, LogEntry
from ..vocabulary.timecalc import stamp, unstamp


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def read_app(row: Sequence[Any]) -> Application:
    return read_apps([row])[0]


#: What a store keeps of each application a tick claimed: its facts as read, a copy to tell
#: whether they changed since, and their text (see :meth:`SQLiteStore.save`).
Texts = dict[int, tuple[Mapping[str, Any], dict[str, Any], str]]


def read_apps(rows: Iterable[Sequence[Any]], texts: Texts | None = None) -> list[Application]:
    """Rows as applications. A moment written alike in several rows or columns is read once (a
    batch of due rows shares most of them); with ``texts``, each one's facts text is kept by id."""
    seen: dict[Any, Any] = {None: None, "": None}

    def read(value: str | float) -> datetime:
        moment = seen[value] = unstamp(value) if isinstance(value, str) else datetime.fromtimestamp(value, UTC)
        return moment

    apps = []
    for app_id, company, state, entered, facts_text, rules, rules_hash, next_due, timer, version, wake, notified, \
            agenda in rows:  # fmt: skip
        facts = json.loads(facts_text)
        if texts is not None:
            texts[app_id] = (facts, dict(facts), facts_text)
        apps.append(Application(
            app_id, company, state, seen[entered] if entered in seen else read(entered), facts, rules, rules_hash,
            seen[next_due] if next_due in seen else read(next_due), timer, version,
            seen[wake] if wake in seen else read(wake), seen[notified] if notified in seen else read(notified),
            seen[agenda] if agenda in seen else read(agenda)))  # fmt: skip
    return apps


def app_values(app: Application, texts: Texts | None = None) -> tuple[Any, ...]:
    """The columns of ``app`` after ``id``; its facts as read (in ``texts``) when they are unchanged."""
    known = texts.get(app.id) if texts else None
    unchanged = known is not None and known[0] is app.facts and known[1] == app.facts
    return (
        app.company, app.state, stamp(app.entered), known[2] if unchanged else json.dumps(app.facts),  # type: ignore[index]
        app.rules, app.rules_hash,
        _epoch(app.next_due), app.timer, _epoch(app.wake), stamp(app.notified) if app.notified else None,
        _epoch(app.agenda),
    )  # fmt: skip


def entry_row(app_id: int, e: LogEntry) -> tuple[Any, ...]:
    """An entry as the values of a history row (the PostgreSQL store's too), after ``app_id``."""
    return (
        app_id, e.kind, e.name, stamp(e.at), stamp(e.recorded), e.source, e.target,
        json.dumps(e.params) if e.params else None, json.dumps(e.before) if e.before is not None else None,
    )  # fmt: skip


def history_entry(row: Sequence[Any]) -> LogEntry:
    """A history row (``id, kind, name, at, recorded, source, target, params, before``) as an entry;
    the PostgreSQL store's rows are the same."""
    entry_id, kind, name, at, rec, source, target, params, before = row
    return LogEntry(kind, name, unstamp(at), unstamp(rec), source, target,
                    json.loads(params) if params else {}, json.loads(before) if before else None, entry_id)  # fmt: skip
