"""The embedded store: one SQLite file in the user's data folder.

One table of applications (facts as JSON, the next moment `tick` has work for them indexed, so
due work costs what is due); a change, its history and its outbox notices in one transaction.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..vocabulary.perms import private_file
from ..vocabulary.records import Application, Candidate, LogEntry
from .sqlite_outbox import SQLiteOutbox, Transaction, TurnsConnection
from .sqlite_rows import COLUMNS as _COLUMNS  # the benchmarks read them from here
from .sqlite_rows import FEW as _FEW
from .sqlite_rows import IN_LIST as _IN_LIST
from .sqlite_rows import INSERT_HISTORY as _INSERT_HISTORY
from .sqlite_rows import STATE_NAMES as _STATE_NAMES
from .sqlite_rows import Texts, app_values, read_app, read_apps, ticked_rows
from .sqlite_rows import entry_row as entry_row  # the PostgreSQL store imports them from here
from .sqlite_rows import history_entry as history_entry
from .sqlite_schema import SCHEMA_VERSION, migration
from .sqlite_turns import Turns
from .store import Change, Conflict

if TYPE_CHECKING:
    from .proposals import SQLProposals
    from .sqlite_bulk import SQLiteBulk

#: How long (ms) a tick waits for another process's batch before giving up: batches are
#: serialized on SQLite, and one takes seconds at most.
CLAIM_WAIT_MS = 600_000
#: The page cache (KiB) of a bulk session.
BULK_CACHE_KIB = 64 * 1024
_INSERT_APP = (
    "INSERT INTO applications (id, company, state, entered, facts, rules, rules_hash, next_due, timer, wake, "
    "notified, agenda, zones, candidate) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
#: The largest id given and the largest removed: SQLite would give a removed largest id again,
#: and a notice's key (and a plugin that remembers keys) would take a new application for it.
_IDS = "SELECT coalesce((SELECT max(id) FROM applications), 0), coalesce((SELECT upto FROM id_mark), 0)"
#: Marks the ids of applications about to be removed as given (``{}``: which ones).
_MARK_REMOVED = (
    "INSERT INTO id_mark (one, upto) SELECT 1, coalesce(max(id), 0) FROM applications WHERE {} "
    "ON CONFLICT (one) DO UPDATE SET upto = max(upto, excluded.upto)"
)
#: A candidate's columns, in the order of :class:`Candidate`'s fields.
_CANDIDATE = "key, name, zone, rules, email, sms"

#: What a tick changes of an application, when its company, facts and rules are as read.
_UPDATE_TICKED = (
    "UPDATE applications SET state = ?, entered = ?, next_due = ?, timer = ?, wake = ?, notified = ?, agenda = ?, "
    "zones = ?, version = version + 1 WHERE id = ? AND version = ?"
)


def _of(candidate: str | None) -> tuple[str, tuple[str, ...]]:
    """The condition (after WHERE or AND) for one candidate's rows, or every candidate's (None),
    as a plain comparison so that the candidate indexes serve it."""
    return ("candidate = ?", (candidate,)) if candidate is not None else ("1", ())


_UPDATE = (
    "UPDATE applications SET company = ?, state = ?, entered = ?, facts = ?, rules = ?, rules_hash = ?, "
    "next_due = ?, timer = ?, wake = ?, notified = ?, agenda = ?, zones = ?, version = version + 1 "
    "WHERE id = ? AND version = ?"
)


class SQLiteStore:
    """A :class:`~tactful.stores.store.Store` in one SQLite file, with its outbox.

    Safe to share between threads: each thread gets its own connection to the file. Writers
    are serialized by SQLite's lock; a tick's batch holds it while it is worked out.
    """

    #: How many due applications a tick claims and commits at a time (the engine's
    #: :data:`~tactful.engine.TICK_BATCH` is for stores that say nothing): a batch holds the write
    #: lock, so a command that writes meanwhile waits for it, and this many take well under a
    #: second. Smaller batches cost the tick little more.
    tick_batch = 2000

    def __init__(self, path: str | Path) -> None:
        """Open (or create) the store at ``path``.

        Raises:
            InputError: when the file cannot be opened, is not an SQLite database, or was
                written by a newer tactful.
        """
        self.path = Path(path)
        if str(path) != ":memory:":
            try:
                private_file(self.path)  # before SQLite makes it world-readable; its WAL files follow its mode
            except OSError as err:
                raise InputError(f"cannot create the store {self.path}: {err.strerror}") from None
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        try:
            self._migrate()
        except sqlite3.DatabaseError as err:
            self.close()
            raise InputError(f"cannot open the store {self.path}: {err}; it must be a tactful SQLite file "
                             "(move it away and tactful starts a new one)") from None  # fmt: skip
        self.outbox = SQLiteOutbox(lambda: self.db)

    @functools.cached_property
    def proposals(self) -> SQLProposals:
        """What `tactful sync` proposes (its module imported by the commands that use it)."""
        from .proposals import SQLProposals

        return SQLProposals(self._session)

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection to the file, opened on first use."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False,
                             factory=TurnsConnection)  # fmt: skip
        if str(self.path) != ":memory:":
            db.turns = Turns(self.path)
        with self._guard:
            self._opened.append(db)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        # Checkpoint the WAL every ~80 MB rather than at each commit of a batch: tick
        # commits often, and a checkpoint per commit made it several times slower.
        db.execute("PRAGMA wal_autocheckpoint=20000")
        return db

    def _migrate(self) -> None:
        with self.transaction():
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(f"the store {self.path} was written by a newer tactful (schema {version}; this "
                                 f"one knows up to {SCHEMA_VERSION}); upgrade tactful to use it")  # fmt: skip
            if version == SCHEMA_VERSION:
                return
            for statement in filter(str.strip, migration(version).split(";")):  # one transaction
                if not self._has_column(statement):
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _has_column(self, statement: str) -> bool:
        """Whether ``statement`` adds a column its table has already (a store written between
        two schema versions of one release)."""
        words = statement.split()
        if words[:2] != ["ALTER", "TABLE"] or words[3:5] != ["ADD", "COLUMN"]:
            return False
        return any(row[1] == words[5] for row in self.db.execute(f"PRAGMA table_info({words[2]})"))

    def close(self) -> None:
        """Close every thread's connection; use the store no more."""
        with self._guard:
            opened, self._opened = self._opened, []
        for db in opened:
            db.close()
        self._local = threading.local()

    def transaction(self) -> Transaction:
        return Transaction(self.db)

    @contextmanager
    def _session(self) -> Iterator[sqlite3.Connection]:
        with self.transaction():
            yield self.db

    def insert(
        self, items: Sequence[tuple[Application, Sequence[LogEntry]]], kept_rules: Sequence[tuple[str, str, str]] = ()
    ) -> list[Application]:
        ids: list[int] = []
        with self.transaction():
            self.keep_rules(kept_rules)
            number = self.given_ids()[0]
            for app, entries in items:
                self.db.execute(_INSERT_APP, (number + len(ids), *app_values(app), app.candidate))
                ids.append(number + len(ids))
                self.db.executemany(_INSERT_HISTORY, [entry_row(ids[-1], e) for e in entries])
        return [app for app in map(self.get, ids) if app is not None]

    def given_ids(self) -> tuple[int, int]:
        """The next id to give, and the largest id of a removed application (none is given again)."""
        given, removed = self.db.execute(_IDS).fetchone()
        return max(given, removed) + 1, int(removed)

    @contextmanager
    def bulk(self) -> Iterator[SQLiteBulk]:
        """A bulk session for `import`: each chunk written as it comes, all in one transaction,
        with a page cache that holds it (SQLite's default 2 MB spills pages to the WAL and
        reads them back chunk after chunk)."""
        before = self.db.execute("PRAGMA cache_size").fetchone()[0]
        self.db.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        try:
            with self.transaction():
                from .sqlite_bulk import SQLiteBulk

                yield SQLiteBulk(self)  # its db, save and keep_rules
        finally:
            self.db.execute(f"PRAGMA cache_size={before}")

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR IGNORE INTO rulesets (hash, ref, tree) VALUES (?, ?, ?)", kept)

    def kept_rules(self, rules_hash: str) -> str | None:
        row = self.db.execute("SELECT tree FROM rulesets WHERE hash = ?", (rules_hash,)).fetchone()
        return None if row is None else str(row[0])

    def get(self, app_id: int) -> Application | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM applications WHERE id = ?", (app_id,)).fetchone()
        return None if row is None else read_app(row)

    def save(self, changes: Sequence[Change]) -> None:
        with self.transaction():
            # Updated in row order, the batch touches each table and index page once or so.
            ordered = sorted(changes, key=lambda c: c.app.id)
            texts: Texts | None = getattr(self._local, "texts", None)
            full, short = ticked_rows(ordered, texts, app_values)
            done = self.db.executemany(_UPDATE, full).rowcount if full else 0
            done += self.db.executemany(_UPDATE_TICKED, short).rowcount if short else 0
            if done != len(changes):
                raise Conflict("an application changed meanwhile; nothing was written, try again")
            for change in changes:
                if change.drop_from is not None:
                    self.db.execute(
                        "DELETE FROM history WHERE app_id = ? AND id >= ?", (change.app.id, change.drop_from)
                    )
            self.db.executemany(_INSERT_HISTORY, [entry_row(c.app.id, e) for c in changes for e in c.entries])
            self.outbox.add([n for c in changes for n in c.outbox], texts)

    @contextmanager
    def claim_due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Iterator[list[Application]]:
        """Like :meth:`due`, holding the store's write lock until the block ends: ticks in other
        processes wait for this batch, and :meth:`save` inside the block joins its transaction."""
        db = self.db
        db.execute(f"PRAGMA busy_timeout={CLAIM_WAIT_MS}")
        try:
            with Transaction(db, batch=True):  # after the writes that waited for the last batch
                db.execute("PRAGMA busy_timeout=30000")
                texts: Texts = {}  # facts a tick leaves as they are are written back as read
                self._local.texts = texts
                yield read_apps(self._due_rows(now, limit, after), texts)
        finally:
            self._local.texts = None
            db.execute("PRAGMA busy_timeout=30000")

    def data_version(self) -> int:
        """A number that changes when another connection commits to the file (so the tick
        knows whether what it read in its last batch may have changed)."""
        return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def due(self, now: datetime, limit: int, after: tuple[datetime, int] | None = None) -> list[Application]:
        return read_apps(self._due_rows(now, limit, after))

    def _due_rows(self, now: datetime, limit: int, after: tuple[datetime, int] | None) -> sqlite3.Cursor:
        if after is None:
            return self.db.execute(
                f"SELECT {_COLUMNS} FROM applications WHERE wake <= ? ORDER BY wake, id LIMIT ?",
                (now.timestamp(), limit),
            )
        return self.db.execute(
            f"SELECT {_COLUMNS} FROM applications WHERE wake <= ? AND (wake, id) > (?, ?) ORDER BY wake, id LIMIT ?",
            (now.timestamp(), after[0].timestamp(), after[1], limit),
        )

    def all(self, candidate: str | None = None) -> Iterator[Application]:
        where, args = _of(candidate)
        for row in self.db.execute(f"SELECT {_COLUMNS} FROM applications WHERE {where} ORDER BY id", args):
            yield read_app(row)

    def agenda(self, until: datetime, candidate: str | None = None) -> list[Application]:
        where, args = _of(candidate)
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM applications WHERE {where} AND agenda <= ? ORDER BY id", (*args, until.timestamp())
        )
        return read_apps(rows)

    def page(self, after: int, limit: int, candidate: str | None = None) -> list[Application]:
        where, args = _of(candidate)
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM applications WHERE {where} AND id > ? ORDER BY id LIMIT ?", (*args, after, limit)
        )
        return read_apps(rows)

    def outside_states(self, states: Collection[str], candidate: str) -> tuple[list[Application], int]:
        # The state names in use, from the state index alone; those outside ``states`` read
        # through it; the rest counted from the candidate index alone: nothing reads them.
        names = [n for (n,) in self.db.execute(_STATE_NAMES) if n is not None and n not in states]
        total = self.db.execute("SELECT count(*) FROM applications WHERE candidate = ?", (candidate,)).fetchone()[0]
        marks = ", ".join("?" * len(names))
        query = f"SELECT {_COLUMNS} FROM applications WHERE state IN ({marks}) AND +candidate = ? ORDER BY id"
        apps = read_apps(self.db.execute(query, (*names, candidate))) if names else []
        return apps, total - len(apps)

    def in_states(self, states: Collection[str], candidates: Collection[str] | None = None) -> list[Application]:
        marks = ", ".join("?" for _ in states)
        if candidates is not None and len(candidates) == 1:
            # One candidate (a portfolio): when few stand in these states at all (offers, say:
            # counted from the state index alone), through the state index; else their
            # applications through (candidate, id), the state checked on each. An index of
            # (candidate, state) would serve it as well, but every tick writes to it all over.
            few = f"SELECT count(*) FROM (SELECT 1 FROM applications WHERE state IN ({marks}) LIMIT {_FEW})"
            if self.db.execute(few, tuple(states)).fetchone()[0] < _FEW:
                query = f"SELECT {_COLUMNS} FROM applications WHERE state IN ({marks}) AND +candidate = ? ORDER BY id"
                return read_apps(self.db.execute(query, (*states, *candidates)))
            query = f"SELECT {_COLUMNS} FROM applications WHERE candidate = ? AND +state IN ({marks})"
            return read_apps(self.db.execute(query, (*candidates, *states)))
        query = f"SELECT {_COLUMNS} FROM applications WHERE state IN ({marks})"
        if candidates is None:
            return read_apps(self.db.execute(query, tuple(states)))
        found, keys = [], list(candidates)
        for start in range(0, len(keys), _IN_LIST):  # a tick's batch: the applications in those states, by state
            part = keys[start : start + _IN_LIST]
            some = ", ".join("?" * len(part))
            found += read_apps(self.db.execute(f"{query} AND +candidate IN ({some})", (*states, *part)))
        return found

    # -- candidates ------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:
        return [Candidate(*row) for row in self.db.execute(f"SELECT {_CANDIDATE} FROM candidates ORDER BY key")]

    def get_candidate(self, key: str) -> Candidate | None:
        row = self.db.execute(f"SELECT {_CANDIDATE} FROM candidates WHERE key = ?", (key,)).fetchone()
        return None if row is None else Candidate(*row)

    def put_candidate(self, candidate: Candidate) -> None:
        with self.transaction():
            self.db.execute(
                f"INSERT INTO candidates ({_CANDIDATE}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "name = excluded.name, zone = excluded.zone, rules = excluded.rules, email = excluded.email, "
                "sms = excluded.sms",
                tuple(candidate),
            )

    def remove_candidate(self, key: str) -> bool:
        with self.transaction():
            self.db.execute("DELETE FROM outbox WHERE candidate = ?", (key,))  # their deliveries go with them
            self.db.execute(
                "DELETE FROM outbox WHERE app_id IN (SELECT id FROM applications WHERE candidate = ?)", (key,)
            )
            self.db.execute(_MARK_REMOVED.format("candidate = ?"), (key,))
            self.db.execute("DELETE FROM applications WHERE candidate = ?", (key,))  # their history goes with them
            self.proposals.erase(key)
            return self.db.execute("DELETE FROM candidates WHERE key = ?", (key,)).rowcount == 1

    def history(self, app_id: int) -> list[LogEntry]:
        rows = self.db.execute(
            "SELECT id, kind, name, at, recorded, source, target, params, before FROM history "
            "WHERE app_id = ? ORDER BY id",
            (app_id,),
        )
        return [history_entry(row) for row in rows]

    def remove(self, app_id: int) -> bool:
        with self.transaction():
            self.db.execute(_MARK_REMOVED.format("id = ?"), (app_id,))
            return self.db.execute("DELETE FROM applications WHERE id = ?", (app_id,)).rowcount == 1
