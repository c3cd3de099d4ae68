"""The store interface, and an in-memory store for tests and embedding.

A store keeps applications and their history. It is small on purpose, so an embedding app
can bring its own (PostgreSQL, say): load one, load the due ones, list, and save a change
(the record, its new history rows and any outbox rows) atomically.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import NamedTuple, Protocol

from ..errors import InputError
from ..runtime.notify import Notice
from ..vocabulary.records import Application, Candidate, LogEntry
from .outbox import MemoryOutbox, Outbox


class Conflict(InputError):
    """The application changed since it was loaded; nothing was written. The engine retries
    the operations that are safe to retry (recording, editing, undoing) by itself."""


class Change(NamedTuple):
    """One application's change: its new record, history rows to append, and, for undo,
    the id of the first history row to delete (it and every later one)."""

    app: Application
    entries: Sequence[LogEntry] = ()
    drop_from: int | None = None
    outbox: Sequence[Notice] = ()


class Store(Protocol):
    """What the engine needs from storage. Every write is all or nothing.

    A store may also offer ``bulk()``, a bulk session for `import` that writes chunks as they
    come (see :mod:`tactful.stores.bulk`); without one, `import` works through the methods here.
    """

    @property
    def outbox(self) -> Outbox:
        """Where notices wait for delivery; :meth:`save` adds a change's notices to it."""
        ...

    def insert(
        self, items: Sequence[tuple[Application, Sequence[LogEntry]]], kept_rules: Sequence[tuple[str, str, str]] = ()
    ) -> list[Application]:
        """Store new applications (``id`` None) with their first history rows, and the rule
        sets they start under (see :meth:`keep_rules`), all or none; return them with ids."""
        ...

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        """Keep rule sets as ``(hash, reference, merged tree as JSON)``; a hash kept before is
        left as it is. Applications run under the rule set of their hash for good."""
        ...

    def kept_rules(self, rules_hash: str) -> str | None:
        """The merged tree (JSON) kept for ``rules_hash``, or None."""
        ...

    def get(self, app_id: int) -> Application | None:
        """One application, or None."""
        ...

    def save(self, changes: Sequence[Change]) -> None:
        """Apply changes atomically; raise :class:`Conflict` if any record's version moved."""
        ...

    def due(self, now: datetime, limit: int, after: tuple[datetime, int] | None = None) -> list[Application]:
        """Up to ``limit`` applications whose ``wake`` moment has come by ``now``, ordered by
        (wake, id), starting after the ``after`` cursor."""
        ...

    def claim_due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> AbstractContextManager[list[Application]]:
        """Like :meth:`due`, for a tick: the applications are this caller's until the block
        ends, and a :meth:`save` inside the block commits with it, at its end. Another
        caller's claim meanwhile gets other applications (PostgreSQL: ``FOR UPDATE SKIP
        LOCKED``) or waits for the block to end (SQLite, memory), so each due application is
        handled once. An error in the block, or the process dying, writes nothing."""
        ...

    def all(self, candidate: str | None = None) -> Iterator[Application]:
        """Every application of ``candidate`` (None: of every candidate), by id."""
        ...

    def in_states(self, states: Collection[str], candidates: Collection[str] | None = None) -> list[Application]:
        """The applications in any of ``states`` of any of ``candidates`` (None: of every candidate)."""
        ...

    def history(self, app_id: int) -> list[LogEntry]:
        """An application's history, oldest first."""
        ...

    def remove(self, app_id: int) -> bool:
        """Delete an application and its history; False when there was none."""
        ...

    def candidates(self) -> list[Candidate]:
        """Every candidate, the implicit one (key ``""``) included, by key."""
        ...

    def get_candidate(self, key: str) -> Candidate | None:
        """One candidate, or None."""
        ...

    def put_candidate(self, candidate: Candidate) -> None:
        """Add a candidate, or replace the one with its key."""
        ...

    def remove_candidate(self, key: str) -> bool:
        """Erase a candidate and everything of theirs in one transaction: their applications,
        history, outbox rows and deliveries, and the candidate itself; False when there was none."""
        ...


