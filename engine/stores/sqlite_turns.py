"""Turns at the write lock of an SQLite store: a command waiting to write gets in between two
batches of a long tick, rather than after the whole tick.

SQLite serializes writers, but not fairly: a waiting writer polls for the lock (every 100 ms
once it has waited a while), and a tick takes it again the moment it commits a batch, so a
``record`` issued during a tick of 100,000 due applications waited for the whole tick (37 s).
A file beside the store (``tactful.sqlite3-turns``) takes turns with ``flock``:

* every write transaction but a tick's batch holds a shared lock on it from before it waits
  for SQLite's lock until it commits (when the file exists: the first tick makes it);
* a tick takes the exclusive lock before each batch and lets it go once its batch has begun.

So after committing a batch a tick waits for every writer that was waiting meanwhile, then
goes on: a write waits for at most the batch under way and one poll. The operating system
lets go of a killed process's locks, so a kill leaves no turn held; where ``flock`` does not
exist, or the file cannot be made, writers simply do not take turns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

#: Appended to the store's file name for the file the turns are taken on.
SUFFIX = "-turns"


class Turns:
    """Turns at the write lock of the store file ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = f"{path}{SUFFIX}"

    def _open(self, create: bool) -> int | None:
        if fcntl is None:
            return None
        try:
            return os.open(self.path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
        except OSError:
            return None

    @contextmanager
    def write(self) -> Iterator[None]:
        """Held by a write from before it waits for the store's lock until it ends: a tick
        lets it in before its next batch."""
        fd = self._open(create=False)
        if fd is None:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # lets the lock go

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Held by a tick while it begins a batch: it waits for the writes waiting meanwhile."""
        fd = self._open(create=True)
        if fd is None:
            yield
            return
        try:
            with suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
