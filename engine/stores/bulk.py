"""Bulk writes for `import`: a session that checks rows against what is stored and writes
them in chunks, all or nothing.

A store may offer its own session (``store.bulk()``, a context manager: see
:class:`~tactful.stores.sqlite_store.SQLiteStore`) that writes each chunk as it comes inside
one transaction. Any other :class:`~tactful.stores.store.Store` gets :class:`StoreBulk`, which
works through the store's ordinary methods: it keeps the chunks until the end, then inserts
the new applications and saves the replaced ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, Protocol

from ..vocabulary.records import Application, Candidate, LogEntry
from .store import Change, Store


def key(app: Application) -> tuple[str, Any, str]:
    """What makes two applications the same one: the company and the interview date, for one candidate."""
    return app.company, app.facts.get("interviewed"), app.candidate


def mine(found: Application | None, app: Application) -> Application | None:
    """``found`` (the stored application with ``app``'s id) when it is ``app``'s candidate's, else
    None: another candidate's application is as good as absent."""
    return found if found is not None and found.candidate == app.candidate else None


class Bulk(Protocol):
    """A bulk session: what `import` needs from a store, in one all-or-nothing write."""

    #: The ids of the applications added or replaced, in the order they came.
    ids: list[int]

    def matches(self, apps: Sequence[Application]) -> list[Application | None]:
        """For each of ``apps``, the stored application of its candidate with its id (when it has
        one), else the one with its candidate, company and interview date, else None; rows of
        this session count. An id another candidate's application has is not kept: such a row
        is added under a new id."""
        ...

    def add(self, items: Sequence[tuple[Application, Sequence[LogEntry]]]) -> None:
        """Add new applications with their history, keeping an id they bring when it is free."""
        ...

    def replace(self, changes: Sequence[Change]) -> None:
        """Save changes to stored applications (a change with ``drop_from=0`` replaces the history)."""
        ...

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        """Keep rule sets, as :meth:`Store.keep_rules`."""
        ...

    def add_candidates(self, candidates: Sequence[Candidate]) -> None:
        """Add the candidates the rows name that are not stored (with the rows: not if the import fails)."""
        ...


class StoreBulk:
    """A bulk session over any store's ordinary methods, written when the session ends."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.ids: list[int] = []
        self._by_id = {app.id: app for app in store.all()}
        self._by_key = {key(app): app for app in self._by_id.values()}
        self._new: list[tuple[Application, Sequence[LogEntry]]] = []
        self._changes: list[Change] = []
        self._kept: list[tuple[str, str, str]] = []
        self._candidates: list[Candidate] = []

    def matches(self, apps: Sequence[Application]) -> list[Application | None]:
        return [(mine(self._by_id.get(a.id), a) if a.id else None) or self._by_key.get(key(a)) for a in apps]

    def add(self, items: Sequence[tuple[Application, Sequence[LogEntry]]]) -> None:
        self._new += items
        self._by_key.update((key(app), app) for app, _ in items)

    def replace(self, changes: Sequence[Change]) -> None:
        self._changes += changes

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        self._kept += kept

    def add_candidates(self, candidates: Sequence[Candidate]) -> None:
        self._candidates += candidates

    def commit(self) -> None:
        """Write what the session gathered, in one transaction when the store has them
        (``transaction()``, as PostgreSQL's): the changes in one save first (the write that
        may meet a :class:`~tactful.stores.store.Conflict`, before anything else is written),
        then the rule sets, the new applications in one insert, and the new candidates."""
        begin = getattr(self.store, "transaction", nullcontext)
        with begin():
            if self._changes:
                self.store.save(self._changes)
            self.store.keep_rules(self._kept)  # an import that only replaces runs under them too
            stored = self.store.insert(self._new) if self._new else []
            for candidate in self._candidates:
                if self.store.get_candidate(candidate.key) is None:  # not one added meanwhile, with a name
                    self.store.put_candidate(candidate)
        self.ids = [a.id or 0 for a in stored] + [c.app.id or 0 for c in self._changes]


@contextmanager
def bulk_session(store: Store) -> Iterator[Bulk]:
    """The store's own bulk session when it has one (``store.bulk()``), else a :class:`StoreBulk`.

    Nothing is written when the block raises.
    """
    own = getattr(store, "bulk", None)
    if own is not None:
        with own() as session:
            yield session
        return
    fallback = StoreBulk(store)
    yield fallback
    fallback.commit()
