"""The tick of an engine: every timer due by now fired durably, a batch per transaction, for
every candidate.

A mixin of :class:`~tactful.engine.Engine`: what it needs of the engine is declared below.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from .errors import InputError
from .language.namespace import Portfolio
from .language.ruleset import RuleSet
from .runtime import core
from .runtime.notify import Notice
from .stores.claims import claim_due, tick_batch
from .stores.portfolios import Marked, Portfolios, unseen_writes
from .stores.store import Change, Store
from .vocabulary.log import logger
from .vocabulary.records import Application, Fired, LogEntry

#: How many due applications `tick` loads and commits at a time on a store that says nothing
#: (its ``tick_batch``: 2000 on SQLite and PostgreSQL): memory is bounded by it (about 70 MB).
TICK_BATCH = 20000
#: The largest batch a tick takes when asked (``--batch``): memory grows with it (about 3.5 KB
#: an application), so a larger one would only risk running out of it.
MAX_TICK_BATCH = 200_000


class Ticking:
    """:meth:`tick` and :meth:`tick_each`."""

    store: Store

    if TYPE_CHECKING:  # the engine's own

        def now(self) -> datetime: ...

        def rules_for(self, app: Application) -> RuleSet: ...

        def _settle(self, rs: RuleSet, app: Application, now: datetime, portfolio: Portfolio,
                    entries: Sequence[LogEntry], announce: bool = False
                    ) -> tuple[Application, list[Notice]]: ...  # fmt: skip

    def _batch_portfolios(self, due: Sequence[Application], kept: Portfolios | None) -> Portfolios:
        """Portfolios for a tick's batch, which spans candidates: when it spans several, those of
        all its candidates are loaded in one look-up. One candidate's (``kept``, from the last
        batch, when given) are loaded once for the whole tick."""
        who = {app.candidate for app in due}
        if kept is not None and len(who) == 1 and who == kept.served:
            return kept
        portfolios = Portfolios(self.store, self.rules_for)
        portfolios.served = who
        if len(who) > 1:
            pins = {(app.rules, app.rules_hash): app for app in due}  # what rules_for reads: once per pair
            portfolios.preload({rs.hash: rs for rs in map(self.rules_for, pins.values())}.values(), who)
        return portfolios

    def tick(self, batch: int | None = None) -> list[Fired]:
        """Fire every timer due by now, durably, a batch per transaction (by default the store's
        ``tick_batch``); what fired."""
        return list(self.tick_each(batch))

    def tick_each(self, batch: int | None = None) -> Iterator[Fired]:
        """Like :meth:`tick`, yielding each transition once its batch is committed, so memory
        stays the same however much is due.

        Raises:
            InputError: for a batch below 1 or above :data:`MAX_TICK_BATCH`.
        """
        batch = tick_batch(self.store, TICK_BATCH) if batch is None else batch
        if not 1 <= batch <= MAX_TICK_BATCH:
            raise InputError(f"a tick's batch is from 1 to {MAX_TICK_BATCH:,} applications, not {batch}")
        now = self.now()
        count = 0
        cursor: tuple[datetime, int] | None = None
        kept: Portfolios | None = None  # one candidate's portfolios, while nothing could have changed them
        writes = unseen_writes(self.store)
        while True:
            # Claimed, worked out and saved in one transaction: another ticker gets other
            # applications or waits, so each fires once; a crash here writes nothing.
            with claim_due(self.store, now, batch, cursor) as due:
                if not due:
                    break
                changes, fired = [], []
                portfolios = self._batch_portfolios(due, None if writes() else kept)
                marked = Marked()
                for app in due:
                    rs = self.rules_for(app)
                    portfolio = portfolios(rs, app.candidate)
                    new, entries = core.catch_up(rs, app, now, portfolio)
                    new, notices = self._settle(rs, new, now, portfolio, entries, announce=True)
                    marked.see(rs, app, new)
                    changes.append(Change(new, entries, outbox=notices))
                    fired += [Fired(app.id, app.company, e.source, e.target, e.at) for e in entries]
                self.store.save(changes)
            kept = None if marked.touched else portfolios
            count += len(fired)
            last = due[-1]
            cursor = (last.wake, last.id) if last.wake else None
            del due, changes, portfolios  # before the next batch is read: one batch in memory at a time
            yield from fired
            del fired
        if count:
            logger().info("timers fired", count=count, now=now.isoformat())
