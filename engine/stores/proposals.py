"""Where proposals and the mailbox's reading marks are kept: an optional store capability.

A store that offers capture has a ``proposals`` attribute (the SQLite, PostgreSQL and memory
stores do); a store without one (an embedding app's own) simply cannot `sync`. The SQL one is
shared by SQLite and PostgreSQL: the statements are the same but for the placeholder.

- ``add(proposals)``: keep the new ones; a message already proposed for that application (open,
  accepted or rejected) is left out, so that a decided proposal never comes back. Returns the
  ones kept, with ids.
- ``get(id)``, ``listed(candidate, status)``, ``decide(id, status, at)`` (only an open one).
- ``deciding(id, status, at)``: a block that decides the proposal (giving whether it was open)
  and whatever the block writes through the store in one transaction: an error in the block,
  or a kill, leaves neither (`inbox accept` records the event there).
- ``threads(candidate, message_ids)``: the application each of those ids was sent for.
- ``seen(candidate, account, folder)`` and ``mark_seen(...)``: UIDVALIDITY and the last UID read.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from ..vocabulary.proposals import Proposal, Seen, outcomes_text, read_outcomes

#: The tables (SQLite; PostgreSQL's differ only in the id column, see :data:`POSTGRES_SCHEMA`).
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY,
    candidate TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    application INTEGER REFERENCES applications (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    tier TEXT NOT NULL,
    domain TEXT NOT NULL,
    subject TEXT NOT NULL,
    evidence TEXT NOT NULL,
    outcomes TEXT NOT NULL DEFAULT '[]',
    sent INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open',
    decided TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS proposals_message ON proposals (candidate, message, coalesce(application, 0));
CREATE INDEX IF NOT EXISTS proposals_status ON proposals (candidate, status, id);
CREATE TABLE IF NOT EXISTS seen_messages (
    candidate TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL,
    PRIMARY KEY (candidate, account, folder)
)
"""
POSTGRES_SCHEMA = (
    SQLITE_SCHEMA.replace("id INTEGER PRIMARY KEY", "id BIGSERIAL PRIMARY KEY")
    .replace("application INTEGER", "application BIGINT")
    .replace("sent INTEGER NOT NULL DEFAULT 0", "sent BOOLEAN NOT NULL DEFAULT FALSE")
)
_COLUMNS = (
    "id, candidate, message, application, event, at, tier, domain, subject, evidence, outcomes, sent, status, decided"
)


def _proposal(row: Sequence[Any]) -> Proposal:
    number, candidate, message, app, event, at, tier, domain, subject, evidence, outcomes, sent, status, decided = row
    return Proposal(int(number), candidate, message, app, event, datetime.fromisoformat(at), tier, domain, subject,
                    evidence, read_outcomes(outcomes), bool(sent), status,
                    datetime.fromisoformat(decided) if decided else None)  # fmt: skip


