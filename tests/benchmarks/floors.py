"""The tick benchmarks' lean floors: the rows a tick writes, made with the least Python, on SQLite
(`bench_tick.py`) and PostgreSQL (`bench_tick_pg.py`), each run in a fresh process:

    python floors.py sqlite|postgresql PATH-OR-URL NOW ACTION REASON BATCH

prints ``FLOOR <its CPU seconds, start-up included> <how many fired>``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tactful.vocabulary.timecalc import stamp

# -- the lean SQLite floor, run in a process of its own ----------------------------------

#: The columns the lean floor reads of a due row, and the ones it writes (the store's own
#: statement for what a tick changes).
LEAN_SELECT = "SELECT id, company, state, facts, next_due, timer, version, zones, candidate FROM applications "
LEAN_UPDATE = (
    "UPDATE applications SET state = ?, entered = ?, next_due = NULL, timer = NULL, wake = ?, notified = ?, "
    "agenda = ?, zones = ?, version = version + 1 WHERE id = ? AND version = ?"
)
LEAN_HISTORY = (
    "INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
LEAN_OUTBOX = "INSERT OR IGNORE INTO outbox (key, app_id, payload, candidate) VALUES (?, ?, ?, ?)"
PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "wal_autocheckpoint=20000",
           "cache_size=-65536")  # fmt: skip  # the store's own, and the page cache of its bulk session


Rows = list[tuple[Any, ...]]


def lean_rows(rows: Rows, now: datetime, action: str, reason: str, batch_time: Any,
              epoch: bool = True) -> tuple[Rows, Rows, Rows]:  # fmt: skip
    """The updates, history rows and outbox rows of a batch of due rows, with the least Python:
    the notices by f-strings around the facts text as stored (when it holds no news). Moments
    are read and written as epoch seconds (SQLite), else as they are (PostgreSQL)."""
    from json.encoder import encode_basestring_ascii as text  # noqa: PLC0415

    targets, triggers, calendar, zones = batch_time
    recorded, now_ts = now.isoformat(), now.timestamp()
    updates, history, outbox = [], [], []
    for app_id, company, state, facts_text, next_due, timer, version, kept, who in rows:
        facts = json.loads(facts_text)
        if "news" in facts:
            facts_text = json.dumps({k: v for k, v in facts.items() if k != "news"})
        target = targets[(state, triggers[timer])]
        tz_name = facts.get("timezone") or "UTC"
        tz = zones.get(tz_name) or zones.setdefault(tz_name, ZoneInfo(tz_name))
        zone = zones.get(kept) or zones.setdefault(kept, ZoneInfo(kept))
        at = datetime.fromtimestamp(next_due, zone) if epoch else next_due.astimezone(zone)
        at_text = stamp(at)
        days, local = calendar(tz_name), at.astimezone(tz)  # the interviewer's country's holidays
        due = days.shift(local, None)
        skipped = days.holidays_between(local, due) if due != local else []
        why = f"{reason} (moved: {'; '.join(skipped)})" if skipped else reason
        due_ts = due.timestamp()
        wake = None if due_ts <= now_ts else due_ts
        moment = due_ts if epoch else due
        updates.append((target, at_text, wake and moment, recorded, moment, tz_name, app_id, version))
        history.append((app_id, "timer", "timer", at_text, recorded, state, target, None, None))
        interviewer = facts.get("interviewer")
        tail = (f'"interviewer": {"null" if interviewer is None else json.dumps(interviewer)}, "timezone": '
                f'{text(tz_name)}, "draft": null, "facts": {facts_text}, "candidate": {text(who)}}}')  # fmt: skip
        base = f'"app_id": {app_id}, "company": {text(company)}, "state": {text(target)}, '
        key = f"{app_id}/transition/{target}/{at.isoformat()}"
        outbox.append((key, app_id, f'{{"kind": "transition", "key": {text(key)}, {base}"at": {text(at_text)}, '
                       f'"source": {text(state)}, "target": {text(target)}, "event": "timer", "action": null, '
                       f'"due": null, "reason": null, {tail}', who))  # fmt: skip
        if wake is None:
            due_text, key = stamp(due), f"{app_id}/action/{action}/{due.isoformat()}"
            outbox.append((key, app_id, f'{{"kind": "action_due", "key": {text(key)}, {base}"at": {text(due_text)}, '
                           f'"source": null, "target": null, "event": null, "action": {text(action)}, '
                           f'"due": {text(due_text)}, "reason": {text(why)}, {tail}', who))  # fmt: skip
    return updates, history, outbox


def lean_sqlite_floor(path: str, now: datetime, action: str, reason: str, batch: int) -> int:
    """The lean floor of a tick on the SQLite store at ``path``: the due rows in the tick's
    batches (each claimed, worked out and committed in one transaction, as the tick does, so
    that other writers get in between), the same rows written; how many fired."""
    from tactful.language.rulebook import RuleBook  # noqa: PLC0415
    from tactful.runtime.machine import timer_trigger, unguarded  # noqa: PLC0415

    rs = RuleBook().get("default")
    targets = {key: target for key, (target, _) in unguarded(rs).items()}
    batch_time = (targets, [timer_trigger(i) for i in range(16)], rs.calendar.for_zone, {})
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    fired, now_ts = 0, now.timestamp()
    while True:  # a fired row's wake moves past now (or goes): the next batch is the first due again
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute(f"{LEAN_SELECT} WHERE wake <= ? ORDER BY wake, id LIMIT ?", (now_ts, batch)).fetchall()
        if not rows:
            db.execute("COMMIT")
            break
        updates, history, outbox = lean_rows(rows, now, action, reason, batch_time)
        updates.sort(key=lambda row: row[-2])  # row order, as the store updates
        if db.executemany(LEAN_UPDATE, updates).rowcount != len(updates):
            raise RuntimeError("an application changed meanwhile")
        db.executemany(LEAN_HISTORY, history)
        db.executemany(LEAN_OUTBOX, outbox)
        db.execute("COMMIT")
        fired += len(rows)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE outbox_mark SET upto = (SELECT coalesce(max(id), 0) FROM outbox)")
    db.execute("COMMIT")
    db.close()
    return fired


#: The PostgreSQL floor's statements: the store's own, but for the columns a tick changes.
PG_CLAIM = (
    "SELECT id, company, state, facts, next_due, timer, version, zones, candidate FROM applications "
    "WHERE wake <= %s ORDER BY wake, id LIMIT %s FOR UPDATE SKIP LOCKED"
)
PG_UPDATE = (
    "UPDATE applications AS a SET state = v.state, entered = v.entered, next_due = NULL, timer = NULL, "
    "wake = v.wake, notified = v.notified, agenda = v.agenda, zones = v.zones, version = a.version + 1 "
    "FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::text[], %b::timestamptz[], %b::text[], %b::bigint[], "
    "%b::int[]) AS v(state, entered, wake, notified, agenda, zones, id, version) "
    "WHERE a.id = v.id AND a.version = v.version"
)
PG_OUTBOX = (
    "INSERT INTO outbox (key, app_id, payload, expanded, candidate) SELECT k, a, p, TRUE, c "
    "FROM unnest(%b::text[], %b::bigint[], %b::text[], %b::text[]) AS v(k, a, p, c) ON CONFLICT (key) DO NOTHING"
)


def lean_pg_floor(url: str, now: datetime, action: str, reason: str, batch: int) -> int:
    """The lean floor of a tick on PostgreSQL at ``url``: the same rows in the same claimed
    batches (``FOR UPDATE SKIP LOCKED``), with the store's array statements; how many fired."""
    import psycopg  # noqa: PLC0415

    from tactful.language.rulebook import RuleBook  # noqa: PLC0415
    from tactful.runtime.machine import timer_trigger, unguarded  # noqa: PLC0415
    from tactful.stores.postgres_store import _INSERT_HISTORY, columns  # noqa: PLC0415

    rs = RuleBook().get("default")
    targets = {key: target for key, (target, _) in unguarded(rs).items()}
    batch_time = (targets, [timer_trigger(i) for i in range(16)], rs.calendar.for_zone, {})
    fired = 0
    with psycopg.connect(url) as conn:
        while True:
            with conn.transaction():
                rows = conn.execute(PG_CLAIM, (now, batch)).fetchall()
                if not rows:
                    break
                updates, history, outbox = lean_rows(rows, now, action, reason, batch_time, epoch=False)
                if conn.execute(PG_UPDATE, columns(updates, 8)).rowcount != len(updates):
                    raise RuntimeError("an application changed meanwhile")
                conn.execute(_INSERT_HISTORY, columns(history, 9))
                conn.execute(PG_OUTBOX, columns(outbox, 4))
                fired += len(rows)
    return fired


if __name__ == "__main__":  # python floors.py sqlite|postgresql WHERE NOW ACTION REASON BATCH: in a fresh process
    import resource
    import sys

    kind, where, when, action, reason, size = sys.argv[1:7]
    floor = lean_sqlite_floor if kind == "sqlite" else lean_pg_floor
    count = floor(where, datetime.fromisoformat(when), action, reason, int(size))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("FLOOR", usage.ru_utime + usage.ru_stime, count)