# -- optional store methods, with what any store falls back to ----------------------------
#
# A store may also have these methods, which make `agenda` and `list` cost what they show
# rather than what is stored; a store without them (one written before, or one that keeps
# only the Protocol) is served by walking :meth:`Store.all`, with the same answers.
#
# - ``agenda(until, candidate=None) -> list[Application]``: at least every application of
#   ``candidate`` (None: of every candidate) whose ``agenda`` moment is by ``until`` (its
#   earliest advised action or timer), in id order. A record saved with ``agenda`` None has
#   nothing advised and no timer.
# - ``page(after, limit, candidate=None) -> list[Application]``: up to ``limit`` applications
#   of ``candidate`` (None: of every candidate) with an id above ``after``, by id.
# - ``outside_states(states, candidate) -> (list[Application], int)``: the applications of
#   ``candidate`` in none of ``states``, by id, and how many are in one: the board's cards and
#   its count of the finished, read without reading the finished.
# - ``proposals``: what `tactful sync` proposes, kept for a person's say-so (see
#   :mod:`tactful.stores.proposals`); a store without it cannot sync.


def agenda_candidates(store: Store, until: datetime, candidate: str | None) -> list[Application]:
    """The applications of ``candidate`` (None: of all) that may have something due by
    ``until``: the store's ``agenda`` method when it has one, else all of them."""
    method = getattr(store, "agenda", None)
    if callable(method):
        return list(method(until, candidate))
    return list(store.all(candidate))


def page(store: Store, candidate: str | None, after: int = 0, limit: int | None = None) -> list[Application]:
    """Up to ``limit`` applications of ``candidate`` (all when None) with an id above ``after``,
    by id: the store's ``page`` method when it has one, else a walk of :meth:`Store.all`."""
    method = getattr(store, "page", None)
    if limit is not None and callable(method):
        return list(method(after, limit, candidate))
    return list(itertools.islice((a for a in store.all(candidate) if (a.id or 0) > after), limit))


def outside_states(store: Store, states: Collection[str], candidate: str) -> tuple[list[Application], int]:
    """The applications of ``candidate`` in none of ``states``, by id, and how many are in one:
    the store's ``outside_states`` method when it has one, else a walk of :meth:`Store.all`."""
    method = getattr(store, "outside_states", None)
    if callable(method):
        found, count = method(states, candidate)
        return list(found), count
    apps = list(store.all(candidate))
    outside = [a for a in apps if a.state not in states]
    return outside, len(apps) - len(outside)


def _of(app: Application, candidate: str | None) -> bool:
    """Whether ``app`` is ``candidate``'s (None: anyone's)."""
    return candidate is None or app.candidate == candidate


