"""The PostgreSQL store, for a platform: many applications, several workers, many threads.

The schema is the SQLite store's, in PostgreSQL's types; it is versioned in
``tactful_schema`` and migrated when a store opens (under an advisory lock, so workers that
start together migrate once). Connections come from a pool, so one store serves many threads;
a thread inside :meth:`PostgresStore.claim_due` keeps its connection, and its saves join that
transaction. Due work is claimed with ``FOR UPDATE SKIP LOCKED``: workers on one database
share it, and a worker that dies releases its batch untouched. Needs the ``postgres`` extra.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import ConnectionPool

from ..errors import InputError, StoreUnavailable
from ..vocabulary.records import Application, Candidate, LogEntry
from ..vocabulary.timecalc import stamp
from . import postgres_rls
from .pgurl import PostgresURL
from .postgres_outbox import WAKE_CHANNEL, PostgresOutbox
from .postgres_schema import MIGRATIONS, SCHEMA_VERSION
from .proposals import SQLProposals
from .sqlite_rows import Texts, app_values, entry_row, history_entry, read_apps, ticked_rows
from .store import Change, Conflict

_COLUMNS = (
    "id, company, state, entered, facts, rules, rules_hash, next_due, timer, version, wake, notified, agenda, zones, "
    "candidate"
)
#: A candidate's columns, in the order of :class:`Candidate`'s fields.
_CANDIDATE = "key, name, zone, rules, email, sms"


def _of(candidate: str | None) -> tuple[str, tuple[str, ...]]:
    """The condition for one candidate's rows, or every candidate's (None)."""
    return ("candidate = %s", (candidate,)) if candidate is not None else ("TRUE", ())


#: One statement updates a whole batch: the rows come as arrays, a column each, sent in
#: binary (%b), which needs no escaping of the text in them.
_UPDATE = (
    "UPDATE applications AS a SET company = v.company, state = v.state, entered = v.entered, facts = v.facts, "
    "rules = v.rules, rules_hash = v.rules_hash, next_due = v.next_due, timer = v.timer, wake = v.wake, "
    "notified = v.notified, agenda = v.agenda, zones = v.zones, version = a.version + 1 "
    "FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[], "
    "%b::int[], %b::timestamptz[], %b::text[], %b::timestamptz[], %b::text[], %b::bigint[], %b::int[]) "
    "AS v(company, state, entered, facts, rules, rules_hash, next_due, timer, wake, notified, agenda, zones, id, "
    "version) "
    "WHERE a.id = v.id AND a.version = v.version"
)
#: What a tick changes of an application whose company, facts and rules are as read.
_UPDATE_TICKED = (
    "UPDATE applications AS a SET state = v.state, entered = v.entered, next_due = v.next_due, timer = v.timer, "
    "wake = v.wake, notified = v.notified, agenda = v.agenda, zones = v.zones, version = a.version + 1 "
    "FROM unnest(%b::text[], %b::text[], %b::timestamptz[], %b::int[], %b::timestamptz[], %b::text[], "
    "%b::timestamptz[], %b::text[], %b::bigint[], %b::int[]) "
    "AS v(state, entered, next_due, timer, wake, notified, agenda, zones, id, version) "
    "WHERE a.id = v.id AND a.version = v.version"
)
_INSERT_HISTORY = (
    "INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
    "SELECT * FROM unnest(%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], "
    "%b::text[], %b::text[])"
)


def columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """``rows`` as a list per column, for ``unnest``."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


#: Keys every migration so that workers starting together migrate one after the other.
_MIGRATION_LOCK = 73468231


def _in(moment: datetime, tz: tzinfo) -> datetime:
    return moment.astimezone(tz)  # timestamptz keeps the instant; the zones are kept beside


def _rows_to_apps(rows: Iterable[Sequence[Any]], texts: Texts | None = None) -> list[Application]:
    return read_apps(rows, texts, _in)


def _row_to_app(row: Sequence[Any]) -> Application:
    return read_apps([row], None, _in)[0]


def _same(moment: datetime | None) -> datetime | None:
    return moment


def _values(app: Application, texts: Texts | None = None) -> tuple[Any, ...]:
    return app_values(app, texts, stamp, _same)


def connect_error(url: PostgresURL, err: Exception) -> InputError:
    """The one line for a database that cannot be used, naming it without its password."""
    reason = url.reason(err)
    if isinstance(err, pgerrors.InsufficientPrivilege):
        if (refused := postgres_rls.refusal(url, err)) is not None:
            return refused  # a candidate's rows, not the user's rights
        return InputError(f"the database {url} refuses this user: {reason}; grant it CREATE and USAGE "
                          "on the schema, and SELECT, INSERT, UPDATE, DELETE on its tables and USAGE on its "
                          "sequences (or ask the database's owner)")  # fmt: skip
    return StoreUnavailable(f"cannot use the database {url}: {reason}")


