"""The outbox of the PostgreSQL store: notices and their deliveries, in the same database.

A claim marks its deliveries with a number of its own (``claimed_by``) in a short committed
transaction (``FOR UPDATE SKIP LOCKED``, so claims made at once take different rows), and
each attempt's outcome is committed as it is known: a process killed mid-claim loses no
"delivered" mark, and only the delivery in flight is attempted again (with the same key).

Whether a claim's process is alive is the server's to say: the claim holds a session-level
advisory lock on its number (``pg_advisory_lock(CLAIM_LOCKS, number)``) on a connection it
keeps for as long as it lasts. A process that dies, on any host, ends that session, and the
lock goes with it; the next claim sees the lock gone (``pg_locks``) and takes the dead
claim's deliveries over. A live claim is never taken over, however long it takes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import datetime
from typing import Any

import psycopg

from ..errors import StoreUnavailable
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
#: Begins a transaction on a connection a claim keeps (see :meth:`PostgresOutbox.claim`).
Begin = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]
#: The first key of the advisory locks claims hold (the second is the claim's number): "tact".
CLAIM_LOCKS = 0x74616374
#: Schema 5: the claims. A claim's number comes from a sequence that wraps around.
CLAIMS_SCHEMA = """
ALTER TABLE deliveries ADD COLUMN claimed_by INTEGER;
CREATE SEQUENCE delivery_claims AS integer CYCLE;
CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL
"""
#: Claims the due deliveries that are not claimed, or whose claim's lock is gone (its
#: process died); takes ``(now, limit, number)``.
_CLAIM = f"""
WITH dead AS (
    SELECT DISTINCT claimed_by AS number FROM deliveries WHERE claimed_by IS NOT NULL AND status = 'pending'
    EXCEPT
    SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = {CLAIM_LOCKS} AND objsubid = 2
        AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
), mine AS (
    SELECT d.id FROM deliveries d WHERE {_DUE} AND (d.claimed_by IS NULL OR d.claimed_by IN (SELECT number FROM dead))
    ORDER BY d.id LIMIT %s FOR UPDATE OF d SKIP LOCKED
)
UPDATE deliveries d SET claimed_by = %s FROM mine, outbox o WHERE d.id = mine.id AND o.id = d.outbox_id
RETURNING d.id, d.plugin, d.key, o.payload, d.status, d.attempts, d.next_attempt, d.last_error, d.delivered_at
"""


def _delivery(row: Sequence[Any]) -> Delivery:
    number, plugin, key, payload, status, attempts, next_attempt, error, delivered = row
    return Delivery(number, plugin, key, Notice.from_json(payload), status, attempts, next_attempt, error,
                    unstamp(delivered) if delivered else None)  # fmt: skip


class PostgresOutbox:
    """An :class:`~tactful.stores.outbox.Outbox` in the store's PostgreSQL database."""

    def __init__(self, transaction: Callable[[], AbstractContextManager[psycopg.Connection[Any]]],
                 session: Callable[[], AbstractContextManager[Begin]]) -> None:  # fmt: skip
        """``transaction`` is the store's: this thread's connection in a transaction; ``session``
        lends a connection of its own (the pool's), which a claim keeps while it lasts, as what
        begins a transaction on it."""
        self._transaction = transaction
        self._session = session
        self._takers: Mapping[str, Sequence[str]] | None = None
        self._claims = threading.local()  # the number of this thread's claim, while it lasts

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
        """Each delivery is marked with this claim's number, committed at once, and given
        back at the end of the block; :meth:`finish` commits each outcome as it comes.

        Raises:
            StoreUnavailable: from :meth:`finish`, when the claim's connection dropped and
                another process took its deliveries over (nothing more is attempted).
        """
        with self._session() as begin:
            with begin() as conn:
                row = conn.execute(f"SELECT n, pg_advisory_lock({CLAIM_LOCKS}, n::integer) "
                                   "FROM nextval('delivery_claims') n").fetchone()  # fmt: skip
                assert row is not None
                number = int(row[0])
            with begin() as conn:
                rows = conn.execute(_CLAIM, (now, limit, number)).fetchall()
            outer, self._claims.number = getattr(self._claims, "number", None), number
            try:
                yield [_delivery(r) for r in sorted(rows, key=lambda r: int(r[0]))]
            finally:
                self._claims.number = outer
                with suppress(psycopg.Error), begin() as conn:  # a session that ended took its lock along
                    conn.execute("UPDATE deliveries SET claimed_by = NULL WHERE claimed_by = %s", (number,))
                    conn.execute(f"SELECT pg_advisory_unlock({CLAIM_LOCKS}, %s::integer)", (number,))

    def finish(self, delivery: Delivery, now: datetime, error: str | None) -> None:
        """Record an attempt, committed at once (see :meth:`claim`)."""
        values: list[object]
        if error is None:
            sets, values = "status = 'delivered', delivered_at = %s, last_error = NULL", [stamp(now)]
        else:
            status, later = after_failure(delivery, now)
            sets, values = "status = %s, next_attempt = %s, last_error = %s", [status, later, error[:1000]]
        number = getattr(self._claims, "number", None)
        where, keys = ("id = %s", [delivery.id]) if number is None else ("id = %s AND claimed_by = %s",
                                                                         [delivery.id, number])  # fmt: skip
        with self._transaction() as conn:
            sql = f"UPDATE deliveries SET {sets}, attempts = attempts + 1, claimed_by = NULL WHERE {where}"
            if conn.execute(sql, (*values, *keys)).rowcount or number is None:
                return
            taken = conn.execute("SELECT 1 FROM deliveries WHERE id = %s", (delivery.id,)).fetchone()
        if taken:  # (a delivery that is gone was erased with its candidate meanwhile)
            raise StoreUnavailable("the claim on the deliveries being made was lost (its connection to the "
                                   "database dropped, and another process took them over); the last one may be "
                                   "made twice")  # fmt: skip

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