class SQLProposals:
    """Proposals in the store's own database, in its transactions.

    Args:
        session: opens a transaction (joining one already open) and gives its connection.
        mark: the driver's placeholder (``?`` for sqlite3, ``%s`` for psycopg).
    """

    def __init__(self, session: Callable[[], AbstractContextManager[Any]], mark: str = "?") -> None:
        self._session = session
        self._mark = mark

    def _sql(self, text: str) -> str:
        return text.replace("?", self._mark)

    def add(self, proposals: Sequence[Proposal]) -> list[Proposal]:
        kept = []
        insert = self._sql(
            f"INSERT INTO proposals ({_COLUMNS.removeprefix('id, ')}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        with self._session() as db:
            for p in proposals:
                decided = p.decided.isoformat() if p.decided else None
                row = db.execute(insert, (p.candidate, p.message, p.application, p.event, p.at.isoformat(), p.tier,
                                          p.domain, p.subject, p.evidence, outcomes_text(p.outcomes), p.sent,
                                          p.status, decided)).fetchone()  # fmt: skip
                if row is not None:
                    kept.append(p._replace(id=int(row[0])))
        return kept

    def get(self, number: int) -> Proposal | None:
        with self._session() as db:
            row = db.execute(self._sql(f"SELECT {_COLUMNS} FROM proposals WHERE id = ?"), (number,)).fetchone()
        return None if row is None else _proposal(row)

    def listed(self, candidate: str, status: str | None = "open") -> list[Proposal]:
        where, args = "candidate = ?", [candidate]
        if status is not None:
            where, args = "candidate = ? AND status = ?", [candidate, status]
        with self._session() as db:
            rows = db.execute(self._sql(f"SELECT {_COLUMNS} FROM proposals WHERE {where} ORDER BY id"), args).fetchall()
        return [_proposal(row) for row in rows]

    def decide(self, number: int, status: str, at: datetime) -> bool:
        with self._session() as db:
            cursor = db.execute(
                self._sql("UPDATE proposals SET status = ?, decided = ? WHERE id = ? AND status = 'open'"),
                (status, at.isoformat(), number),
            )
            return bool(cursor.rowcount == 1)

    @contextmanager
    def deciding(self, number: int, status: str, at: datetime) -> Iterator[bool]:
        with self._session():  # the store's writes in the block join this transaction
            yield self.decide(number, status, at)

    def threads(self, candidate: str, message_ids: Collection[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        ids = list(message_ids)
        with self._session() as db:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ", ".join("?" * len(part))
                query = (f"SELECT message, application FROM proposals WHERE candidate = ? AND sent = ? AND "
                         f"status != 'rejected' AND application IS NOT NULL AND message IN ({marks})")  # fmt: skip
                for message, app in db.execute(self._sql(query), (candidate, True, *part)).fetchall():
                    found[message] = int(app)
        return found

    def seen(self, candidate: str, account: str, folder: str) -> Seen | None:
        query = "SELECT uidvalidity, last_uid FROM seen_messages WHERE candidate = ? AND account = ? AND folder = ?"
        with self._session() as db:
            row = db.execute(self._sql(query), (candidate, account, folder)).fetchone()
        return None if row is None else Seen(int(row[0]), int(row[1]))

    def mark_seen(self, candidate: str, account: str, folder: str, seen: Seen) -> None:
        with self._session() as db:
            db.execute(
                self._sql(
                    "INSERT INTO seen_messages (candidate, account, folder, uidvalidity, last_uid) "
                    "VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (candidate, account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
                    "last_uid = excluded.last_uid"
                ),
                (candidate, account, folder, seen.uidvalidity, seen.last_uid),
            )

    def erase(self, candidate: str) -> None:
        """Forget everything of ``candidate``'s (their erasure: see ``remove_candidate``)."""
        with self._session() as db:
            db.execute(self._sql("DELETE FROM proposals WHERE candidate = ?"), (candidate,))
            db.execute(self._sql("DELETE FROM seen_messages WHERE candidate = ?"), (candidate,))


class MemoryProposals:
    """Proposals in a dict, for :class:`~tactful.stores.store.MemoryStore`."""

    def __init__(self) -> None:
        self._items: dict[int, Proposal] = {}
        self._seen: dict[tuple[str, str, str], Seen] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, proposals: Sequence[Proposal]) -> list[Proposal]:
        kept = []
        with self._lock:
            taken = {(p.candidate, p.message, p.application or 0) for p in self._items.values()}
            for p in proposals:
                if (p.candidate, p.message, p.application or 0) not in taken:
                    taken.add((p.candidate, p.message, p.application or 0))
                    kept.append(p._replace(id=next(self._ids)))
                    self._items[kept[-1].id] = kept[-1]
        return kept

    def get(self, number: int) -> Proposal | None:
        return self._items.get(number)

    def listed(self, candidate: str, status: str | None = "open") -> list[Proposal]:
        with self._lock:
            return [p for _, p in sorted(self._items.items())
                    if p.candidate == candidate and status in (None, p.status)]  # fmt: skip

    def decide(self, number: int, status: str, at: datetime) -> bool:
        with self._lock:
            found = self._items.get(number)
            if found is None or found.status != "open":
                return False
            self._items[number] = found._replace(status=status, decided=at)
            return True

    @contextmanager
    def deciding(self, number: int, status: str, at: datetime) -> Iterator[bool]:
        before = self._items.get(number)
        decided = self.decide(number, status, at)
        try:
            yield decided
        except BaseException:
            if decided and before is not None:
                self._items[number] = before  # open again, as a rolled back transaction leaves it
            raise

    def threads(self, candidate: str, message_ids: Collection[str]) -> dict[str, int]:
        wanted = set(message_ids)
        return {p.message: p.application for p in list(self._items.values())
                if p.candidate == candidate and p.sent and p.status != "rejected" and p.application is not None
                and p.message in wanted}  # fmt: skip

    def seen(self, candidate: str, account: str, folder: str) -> Seen | None:
        return self._seen.get((candidate, account, folder))

    def mark_seen(self, candidate: str, account: str, folder: str, seen: Seen) -> None:
        self._seen[(candidate, account, folder)] = seen

    def erase(self, candidate: str) -> None:
        with self._lock:
            self._items = {k: p for k, p in self._items.items() if p.candidate != candidate}
            self._seen = {k: s for k, s in self._seen.items() if k[0] != candidate}
