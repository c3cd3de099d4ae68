"""`tactful worker`: the long-running tick. It fires what is due and delivers notices, then
sleeps until the earliest wake moment, woken early by a change (PostgreSQL's LISTEN/NOTIFY)
or by polling (SQLite). Any number of workers share one database.
"""

from __future__ import annotations

import random
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from types import FrameType
from typing import Any, TypeVar

import click

from ..errors import StoreUnavailable
from .context import Context, common
from .types import Count

T = TypeVar("T")
#: Pauses (seconds) before each new try after a dropped connection, each stretched or shrunk
#: by up to half at random (so that workers cut off together do not all come back at once);
#: after the last, the error stands.
RECONNECT_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0)
#: The latest moment a store's wake index can hold: ``due`` by then gives the earliest wake.
_FAR = datetime(9999, 1, 1, tzinfo=UTC)


def reconnecting(operation: Callable[[], T], pauses: tuple[float, ...] = RECONNECT_PAUSES) -> T:
    """``operation()``, tried again with growing, jittered pauses while the database is
    unreachable: each try is whole transactions, so a try cut short left nothing half-written.

    Raises:
        StoreUnavailable: when the last try fails too.
    """
    from ..vocabulary.log import logger

    for pause in (*pauses, None):
        try:
            return operation()
        except StoreUnavailable as err:
            if pause is None:
                raise
            pause *= 0.5 + random.random()  # noqa: S311 - jitter, not secrecy
            logger().warning("database unavailable; trying again", error=str(err), pause=round(pause, 2))
            time.sleep(pause)
    raise AssertionError("unreachable")


class _Stop(Exception):
    """Raised in a sleeping worker by SIGTERM or SIGINT."""


class _Signals:
    """SIGTERM and SIGINT: during a batch, noted (the batch finishes); while asleep, waking."""

    def __init__(self) -> None:
        self.stop = False
        self.sleeping = False
        self.first: int | None = None  # the signal that stopped it

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.stop = True
        self.first = self.first or signum
        if self.sleeping:
            raise _Stop

    def sleep(self, store: Any, seconds: float) -> None:
        """:func:`_sleep`, unless a signal came first; one that comes during it ends it."""
        try:
            self.sleeping = True  # inside the try: a signal from here on raises _Stop, caught below
            if not self.stop:
                _sleep(store, seconds)
        except _Stop:
            pass
        finally:
            self.sleeping = False


@click.command()
@click.option(
    "--batch",
    type=Count(max=200_000),
    help="Applications per transaction, up to 200000 (default 2000, so that workers share them and other writers "
    "wait little).",
)
@click.option("--poll", type=click.FloatRange(min=0.05), metavar="SECONDS", default=5.0, show_default=True,
              help="Longest sleep between passes, in seconds (SQLite has no change notices, so this is how soon "
                   "a change made elsewhere is seen).")  # fmt: skip
@common
def worker(ctx: Context, batch: int | None, poll: float) -> None:
    """Fire due timers and deliver notices until stopped.

    SIGTERM lets it finish the batch in hand first. Sleeps until the earliest wake moment; on
    PostgreSQL a change wakes it at once, on SQLite it looks again every --poll seconds. Run as
    many as you like on one database. Logs one line at start and one at stop (info level);
    each pass at debug (-v, or TACTFUL_LOG_LEVEL=debug). Ctrl-C exits 130, SIGTERM 0.
    It serves every candidate, whatever --candidate says. When config.yaml's mailbox or news
    section says 'every: 15 minutes', it also syncs them that often ('tactful sync'), for
    --candidate (default: the implicit candidate).

    \b
    tactful worker
    tactful --database postgresql://tactful@db/tactful worker --batch 5000
    """
    from ..engine import TICK_BATCH
    from ..hooks.delivery import Tally, keep_takers
    from ..stores.claims import tick_batch
    from ..vocabulary.log import configure_cli, logger

    configure_cli(default="info", libraries="warning")
    signals = _Signals()
    previous = {sig: signal.signal(sig, signals) for sig in (signal.SIGTERM, signal.SIGINT)}
    engine = ctx.engine()
    pm = ctx.plugins()  # a broken config.yaml stops the worker before anything is written
    keep_takers(engine.store.outbox, pm)  # notices nobody here takes are written expanded
    syncing = _syncing(ctx)  # a broken mailbox or news section stops the worker here too
    logger().info("worker started", poll=poll)
    passes, size = 0, batch or tick_batch(engine.store, TICK_BATCH)
    try:
        while not signals.stop:
            ctx.refresh_now()
            fired = reconnecting(lambda: sum(1 for _ in engine.tick_each(size)))
            report = reconnecting(partial(ctx.deliver, Tally()))  # counted across tries: one cut short kept its count
            if syncing is not None:
                syncing()
            passes += 1
            logger().debug("worker pass", fired=fired, delivered=report.delivered, failed=len(report.failed))
            if signals.stop:
                break
            pause = _until_next_wake(ctx, poll)
            signals.sleep(engine.store, pause)
    except _Stop:  # a second signal in the instant a sleep ends
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger().info("worker stopped", passes=passes)
    if signals.first == signal.SIGINT:
        sys.exit(130)  # what shells expect after Ctrl-C (128 + 2); SIGTERM is a clean stop, 0


def _syncing(ctx: Context) -> Callable[[], None] | None:
    """The worker's syncs, when config.yaml's mailbox or news section says ``every:``."""
    from ..hooks.config import read_config

    config, _ = read_config(ctx.home)  # its errors stopped ctx.plugins() already
    if "mailbox" not in config and "news" not in config:
        return None  # no capture loaded: a worker without it starts as before
    from .capturecmd import WorkerSync

    syncing = WorkerSync(ctx)
    return syncing if syncing.schedule.every else None


def _until_next_wake(ctx: Context, poll: float) -> float:
    """Seconds until the earliest wake moment in the store, at most ``poll``."""
    earliest = reconnecting(lambda: ctx.engine().store.due(_FAR, 1))
    if not earliest or earliest[0].wake is None:
        return poll
    return max(0.0, min(poll, (earliest[0].wake - ctx.now()).total_seconds()))


def _sleep(store: Any, seconds: float) -> None:
    """Sleep ``seconds``, or until the store reports a change if it can (PostgreSQL)."""
    wait = getattr(store, "wait", None)
    if wait is None:
        time.sleep(seconds)
        return
    reconnecting(lambda: wait(seconds))
