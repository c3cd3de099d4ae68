"""Opens the store a location names: a PostgreSQL URL, or the path of an SQLite file.

Only a plain path is an SQLite file. A location that looks like a connection string of any
other kind (a keyword string ``host=… password=…``, a URL without its ``//`` or its scheme)
is refused, so that no file is made and named after a password, and nothing of it is quoted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .store import Store

#: The URL schemes that name a PostgreSQL database.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_URL = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
#: What is not a plain path (each with why): a keyword string, a scheme without ``//``,
#: ``user:password@host`` without a scheme.
_NOT_A_PATH = (
    (re.compile(r"\s*[A-Za-z_]+\s*="), "a keyword connection string (host=… dbname=…), which tactful does not take"),
    (re.compile(r"postgres(?:ql)?:(?!//)", re.IGNORECASE), "a PostgreSQL URL without the '//' after its scheme"),
    (re.compile(r"[^/@]*:[^/]*@"), "a database URL without its scheme"),
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}")


def open_store(location: str | Path, candidate: str | None = None) -> Store:
    """The store at ``location``: ``postgresql://…`` (needs ``tactful[postgres]``), else an
    SQLite file at that path. On PostgreSQL, ``candidate`` is stated by every transaction, for
    row-level security (see :class:`~tactful.stores.postgres_store.PostgresStore`).

    Raises:
        InputError: for a URL of another kind, a malformed one, a location that is neither a
            URL nor a plain path, or a store that cannot be used.
    """
    text = str(location)
    if text.startswith(POSTGRES_SCHEMES):
        try:
            from .postgres_store import PostgresStore
        except ImportError:
            raise InputError(
                "a PostgreSQL database needs the postgres extra: pip install 'tactful[postgres]'"
            ) from None
        return PostgresStore(text, candidate=candidate)
    if "://" in text:
        scheme = text.partition("://")[0]
        named = f" '{scheme}://'" if _SCHEME.fullmatch(scheme) else ""
        raise InputError(f"unknown kind of database{named}; give {_URL}, "
                         "or leave it unset for the SQLite file in the tactful home")  # fmt: skip
    if isinstance(location, str):
        for pattern, what in _NOT_A_PATH:
            if pattern.match(text):
                raise InputError(f"the database location is {what}; give {_URL} (special characters "
                                 "percent-encoded), or a path for an SQLite file (./NAME for such a name)")  # fmt: skip
    from .sqlite_store import SQLiteStore

    return SQLiteStore(location)