class PostgresStore:
    """A :class:`~tactful.stores.store.Store` in a PostgreSQL database, with its outbox."""

    #: The batch `tactful tick` and `tactful worker` claim when not told (``--batch``): with
    #: the engine's 20000, a due set of up to 20000 went to whichever worker claimed first,
    #: and the others had nothing to do; 2000 shares it, and one worker is no slower for it.
    tick_batch = 2000

    def __init__(self, url: str, max_connections: int = 10, candidate: str | None = None) -> None:
        """Connect to ``url`` (``postgresql://user:password@host:port/database``), migrate its
        schema, and open a pool of up to ``max_connections``. With ``candidate``, every
        transaction states that candidate, for row-level security (see :meth:`as_candidate`).

        Raises:
            InputError: for a malformed URL or candidate key, a database from a newer tactful,
                or missing rights.
            StoreUnavailable: when the server cannot be reached.
        """
        self.url = PostgresURL.parse(url)  # libpq is given its parts, never the URL (see pgurl)
        self.stated_candidate = None if candidate is None else postgres_rls.stateable(candidate)
        try:
            with psycopg.connect(self.url.conninfo, connect_timeout=10) as conn:
                self._migrate(conn)
        except psycopg.Error as err:
            raise connect_error(self.url, err) from None
        self.pool = ConnectionPool(self.url.conninfo, min_size=1, max_size=max_connections, open=False,
                                   check=ConnectionPool.check_connection, kwargs={"connect_timeout": 10})  # fmt: skip
        self.pool.open()
        self._local = threading.local()
        self._listener: psycopg.Connection[Any] | None = None
        self.outbox = PostgresOutbox(self.transaction, self.session)
        self.proposals = SQLProposals(self.transaction, "%s")

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            version = 0  # a store at this version needs no rights beyond reading: a read-only user can open it
            if conn.execute("SELECT to_regclass('tactful_schema')").fetchone() == (None,):
                conn.execute("CREATE TABLE tactful_schema (version INTEGER NOT NULL)")
            else:
                row = conn.execute("SELECT max(version) FROM tactful_schema").fetchone()
                version = int(row[0]) if row and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise InputError(f"the database {self.url} was written by a newer tactful (schema {version}; "
                                 f"this one knows up to {SCHEMA_VERSION}); upgrade tactful to use it")  # fmt: skip
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                    conn.execute(statement)  # fixed text, no input
                conn.execute("INSERT INTO tactful_schema (version) VALUES (%s)", (step,))

    def close(self) -> None:
        """Close the pool; use the store no more."""
        if self._listener is not None:
            self._listener.close()
        self.pool.close()

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's connection in a transaction: committed at the end of the block, rolled
        back on an error. Nested blocks join the outer one.

        Raises:
            StoreUnavailable: when the connection cannot be had or drops (nothing committed).
        """
        current: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        try:
            with self.pool.connection() as conn:
                self._local.conn = conn
                try:
                    self._state(conn)
                    yield conn
                finally:
                    self._local.conn = None
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            raise StoreUnavailable(f"the connection to {self.url} failed: {self.url.reason(err)}; "
                                   "nothing of this change was written") from None  # fmt: skip
        except psycopg.errors.InsufficientPrivilege as err:
            raise connect_error(self.url, err) from None

    def as_candidate(self, key: str) -> AbstractContextManager[None]:
        """Within the block, every transaction this thread begins states candidate ``key``: with
        row-level security on, a role held to its policies reads and writes their rows only.

        Raises:
            InputError: for a malformed key or "", inside a transaction, or on a store opened
                for another candidate.
        """
        return postgres_rls.stating(self._local, self.stated_candidate, key)

    def enable_row_security(self, on: bool = True) -> None:
        """Turn row-level security on (docs/embedding.md), or off again with ``on=False``; run by
        the tables' owner. Running it twice changes nothing."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))  # not while a migration runs
            postgres_rls.switch(conn, self.url, on)

    @contextmanager
    def session(self) -> Iterator[Callable[[], AbstractContextManager[psycopg.Connection[Any]]]]:
        """A connection of the pool to itself, outside this thread's transaction (an outbox claim
        keeps one while it lasts): yields what begins a transaction on it, which states the
        candidate as :meth:`transaction` does.

        Raises:
            StoreUnavailable: when the connection cannot be had or drops.
        """
        try:
            with self.pool.connection() as conn:
                yield partial(self._begin, conn)
        except (psycopg.OperationalError, psycopg.InterfaceError) as err:
            raise StoreUnavailable(f"the connection to {self.url} failed: {self.url.reason(err)}") from None
        except psycopg.errors.InsufficientPrivilege as err:
            raise connect_error(self.url, err) from None

    @contextmanager
    def _begin(self, conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
        with conn.transaction():
            self._state(conn)
            yield conn

    def _state(self, conn: psycopg.Connection[Any]) -> None:
        """State this thread's candidate (row-level security) for ``conn``'s transaction, if any."""
        stated = getattr(self._local, "candidate", None) or self.stated_candidate
        if stated is not None:
            postgres_rls.state(conn, stated)

    def insert(
        self, items: Sequence[tuple[Application, Sequence[LogEntry]]], kept_rules: Sequence[tuple[str, str, str]] = ()
    ) -> list[Application]:
        stored = []
        with self.transaction() as conn:
            self.keep_rules(kept_rules)
            for app, entries in items:
                row = conn.execute(
                    f"INSERT INTO applications (company, state, entered, facts, rules, rules_hash, next_due, timer, "
                    f"wake, notified, agenda, zones, candidate) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                    f"%s, %s) RETURNING {_COLUMNS}",
                    (*_values(app), app.candidate),
                ).fetchone()
                assert row is not None
                stored.append(_row_to_app(row))
                conn.execute(_INSERT_HISTORY, columns([entry_row(stored[-1].id, e) for e in entries], 9))
            conn.execute(f"NOTIFY {WAKE_CHANNEL}")
        return stored

    def keep_rules(self, kept: Sequence[tuple[str, str, str]]) -> None:
        if not kept:
            return
        with self.transaction() as conn, conn.cursor() as cur:
            cur.executemany("INSERT INTO rulesets (hash, ref, tree) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", kept)

    def kept_rules(self, rules_hash: str) -> str | None:
        with self.transaction() as conn:
            row = conn.execute("SELECT tree FROM rulesets WHERE hash = %s", (rules_hash,)).fetchone()
        return None if row is None else str(row[0])

    def get(self, app_id: int) -> Application | None:
        with self.transaction() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM applications WHERE id = %s", (app_id,)).fetchone()
        return None if row is None else _row_to_app(row)

    def save(self, changes: Sequence[Change]) -> None:
        claimed = getattr(self._local, "texts", None) is not None  # inside claim_due: the worker is here
        with self.transaction() as conn:
            full, short = ticked_rows(changes, getattr(self._local, "texts", None), _values)
            done = conn.execute(_UPDATE, columns(full, 14)).rowcount if full else 0
            done += conn.execute(_UPDATE_TICKED, columns(short, 10)).rowcount if short else 0
            if done != len(changes):
                raise Conflict("an application changed meanwhile; nothing was written, try again")
            for change in changes:
                if change.drop_from is not None:
                    conn.execute(
                        "DELETE FROM history WHERE app_id = %s AND id >= %s", (change.app.id, change.drop_from)
                    )
            entries = [entry_row(c.app.id, e) for c in changes for e in c.entries]
            if entries:
                conn.execute(_INSERT_HISTORY, columns(entries, 9))
            self.outbox.add([n for c in changes for n in c.outbox])
            if not claimed:
                conn.execute(f"NOTIFY {WAKE_CHANNEL}")  # a worker may have work sooner now

    @contextmanager
    def claim_due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Iterator[list[Application]]:
        with self.transaction():
            texts: Texts = {}  # facts a tick leaves as they are are written back as read
            self._local.texts = texts
            try:
                yield self._due(now, limit, after, " FOR UPDATE SKIP LOCKED", texts)
            finally:
                self._local.texts = None

    def due(self, now: datetime, limit: int, after: tuple[datetime, int] | None = None) -> list[Application]:
        return self._due(now, limit, after, "")

    def _due(
        self, now: datetime, limit: int, after: tuple[datetime, int] | None, lock: str, texts: Texts | None = None
    ) -> list[Application]:
        where, args = "wake <= %s", [now]
        if after is not None:
            where = f"{where} AND (wake, id) > (%s, %s)"
            args = [now, after[0], after[1]]  # type: ignore[list-item]  # psycopg takes any values
        with self.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM applications WHERE {where} ORDER BY wake, id LIMIT %s{lock}",
                (*args, limit),
            ).fetchall()
        return _rows_to_apps(rows, texts)

    def all(self, candidate: str | None = None) -> Iterator[Application]:
        where, args = _of(candidate)
        last = 0
        while True:  # a page at a time, by id: memory stays flat and no transaction stays open
            with self.transaction() as conn:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM applications WHERE {where} AND id > %s ORDER BY id LIMIT 1000",
                    (*args, last),
                ).fetchall()
            if not rows:
                return
            yield from _rows_to_apps(rows)
            last = rows[-1][0]

    def agenda(self, until: datetime, candidate: str | None = None) -> list[Application]:
        where, args = _of(candidate)
        with self.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM applications WHERE {where} AND agenda <= %s ORDER BY id", (*args, until)
            ).fetchall()
        return _rows_to_apps(rows)

    def page(self, after: int, limit: int, candidate: str | None = None) -> list[Application]:
        where, args = _of(candidate)
        with self.transaction() as conn:
            rows = conn.execute(
                f"SELECT {_COLUMNS} FROM applications WHERE {where} AND id > %s ORDER BY id LIMIT %s",
                (*args, after, limit),
            ).fetchall()
        return _rows_to_apps(rows)

    def outside_states(self, states: Collection[str], candidate: str) -> tuple[list[Application], int]:
        query = f"SELECT {_COLUMNS} FROM applications WHERE candidate = %s AND NOT state = ANY(%s) ORDER BY id"
        with self.transaction() as conn:
            rows = conn.execute(query, (candidate, list(states))).fetchall()
            (total,) = conn.execute("SELECT count(*) FROM applications WHERE candidate = %s", (candidate,)).fetchall()
        return _rows_to_apps(rows), total[0] - len(rows)

    def in_states(self, states: Collection[str], candidates: Collection[str] | None = None) -> list[Application]:
        query = f"SELECT {_COLUMNS} FROM applications WHERE state = ANY(%s)"
        with self.transaction() as conn:
            if candidates is None:
                rows = conn.execute(query, (list(states),))
            else:
                rows = conn.execute(f"{query} AND candidate = ANY(%s)", (list(states), list(candidates)))
            return _rows_to_apps(rows.fetchall())

    def candidates(self) -> list[Candidate]:
        with self.transaction() as conn:
            rows = conn.execute(f"SELECT {_CANDIDATE} FROM candidates ORDER BY key").fetchall()
        return [Candidate(*row) for row in rows]

    def get_candidate(self, key: str) -> Candidate | None:
        with self.transaction() as conn:
            row = conn.execute(f"SELECT {_CANDIDATE} FROM candidates WHERE key = %s", (key,)).fetchone()
        return None if row is None else Candidate(*row)

    def put_candidate(self, candidate: Candidate) -> None:
        with self.transaction() as conn:
            conn.execute(
                f"INSERT INTO candidates ({_CANDIDATE}) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE "
                "SET name = excluded.name, zone = excluded.zone, rules = excluded.rules, email = excluded.email, "
                "sms = excluded.sms",
                tuple(candidate),
            )

    def remove_candidate(self, key: str) -> bool:
        with self.transaction() as conn:
            # The applications first (and their history): a tick holding one of them is waited
            # for, so that the next statement sees the notices it wrote.
            gone = [row[0] for row in conn.execute("DELETE FROM applications WHERE candidate = %s RETURNING id",
                                                   (key,))]  # fmt: skip
            conn.execute("DELETE FROM outbox WHERE candidate = %s OR app_id = ANY(%s)", (key, gone))  # and deliveries
            self.proposals.erase(key)
            return conn.execute("DELETE FROM candidates WHERE key = %s", (key,)).rowcount == 1

    def history(self, app_id: int) -> list[LogEntry]:
        with self.transaction() as conn:
            rows = conn.execute(
                "SELECT id, kind, name, at, recorded, source, target, params, before FROM history "
                "WHERE app_id = %s ORDER BY id",
                (app_id,),
            ).fetchall()
        return [history_entry(row) for row in rows]

    def remove(self, app_id: int) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM applications WHERE id = %s", (app_id,)).rowcount == 1

    def wait(self, seconds: float) -> None:
        """Sleep up to ``seconds``, returning early when another process changed the store since
        the last call (``LISTEN``/``NOTIFY``): what ``tactful worker`` does between passes."""
        try:
            if self._listener is None:
                self._listener = psycopg.connect(self.url.conninfo, autocommit=True, connect_timeout=10)
                self._listener.execute(f"LISTEN {WAKE_CHANNEL}")
            for _ in self._listener.notifies(timeout=max(seconds, 0.0), stop_after=1):
                break
        except psycopg.OperationalError as err:
            self._listener = None
            raise StoreUnavailable(f"the connection to {self.url} failed: {self.url.reason(err)}") from None