class MemoryStore:
    """A store in a dict: for tests, demos and apps that persist elsewhere."""

    def __init__(self) -> None:
        self._apps: dict[int, Application] = {}
        self._log: dict[int, list[LogEntry]] = {}
        self._next_id = 1
        self._next_entry = 1
        self._lock = threading.RLock()
        self._claim = threading.local()  # the saves made inside this thread's claim, applied at its end
        self.outbox = MemoryOutbox()
        self._rules: dict[str, str] = {}
        self._candidates: dict[str, Candidate] = {"": Candidate("")}
        from .proposals import MemoryProposals  # imported by the stores that are made, not by every command

        self.proposals = MemoryProposals()  # optional: see tactful.stores.proposals

    def insert(
        self, items: Sequence[tuple[Application, Sequence[LogEntry]]], kept_rules: Sequence[tuple[str, str, str]] = ()
    ) -> list[Application]:
        self.keep_rules(kept_rules)
        with self._lock:
            result = []
            for app, entries in items:
                stored = app._replace(id=self._next_id, version=1)
                self._next_id += 1
                self._apps[self._next_id - 1] = stored
                self._log[self._next_id - 1] = [self._number(e) for e in entries]
                result.append(stored)
            return result

    def _number(self, entry: LogEntry) -> LogEntry:
        numbered = entry._replace(id=self._next_entry)
        self._next_entry += 1
        return numbered

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        for rules_hash, _, tree in kept:
            self._rules.setdefault(rules_hash, tree)

    def kept_rules(self, rules_hash: str) -> str | None:
        return self._rules.get(rules_hash)

    def get(self, app_id: int) -> Application | None:
        return self._apps.get(app_id)

    def save(self, changes: Sequence[Change]) -> None:
        pending: list[Change] | None = getattr(self._claim, "pending", None)
        with self._lock:
            self._check(changes)
            if pending is not None:
                pending.extend(changes)
            else:
                self._apply(changes)

    def _check(self, changes: Sequence[Change]) -> None:
        for change in changes:
            current = self._apps.get(change.app.id)
            if current is None or current.version != change.app.version:
                raise Conflict(f"application {change.app.id} changed meanwhile; nothing was written, try again")

    def _apply(self, changes: Sequence[Change]) -> None:
        for change in changes:
            app_id = change.app.id
            self._apps[app_id] = change.app._replace(version=change.app.version + 1)
            log = self._log[app_id]
            if change.drop_from is not None:
                log[:] = [e for e in log if e.id is not None and e.id < change.drop_from]
            log.extend(self._number(e) for e in change.entries)
            self.outbox.add(change.outbox)

    @contextmanager
    def claim_due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Iterator[list[Application]]:
        with self._lock:
            pending: list[Change] = []
            self._claim.pending = pending
            try:
                yield self.due(now, limit, after)
            finally:
                self._claim.pending = None
            self._apply(pending)

    def due(self, now: datetime, limit: int, after: tuple[datetime, int] | None = None) -> list[Application]:
        with self._lock:
            apps = list(self._apps.values())
        due = sorted(
            (a for a in apps if a.wake is not None and a.wake <= now),
            key=lambda a: (a.wake, a.id),
        )
        if after is not None:
            due = [a for a in due if (a.wake, a.id) > after]
        return due[:limit]

    def all(self, candidate: str | None = None) -> Iterator[Application]:
        with self._lock:
            return iter([a for k in sorted(self._apps) if _of(a := self._apps[k], candidate)])

    def agenda(self, until: datetime, candidate: str | None = None) -> list[Application]:
        return [a for a in self.all(candidate) if a.agenda is not None and a.agenda <= until]

    def page(self, after: int, limit: int, candidate: str | None = None) -> list[Application]:
        return [a for a in self.all(candidate) if (a.id or 0) > after][:limit]

    def in_states(self, states: Collection[str], candidates: Collection[str] | None = None) -> list[Application]:
        wanted = None if candidates is None else set(candidates)
        return [a for a in self.all() if a.state in states and (wanted is None or a.candidate in wanted)]

    def candidates(self) -> list[Candidate]:
        with self._lock:
            return [self._candidates[k] for k in sorted(self._candidates)]

    def get_candidate(self, key: str) -> Candidate | None:
        return self._candidates.get(key)

    def put_candidate(self, candidate: Candidate) -> None:
        with self._lock:
            self._candidates[candidate.key] = candidate

    def remove_candidate(self, key: str) -> bool:
        with self._lock:
            theirs = [k for k, a in self._apps.items() if a.candidate == key]
            self.outbox.erase(key, set(theirs))
            self.proposals.erase(key)
            for app_id in theirs:
                del self._apps[app_id]
                self._log.pop(app_id, None)
            return self._candidates.pop(key, None) is not None

    def history(self, app_id: int) -> list[LogEntry]:
        with self._lock:
            return copy.copy(self._log.get(app_id, []))

    def remove(self, app_id: int) -> bool:
        with self._lock:
            self._log.pop(app_id, None)
            return self._apps.pop(app_id, None) is not None
