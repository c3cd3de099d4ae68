"""Opens the store a location names: a PostgreSQL URL, or the path of an SQLite file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from .store import Store

#: The URL schemes that name a PostgreSQL database.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(location: str | Path) -> Store:
    """The store at ``location``: ``postgresql://…`` (needs ``tactful[postgres]``), else an
    SQLite file at that path.

    Raises:
        InputError: for a URL of another kind, a malformed one, or a store that cannot be used.
    """
    text = str(location)
    if text.startswith(POSTGRES_SCHEMES):
        try:
            from .postgres_store import PostgresStore
        except ImportError:
            raise InputError(
                "a PostgreSQL database needs the postgres extra: pip install 'tactful[postgres]'"
            ) from None
        return PostgresStore(text)
    if "://" in text:
        scheme = text.partition("://")[0]
        raise InputError(f"unknown kind of database '{scheme}://'; give postgresql://USER@HOST:PORT/DATABASE, "
                         "or leave it unset for the SQLite file in the tactful home")  # fmt: skip
    from .sqlite_store import SQLiteStore

    return SQLiteStore(location)
