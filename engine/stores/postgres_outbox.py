"""The outbox of the PostgreSQL store: notices and their deliveries, in the same database.

Deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` in a transaction that lasts while
they are attempted: two workers never attempt one delivery at once, and a worker that dies
mid-attempt leaves it pending, to be attempted again (with the same key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

import psycopg

from ..runtime.notify import Notice
from ..vocabulary.timecalc import stamp, unstamp
from .outbox import Delivery, after_failure

#: The channel ``NOTIFY`` wakes sleeping workers on.
WAKE_CHANNEL = "tactful_wake"
OUTBOX_SCHEMA = """;
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL UNIQUE, app_id BIGINT, payload TEXT NOT NULL,
    expanded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX outbox_new ON outbox (id) WHERE NOT expanded;
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY, outbox_id BIGINT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    plugin TEXT NOT NULL, key TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt TIMESTAMPTZ, last_error TEXT, delivered_at TEXT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt);
"""
_SELECT = (
    "SELECT d.id, d.plugin, d.key, o.payload, d.status, d.attempts, d.next_attempt, d.last_error, d.delivered_at "
    "FROM deliveries d JOIN outbox o ON o.id = d.outbox_id"
)
_DUE = "d.status = 'pending' AND (d.next_attempt IS NULL OR d.next_attempt <= %s)"


def redact(url: str) -> str:
    """``url`` with its password left out, fit for a message or a log."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def one_line(err: Exception) -> str:
    """A database error's message on one line, with any password in it left out."""
    text = " ".join(part.strip() for part in str(err).splitlines() if part.strip()) or type(err).__name__
    return re.sub(r"(password=)\S+", r"\1***", redact(text))


def _delivery(row: Sequence[Any]) -> Delivery:
    number, plugin, key, payload, status, attempts, next_attempt, error, delivered = row
    return Delivery(number, plugin, key, Notice.from_json(payload), status, attempts, next_attempt, error,
                    unstamp(delivered) if delivered else None)  # fmt: skip


class PostgresOutbox:
    """An :class:`~tactful.stores.outbox.Outbox` in the store's PostgreSQL database."""

    def __init__(self, transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]]) -> None:
        """``transaction`` is the store's: this thread's connection in a transaction."""
        self._transaction = transaction
        self._takers: Mapping[str, Sequence[str]] | None = None

    def keep_takers(self, takers: Mapping[str, Sequence[str]]) -> None:
        """The plugins that take each kind for as long as this outbox is used (a tick's or a
        worker's, whose plugins are set when it starts): a notice of a kind none of them takes
        is written already expanded, which spares marking it in a second write."""
        self._takers = dict(takers)

    def add(self, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        takers = self._takers
        expanded = [takers is not None and not takers.get(n.kind) for n in notices]
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO outbox (key, app_id, payload, expanded, candidate) SELECT * FROM "
                "unnest(%b::text[], %b::bigint[], %b::text[], %b::bool[], %b::text[]) ON CONFLICT (key) DO NOTHING",
                (
                    [n.key for n in notices],
                    [n.app_id for n in notices],
                    [n.to_json() for n in notices],
                    expanded,
                    [n.candidate for n in notices],
                ),  # fmt: skip
            )

    def expand(self, takers: Mapping[str, Sequence[str]]) -> int:
        """Each new notice gets a delivery per plugin that takes its kind. Only the kind is read
        back (the server picks it out of the payload), and when no plugin takes any kind the
        notices are marked expanded in one statement."""
        unexpanded = "FROM outbox WHERE NOT expanded ORDER BY id FOR UPDATE SKIP LOCKED"
        with self._transaction() as conn:
            if not any(takers.values()):
                conn.execute(f"UPDATE outbox SET expanded = TRUE WHERE id IN (SELECT id {unexpanded})")
                return 0
            new = conn.execute(f"SELECT id, key, (payload::json)->>'kind' {unexpanded}").fetchall()
            rows = [(number, plugin, f"{key}/{plugin}") for number, key, kind in new
                    for plugin in takers.get(kind, ())]  # fmt: skip
            if rows:
                conn.execute(
                    "INSERT INTO deliveries (outbox_id, plugin, key) SELECT * FROM "
                    "unnest(%b::bigint[], %b::text[], %b::text[]) ON CONFLICT (key) DO NOTHING",
                    [list(column) for column in zip(*rows, strict=True)],
                )
            conn.execute("UPDATE outbox SET expanded = TRUE WHERE id = ANY(%s)", ([n for n, _, _ in new],))
        return len(rows)

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        with self._transaction() as conn:
            rows = conn.execute(f"{_SELECT} WHERE {_DUE} ORDER BY d.id LIMIT %s", (now, limit)).fetchall()
        return [_delivery(r) for r in rows]

    @contextmanager
    def claim(self, now: datetime, limit: int) -> Iterator[list[Delivery]]:
        with self._transaction() as conn:
            rows = conn.execute(
                f"{_SELECT} WHERE {_DUE} ORDER BY d.id LIMIT %s FOR UPDATE OF d SKIP LOCKED", (now, limit)
            ).fetchall()
            yield [_delivery(r) for r in rows]

    def finish(self, delivery: Delivery, now: datetime, error: str | None) -> None:
        with self._transaction() as conn:
            if error is None:
                conn.execute(
                    "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = %s, "
                    "last_error = NULL WHERE id = %s",
                    (stamp(now), delivery.id),
                )
                return
            status, later = after_failure(delivery, now)
            conn.execute(
                "UPDATE deliveries SET status = %s, attempts = attempts + 1, next_attempt = %s, last_error = %s "
                "WHERE id = %s",
                (status, later, error[:1000], delivery.id),
            )

    def listing(self, statuses: Iterable[str]) -> list[Delivery]:
        with self._transaction() as conn:
            rows = conn.execute(f"{_SELECT} WHERE d.status = ANY(%s) ORDER BY d.id", (list(statuses),)).fetchall()
        return [_delivery(r) for r in rows]

    def retry(self, now: datetime, ids: Sequence[int] = ()) -> int:
        with self._transaction() as conn:
            if ids:
                sql = "UPDATE deliveries SET status = 'pending', next_attempt = %s WHERE id = ANY(%s)"
                return conn.execute(sql, (now, list(ids))).rowcount
            sql = "UPDATE deliveries SET status = 'pending', next_attempt = %s WHERE status IN ('failed', 'pending')"
            return conn.execute(sql, (now,)).rowcount
