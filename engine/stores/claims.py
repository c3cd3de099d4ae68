"""Sharing a store between writers: claims of due work, and retrying after a :class:`Conflict`.

Every tick claims its batch (:meth:`~tactful.stores.store.Store.claim_due`), so tickers in
many threads or processes fire each due application once; an operation that loses a race to
save an application (:class:`Conflict`) is worked out again from what was saved.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TypeVar

from ..vocabulary.records import Application
from .store import Conflict, Store

#: How often an operation that met a :class:`Conflict` is tried again, and the first pause
#: (seconds; doubled each time, with jitter) before trying.
RETRIES, RETRY_PAUSE = 6, 0.005
T = TypeVar("T")


def retrying(operation: Callable[[], T]) -> T:
    """``operation()``, tried again after a :class:`Conflict` (another writer saved the same
    application first), a bounded number of times with a growing, jittered pause.

    Raises:
        Conflict: when the last try meets one too.
    """
    for attempt in range(RETRIES):
        try:
            return operation()
        except Conflict:
            if attempt == RETRIES - 1:
                raise
            time.sleep(RETRY_PAUSE * 2**attempt * (0.5 + random.random()))  # noqa: S311 - jitter, not secrecy
    raise AssertionError("unreachable")


def tick_batch(store: Store, default: int) -> int:
    """How many due applications a tick over ``store`` claims at a time when not told: the
    store's ``tick_batch`` (PostgreSQL's is small, so that workers share the due work), else
    ``default``."""
    return int(getattr(store, "tick_batch", default))


def claim_due(store: Store, now: datetime, limit: int,
              after: tuple[datetime, int] | None) -> AbstractContextManager[list[Application]]:  # fmt: skip
    """The store's :meth:`~tactful.stores.store.Store.claim_due`, or for a store written before
    claims existed, its plain :meth:`due` (such a store has one ticker at a time)."""
    claim = getattr(store, "claim_due", None)
    if claim is not None:
        return claim(now, limit, after)  # type: ignore[no-any-return]

    @contextmanager
    def plain() -> Iterator[list[Application]]:
        yield store.due(now, limit, after)

    return plain()
