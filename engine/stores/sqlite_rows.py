"""Rows of the SQLite store's applications and history tables as the engine's records, and back."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from ..vocabulary.jsontext import dumps
from ..vocabulary.records import Application, LogEntry
from ..vocabulary.timecalc import stamp, unstamp, zone_names, zones

#: The applications table's columns, in the order :func:`read_apps` reads them.
COLUMNS = (
    "id, company, state, entered, facts, rules, rules_hash, next_due, timer, version, wake, notified, agenda, zones, "
    "candidate"
)
#: Inserts one history row, its values as :func:`entry_row` gives them.
INSERT_HISTORY = (
    "INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: How many values one ``IN (...)`` list of a look-up holds.
IN_LIST = 500


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def read_app(row: Sequence[Any]) -> Application:
    return read_apps([row])[0]


#: What a store keeps of each application a tick claimed: its facts as read, a copy to tell
#: whether they changed since, their text, and its company, rules and rules hash as read (see
#: :meth:`SQLiteStore.save`).
Texts = dict[int, tuple[Mapping[str, Any], dict[str, Any], str, tuple[str, str, str]]]


def _from_seconds(value: Any, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(value, tz)


def read_apps(
    rows: Iterable[Sequence[Any]], texts: Texts | None = None, moment: Callable[[Any, tzinfo], datetime] = _from_seconds
) -> list[Application]:
    """Rows as applications. A moment written alike in several rows or columns is read once (a
    batch of due rows shares most of them); with ``texts``, each one's facts text is kept by id.
    The indexed moments are read by ``moment`` (UTC seconds in SQLite), in the zones kept beside
    them (``zones``)."""
    seen: dict[Any, Any] = {None: None, "": None}

    def text(value: str | None) -> Any:
        if value in seen:
            return seen[value]
        moment = seen[value] = unstamp(value)  # type: ignore[arg-type]
        return moment

    def instant(value: float | None, tz: tzinfo) -> Any:
        if value is None:
            return None
        known = seen.get((value, tz))
        if known is None:
            known = seen[(value, tz)] = moment(value, tz)
        return known

    apps = []
    for app_id, company, state, entered, facts_text, rules, rules_hash, next_due, timer, version, wake, notified, \
            agenda, tz, candidate in rows:  # fmt: skip
        facts = json.loads(facts_text)
        if texts is not None:
            texts[app_id] = (facts, dict(facts), facts_text, (company, rules, rules_hash))
        due_tz, wake_tz, agenda_tz = zones(tz, 3)
        apps.append(Application(
            app_id, company, state, text(entered), facts, rules, rules_hash, instant(next_due, due_tz), timer,
            version, instant(wake, wake_tz), text(notified), instant(agenda, agenda_tz), candidate))  # fmt: skip
    return apps


def app_values(app: Application, texts: Texts | None = None, text: Callable[[datetime], str] = stamp,
               seconds: Callable[[datetime | None], Any] = _epoch) -> tuple[Any, ...]:  # fmt: skip
    """The columns of ``app`` after ``id``, but its candidate (which never changes); its facts
    as read (in ``texts``) when they are unchanged. ``text`` and ``seconds`` write its moments
    (a bulk session's remember them: see :class:`~tactful.stores.moments.Moments`)."""
    known = texts.get(app.id) if texts else None
    unchanged = known is not None and known[0] is app.facts and known[1] == app.facts
    return (
        app.company, app.state, text(app.entered), known[2] if unchanged else dumps(app.facts),  # type: ignore[index]
        app.rules, app.rules_hash,
        seconds(app.next_due), app.timer, seconds(app.wake), text(app.notified) if app.notified else None,
        seconds(app.agenda), zone_names(app.next_due, app.wake, app.agenda),
    )  # fmt: skip


def ticked_rows(
    changes: Sequence[Any], texts: Texts | None, values: Callable[[Application, Texts | None], tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows that update ``changes``' applications, in two lists: all of the columns
    (:func:`app_values`, then id and version), and, for a tick's application (``texts``) whose
    company, facts and rules are as read, only the columns a tick changes (state, entered,
    next_due, timer, wake, notified, agenda, zones, id, version): a store writes less then, and
    leaves the indexes on the others alone."""
    full, short = [], []
    for c in changes:
        row = values(c.app, texts)
        known = texts.get(c.app.id) if texts is not None else None
        if known is not None and row[3] is known[2] and known[3] == (row[0], row[4], row[5]):
            short.append((*row[1:3], *row[6:], c.app.id, c.app.version))
        else:
            full.append((*row, c.app.id, c.app.version))
    return full, short


def entry_row(app_id: int, e: LogEntry, text: Callable[[datetime], str] = stamp) -> tuple[Any, ...]:
    """An entry as the values of a history row (the PostgreSQL store's too), after ``app_id``."""
    return (
        app_id, e.kind, e.name, text(e.at), text(e.recorded), e.source, e.target,
        dumps(e.params) if e.params else None, dumps(e.before) if e.before is not None else None,
    )  # fmt: skip


def history_entry(row: Sequence[Any]) -> LogEntry:
    """A history row (``id, kind, name, at, recorded, source, target, params, before``) as an entry;
    the PostgreSQL store's rows are the same."""
    entry_id, kind, name, at, rec, source, target, params, before = row
    return LogEntry(kind, name, unstamp(at), unstamp(rec), source, target,
                    json.loads(params) if params else {}, json.loads(before) if before else None, entry_id)  # fmt: skip


#: Below this many applications in the states asked for (all candidates'), one candidate's are
#: read through the state index.
FEW = 1000
#: The state names in use, a jump through the state index each (not a walk of it).
STATE_NAMES = (
    "WITH RECURSIVE names(state) AS (SELECT min(state) FROM applications UNION ALL "
    "SELECT (SELECT min(state) FROM applications WHERE state > names.state) FROM names WHERE state IS NOT NULL) "
    "SELECT state FROM names"
)
