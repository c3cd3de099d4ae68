"""The outbox of the SQLite store: notices and their deliveries, in the same file."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from ..runtime.notify import Notice
from ..vocabulary.timecalc import stamp, unstamp
from .outbox import Delivery, after_failure
from .sqlite_turns import Turns

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    app_id INTEGER,
    payload TEXT NOT NULL,
    expanded INTEGER NOT NULL DEFAULT 0,  -- unused since schema 4: see outbox_mark
    candidate TEXT NOT NULL DEFAULT ''  -- whose notice it is (schema 6), so that erasing them finds it
);
CREATE TABLE IF NOT EXISTS outbox_mark (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    upto INTEGER NOT NULL  -- every notice with an id up to this one has its deliveries
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    plugin TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL,
    last_error TEXT,
    delivered_at TEXT,
    claimed_by TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt);
-- no index on the candidate: a tick adds to it at every notice, and only erasure reads it
DROP INDEX IF EXISTS outbox_candidate;
"""
#: Run after the schema (new or older): the expansion mark starts after the last notice that
#: was expanded under schema 3's per-row flag.
OUTBOX_MARK = """
DROP INDEX IF EXISTS outbox_new;
INSERT OR IGNORE INTO outbox_mark (one, upto) VALUES (1, coalesce(
    (SELECT min(id) - 1 FROM outbox WHERE expanded = 0), (SELECT max(id) FROM outbox), 0));
"""
#: Brings the deliveries of a store from before claims and delivery times (schema 2 and 3) up to date.
OLD_DELIVERIES_MIGRATION = (
    "ALTER TABLE deliveries ADD COLUMN claimed_by TEXT; ALTER TABLE deliveries ADD COLUMN delivered_at TEXT;"
)
_DUE = "d.status = 'pending' AND (d.next_attempt IS NULL OR d.next_attempt <= ?)"
_SELECT = (
    "SELECT d.id, d.plugin, d.key, o.payload, d.status, d.attempts, d.next_attempt, d.last_error, d.delivered_at "
    "FROM deliveries d JOIN outbox o ON o.id = d.outbox_id"
)


class Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any error; nests as a no-op.

    On a connection with turns (:class:`TurnsConnection`) it holds a write's turn throughout;
    ``batch=True`` (a tick's batch) takes a batch's turn to begin instead
    (:mod:`~tactful.stores.sqlite_turns`).
    """

    def __init__(self, db: sqlite3.Connection, batch: bool = False) -> None:
        self.db = db
        self.batch = batch
        self.outer = False
        self.turn = ExitStack()

    def __enter__(self) -> None:
        if not self.db.in_transaction:
            turns: Turns | None = getattr(self.db, "turns", None)
            with ExitStack() as turn:
                if turns is not None:
                    turn.enter_context(turns.batch() if self.batch else turns.write())
                self.db.execute("BEGIN IMMEDIATE")
                if not self.batch:
                    self.turn = turn.pop_all()  # held until the end
            self.outer = True

    def __exit__(self, kind: object, *_: object) -> None:
        with self.turn:
            if self.outer and self.db.in_transaction:
                self.db.execute("ROLLBACK" if kind else "COMMIT")


class TurnsConnection(sqlite3.Connection):
    """A connection whose transactions take turns with a tick's batches (``turns``: set once
    opened, or None)."""

    turns: Turns | None = None


def _delivery(row: Sequence[Any]) -> Delivery:
    number, plugin, key, payload, status, attempts, next_attempt, error, delivered = row
    return Delivery(number, plugin, key, Notice.from_json(payload), status, attempts,
                    datetime.fromtimestamp(next_attempt, UTC) if next_attempt is not None else None, error,
                    unstamp(delivered) if delivered else None)  # fmt: skip


def _as_read(texts: Mapping[int, tuple[Any, ...]], notice: Notice) -> str | None:
    """The facts text ``notice`` can have as the store read it, or None."""
    known = texts.get(notice.app_id)
    return known[2] if known is not None and known[0] is notice.facts and known[1] == notice.facts else None


def _host() -> str:
    """This machine's name: ``uname``'s (what ``gethostname`` reads on POSIX, without importing
    the socket module at every tick), else the socket module's."""
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def claimant() -> str:
    """Who claims deliveries: ``host:pid:thread`` (threads of one process claim apart too)."""
    return f"{_host()}:{os.getpid()}:{threading.get_ident()}"


