"""The SQLite store's bulk session for `import`: chunks written as they come, in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from ..vocabulary.records import Application, Candidate, LogEntry
from .bulk import key, mine
from .moments import Moments
from .sqlite_rows import COLUMNS, IN_LIST, INSERT_HISTORY, app_values, entry_row, read_app
from .store import Change


class _Store(Protocol):
    """What a bulk session uses of its :class:`~tactful.stores.sqlite_store.SQLiteStore`."""

    @property
    def db(self) -> sqlite3.Connection: ...

    def save(self, changes: Sequence[Change]) -> None: ...

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None: ...

    def given_ids(self) -> tuple[int, int]: ...

    def put_candidate(self, candidate: Candidate) -> None: ...


class SQLiteBulk:
    """A :class:`~tactful.stores.bulk.Bulk` session inside one transaction of a :class:`SQLiteStore`.

    New rows get ids counted on from the largest one stored or removed (the transaction holds
    the write lock), so a chunk is two ``executemany`` calls and nothing is read back. The moments the
    rows share are written out once (:class:`~tactful.stores.moments.Moments`).
    """

    def __init__(self, store: _Store) -> None:
        self.store = store
        self.db = store.db
        self.ids: list[int] = []
        self._next_id, self._removed = store.given_ids()
        self._moments = Moments()
        # ids a row may not keep: another candidate's application has it, or this session gave it
        self._taken: set[int] = set()

    def _select(self, column: str, values: Sequence[Any]) -> Iterator[Application]:
        for start in range(0, len(values), IN_LIST):
            part = values[start : start + IN_LIST]
            marks = ", ".join("?" * len(part))
            for row in self.db.execute(f"SELECT {COLUMNS} FROM applications WHERE {column} IN ({marks})", part):
                yield read_app(row)

    def matches(self, apps: Sequence[Application]) -> list[Application | None]:
        by_id = {a.id: a for a in self._select("id", [a.id for a in apps if a.id])}
        by_key = {key(a): a for a in self._select("company", [a.company for a in apps])}
        wanted = {a.id: a.candidate for a in apps if a.id}
        self._taken.update(number for number, found in by_id.items() if found.candidate != wanted[number])
        return [(mine(by_id.get(a.id), a) if a.id else None) or by_key.get(key(a)) for a in apps]

    def add(self, items: Sequence[tuple[Application, Sequence[LogEntry]]]) -> None:
        if not items:
            return
        rows, entries, moments = [], [], self._moments
        for app, log in items:
            kept = app.id and app.id not in self._taken and app.id > self._removed  # a free id nobody had
            number = app.id if kept else self._next_id
            self._next_id = max(self._next_id, number + 1)
            self._taken.add(number)  # to a row without one, say, read before a row that brings it
            rows.append((number, *app_values(app, None, moments.text, moments.seconds), app.candidate))
            entries += [entry_row(number, e, moments.text) for e in log]
            self.ids.append(number)
        self.db.executemany(
            "INSERT INTO applications (id, company, state, entered, facts, rules, rules_hash, next_due, timer, "
            "wake, notified, agenda, zones, candidate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.db.executemany(INSERT_HISTORY, entries)

    def replace(self, changes: Sequence[Change]) -> None:
        if changes:
            self.store.save(changes)
        self.ids += [c.app.id or 0 for c in changes]

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        self.store.keep_rules(kept)

    def add_candidates(self, candidates: Sequence[Candidate]) -> None:
        for candidate in candidates:  # the rows found them absent in this transaction
            self.store.put_candidate(candidate)
