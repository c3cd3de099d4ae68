"""The outbox: notices written with the change that caused them, delivered after commit.

Each notice is expanded into one delivery per plugin that takes its kind (implements the
delivery hook for it: ``tactful_transition``, ``tactful_action_due``); a delivery is
tried until its plugin's hook returns, with backoff between attempts, and kept (``failed``)
after the last attempt until someone retries it. Nothing is ever silently dropped.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from ..runtime.notify import Notice

#: Waits between attempts; after the last one a delivery is marked failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))  # fmt: skip


class Delivery(NamedTuple):
    """One notice for one plugin."""

    id: int
    plugin: str
    key: str
    notice: Notice
    status: str = "pending"
    attempts: int = 0
    next_attempt: datetime | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None


def after_failure(delivery: Delivery, now: datetime) -> tuple[str, datetime | None]:
    """The status and next attempt of a delivery whose attempt just failed."""
    attempts = delivery.attempts + 1
    if attempts > len(BACKOFF):
        return "failed", None
    return "pending", now + BACKOFF[attempts - 1]


class Outbox(Protocol):
    """Where notices wait for delivery; every method is one transaction."""

    def add(self, notices: Sequence[Notice]) -> None:
        """Keep notices (inside the caller's transaction); a key seen before is ignored."""
        ...

    def expand(self, takers: Mapping[str, Sequence[str]]) -> int:
        """Give every notice not yet expanded one delivery per plugin that takes its kind
        (``takers``: notice kind -> plugin names); how many were made."""
        ...

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending deliveries whose next attempt is due by ``now`` (a look, not a claim)."""
        ...

    def claim(self, now: datetime, limit: int) -> AbstractContextManager[list[Delivery]]:
        """Like :meth:`due`, but the deliveries are this caller's until the block ends: no other
        thread or process is given them meanwhile, so none is attempted twice at once. One that
        is not finished in the block (the process died) is given out again later."""
        ...

    def finish(self, delivery: Delivery, now: datetime, error: str | None) -> None:
        """Record an attempt: delivered when ``error`` is None, else scheduled again or failed."""
        ...

    def listing(self, statuses: Iterable[str]) -> list[Delivery]:
        """Deliveries in these statuses (pending, failed, delivered), oldest first."""
        ...

    def retry(self, now: datetime, ids: Sequence[int] = ()) -> int:
        """Make every undelivered delivery (or the given ones) due now, failed ones included;
        how many."""
        ...


class MemoryOutbox:
    """An outbox in memory, for :class:`~tactful.stores.store.MemoryStore`."""

    def __init__(self) -> None:
        self.notices: dict[str, Notice] = {}
        self.expanded: set[str] = set()
        self.deliveries: dict[int, Delivery] = {}
        self._claimed: set[int] = set()
        self._lock = threading.RLock()
        self._numbers = itertools.count(1)

    def add(self, notices: Sequence[Notice]) -> None:
        with self._lock:
            for notice in notices:
                self.notices.setdefault(notice.key, notice)

    def expand(self, takers: Mapping[str, Sequence[str]]) -> int:
        with self._lock:
            return self._expand(takers)

    def _expand(self, takers: Mapping[str, Sequence[str]]) -> int:
        made = 0
        for key, notice in self.notices.items():
            if key in self.expanded:
                continue
            self.expanded.add(key)
            for plugin in takers.get(notice.kind, ()):
                number = next(self._numbers)
                self.deliveries[number] = Delivery(number, plugin, f"{key}/{plugin}", notice)
                made += 1
        return made

    def due(self, now: datetime, limit: int) -> list[Delivery]:
        with self._lock:
            ready = [d for d in self.deliveries.values() if d.status == "pending" and (d.next_attempt or now) <= now]
        return ready[:limit]

    @contextmanager
    def claim(self, now: datetime, limit: int) -> Iterator[list[Delivery]]:
        with self._lock:
            mine = [d for d in self.due(now, len(self.deliveries)) if d.id not in self._claimed][:limit]
            self._claimed.update(d.id for d in mine)
        try:
            yield mine
        finally:
            with self._lock:
                self._claimed.difference_update(d.id for d in mine)

    def finish(self, delivery: Delivery, now: datetime, error: str | None) -> None:
        if error is None:
            done = delivery._replace(status="delivered", attempts=delivery.attempts + 1, delivered_at=now)
        else:
            status, later = after_failure(delivery, now)
            done = delivery._replace(status=status, attempts=delivery.attempts + 1, next_attempt=later,
                           last_error=error)  # fmt: skip
        with self._lock:
            self.deliveries[delivery.id] = done

    def listing(self, statuses: Iterable[str]) -> list[Delivery]:
        wanted = set(statuses)
        return [d for d in self.deliveries.values() if d.status in wanted]

    def retry(self, now: datetime, ids: Sequence[int] = ()) -> int:
        chosen = [d for d in self.deliveries.values() if (d.id in ids if ids else d.status != "delivered")]
        for delivery in chosen:
            self.deliveries[delivery.id] = delivery._replace(status="pending", next_attempt=now)
        return len(chosen)

    def erase(self, candidate: str, app_ids: Collection[int]) -> None:
        """Forget every notice of ``candidate`` (or of the applications ``app_ids``), and their deliveries."""
        with self._lock:
            gone = {k for k, n in self.notices.items() if n.candidate == candidate or n.app_id in app_ids}
            for key in gone:
                del self.notices[key]
            self.expanded -= gone
            for number in [d.id for d in self.deliveries.values() if d.notice.key in gone]:
                del self.deliveries[number]