def _gone(who: str) -> bool:
    """Whether the process that made claim ``who`` has ended (on this host; a claim from
    another host is taken as alive)."""
    host, _, pid = who.rsplit(":", 1)[0].rpartition(":")
    if host != _host() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class SQLiteOutbox:
    """An :class:`~tactful.stores.outbox.Outbox` in the store's SQLite file.

    A claim marks deliveries with the claiming thread (``host:pid:thread``); others leave
    them alone until it finishes them or its process is gone.
    """

    def __init__(self, connection: Callable[[], sqlite3.Connection]) -> None:
        self._connection = connection

    @property
    def db(self) -> sqlite3.Connection:
        return self._connection()

    def add(self, notices: Sequence[Notice], texts: Mapping[int, tuple[Any, ...]] | None = None) -> None:
        """Adds ``notices``; with ``texts`` (a tick's: the facts of each application as read and
        their text), a notice that tells those very facts, unchanged, has that text written."""
        self.db.executemany(
            "INSERT OR IGNORE INTO outbox (key, app_id, payload, candidate) VALUES (?, ?, ?, ?)",
            [(n.key, n.app_id, n.to_json(_as_read(texts, n) if texts else None), n.candidate) for n in notices],
        )

    def expand(self, takers: Mapping[str, Sequence[str]]) -> int:
        """Notices are expanded in id order, up to a mark: moving the mark is all it costs when
        no plugin takes any kind, and no notice is read back then."""
        with Transaction(self.db):
            (upto,) = self.db.execute("SELECT upto FROM outbox_mark").fetchone()
            (last,) = self.db.execute("SELECT coalesce(max(id), 0) FROM outbox").fetchone()
            rows: list[tuple[int, str, str]] = []
            if last > upto and any(takers.values()):
                new = self.db.execute("SELECT id, key, payload FROM outbox WHERE id > ? AND id <= ?", (upto, last))
                rows = [(number, plugin, f"{key}/{plugin}") for number, key, payload in new
                        for plugin in takers.get(json.loads(payload)["kind"], ())]  # fmt: skip
                self.db.executemany("INSERT OR IGNORE INTO deliveries (outbox_id, plugin, key) VALUES (?, ?, ?)", rows)
            if last > upto:
                self.db.execute("UPDATE outbox_mark SET upto = ?", (last,))
        return len(rows)

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        rows = self.db.execute(f"{_SELECT} WHERE {_DUE} ORDER BY d.id LIMIT ?", (now.timestamp(), limit))
        return [_delivery(r) for r in rows]

    @contextmanager
    def claim(self, now: datetime, limit: int) -> Iterator[list[Delivery]]:
        me = claimant()
        with Transaction(self.db):
            sql = "SELECT DISTINCT claimed_by FROM deliveries WHERE claimed_by IS NOT NULL AND status = 'pending'"
            holders = [w for (w,) in self.db.execute(sql)]
            free = [me, *(w for w in holders if w != me and _gone(w))]
            marks = ", ".join("?" for _ in free)
            rows = self.db.execute(
                f"{_SELECT} WHERE {_DUE} AND (d.claimed_by IS NULL OR d.claimed_by IN ({marks})) ORDER BY d.id LIMIT ?",
                (now.timestamp(), *free, limit),
            ).fetchall()
            claimed = [_delivery(r) for r in rows]
            self.db.executemany("UPDATE deliveries SET claimed_by = ? WHERE id = ?", [(me, d.id) for d in claimed])
        try:
            yield claimed
        finally:
            with Transaction(self.db):
                self.db.execute("UPDATE deliveries SET claimed_by = NULL WHERE claimed_by = ?", (me,))

    def finish(self, delivery: Delivery, now: datetime, error: str | None) -> None:
        with Transaction(self.db):
            if error is None:
                self.db.execute(
                    "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, "
                    "last_error = NULL, claimed_by = NULL WHERE id = ?",
                    (stamp(now), delivery.id),
                )
                return
            status, later = after_failure(delivery, now)
            self.db.execute(
                "UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt = ?, last_error = ?, "
                "claimed_by = NULL WHERE id = ?",
                (status, later.timestamp() if later else None, error[:1000], delivery.id),
            )

    def listing(self, statuses: Iterable[str]) -> list[Delivery]:
        wanted = list(statuses)
        marks = ", ".join("?" for _ in wanted)
        return [_delivery(r) for r in self.db.execute(f"{_SELECT} WHERE d.status IN ({marks}) ORDER BY d.id", wanted)]

    def retry(self, now: datetime, ids: Sequence[int] = ()) -> int:
        with Transaction(self.db):
            if ids:
                marks = ", ".join("?" for _ in ids)
                sql = f"UPDATE deliveries SET status = 'pending', next_attempt = ? WHERE id IN ({marks})"
                return self.db.execute(sql, (now.timestamp(), *ids)).rowcount
            sql = "UPDATE deliveries SET status = 'pending', next_attempt = ? WHERE status IN ('failed', 'pending')"
            return self.db.execute(sql, (now.timestamp(),)).rowcount
