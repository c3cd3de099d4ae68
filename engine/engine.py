"""The embedding API: an :class:`Engine` joins a rule book, a store and a clock.

Every method reads the clock once and answers as of that moment: timers due by then count
as fired. Only :meth:`Engine.tick` and the recording methods write, each change in one
transaction of the store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from .candidacy import Candidacy, soonest
from .errors import InputError, Refused, RuleErrors
from .language.namespace import Portfolio
from .language.rulebook import RuleBook
from .language.ruleset import RuleSet
from .runtime import core
from .runtime.facts import check_after_interview, corrected
from .runtime.hindsight import already_recorded
from .runtime.notify import Notice, settle
from .runtime.policy import judge, record_heeding
from .runtime.why import Trace, explain
from .stores.claims import retrying
from .stores.pinning import Pinned
from .stores.portfolios import Portfolios
from .stores.store import Change, Store, agenda_candidates, page
from .ticking import MAX_TICK_BATCH, TICK_BATCH, Ticking
from .vocabulary.log import logger
from .vocabulary.records import (
    Advised,
    Application,
    Draft,
    Fired,
    LogEntry,
    Recorded,
    Verdict,
    restore,
    snapshot,
)
from .vocabulary.timecalc import zone_key

if TYPE_CHECKING:
    from .runtime.rows import ImportRow

__all__ = ["MAX_TICK_BATCH", "TICK_BATCH", "Engine", "Fired"]


class Engine(Candidacy, Ticking):
    """The etiquette engine over a store, with the clock passed in."""

    def __init__(self, store: Store, clock: Callable[[], datetime], rules: RuleBook | None = None,
                 default_rules: str = "default", notify: bool = False, zone: tzinfo | None = None) -> None:  # fmt: skip
        """Args:
        store: where applications live (:class:`~tactful.stores.store.MemoryStore`,
            :class:`~tactful.stores.sqlite_store.SQLiteStore`, or your own).
        clock: returns the current moment, with a time zone; read once per call.
        rules: finds rule sets by name or path (default: a fresh :class:`RuleBook`).
        default_rules: the rule set `add` uses when none is named.
        notify: write notices for plugins to the store's outbox with every change
            (deliver them with :func:`tactful.hooks.delivery.deliver`, passing
            ``drafts=engine.notice_draft`` to have due actions' drafts rendered then).
        zone: the user's own time zone, for times in reasons, refusals and warnings
            (default: each application's interviewer's zone).
        """
        self.store = store
        self.clock = clock
        self.rules = rules or RuleBook()
        self.default_rules = default_rules
        self.notify = notify
        self.zone = zone
        self._pinned = Pinned(self.rules, store)

    def now(self) -> datetime:
        """The clock's reading, which must carry a time zone."""
        moment = self.clock()
        if moment.tzinfo is None:
            raise InputError("the clock gave a time without a time zone; give one, e.g. 2026-05-04T10:00:00+00:00")
        return moment

    def rules_for(self, app: Application) -> RuleSet:
        """The rule set ``app`` runs under: the one it started with, whatever its file says now.

        When the file still has the same content this is the current rule set; otherwise the
        copy kept in the store under the application's hash (see `tactful rules migrate`).
        """
        return self._pinned(app)

    # -- reading -------------------------------------------------------------------

    def load(self, app_id: int) -> Application:
        """The stored record, not caught up.

        Raises:
            InputError: when there is no application ``app_id``.
        """
        app = self.store.get(app_id)
        if app is None or app.candidate != self._candidate:  # another's answers as a missing one
            raise InputError(f"no application with id {app_id}; Engine.applications() lists them",
                             cli=f"no application with id {app_id}; 'tactful list' shows them")  # fmt: skip
        return app

    def get(self, app_id: int, now: datetime | None = None) -> Application:
        """The application as of now, with due timers fired (in memory only)."""
        app = self.load(app_id)
        return core.catch_up(self.rules_for(app), app, now or self.now(), self.portfolio(app), preview=True)[0]

    def applications(self, now: datetime | None = None) -> Iterator[Application]:
        """Every application as of now."""
        for app, _, _ in self._walk(now or self.now()):
            yield app

    def _walk(
        self, now: datetime, apps: Iterable[Application] | None = None, portfolios: Portfolios | None = None
    ) -> Iterator[tuple[Application, RuleSet, Portfolio]]:
        """Every application (or ``apps``) as of ``now``, with its rule set and its candidate's
        portfolio, one per candidate and rule set for the whole walk."""
        portfolios = portfolios or self._portfolios()
        for app in self.store.all(self._candidate) if apps is None else apps:
            rs = self.rules_for(app)
            portfolio = portfolios(rs, app.candidate)
            if app.next_due is not None and app.next_due <= now:
                app = core.catch_up(rs, app, now, portfolio, preview=True)[0]
            yield app, rs, portfolio

    def advise(self, app_id: int, now: datetime | None = None) -> list[Advised]:
        """What comes next for one application, soonest first."""
        now = now or self.now()
        app = self.get(app_id, now)
        return core.advise(self.rules_for(app), app, now, self.portfolio(app), self.zone)

    def overview(
        self, now: datetime | None = None, *, after: int = 0, limit: int | None = None,
        apps: Iterable[Application] | None = None,
    ) -> Iterator[tuple[Application, list[Advised]]]:  # fmt: skip
        """Every application as of now with what comes next for it, in one pass over the store;
        or one page of them: up to ``limit`` with an id above ``after``, by id; or ``apps``
        (this candidate's, as stored)."""
        now = now or self.now()
        if apps is None and (after or limit is not None):
            apps = page(self.store, self._candidate, after, limit)
        for app, rs, portfolio in self._walk(now, apps):
            yield app, core.advise(rs, app, now, portfolio, self.zone)

    def agenda(self, now: datetime | None = None, until: datetime | None = None) -> list[tuple[Application, Advised]]:
        """What is due and coming up across applications, soonest first; with ``until``, only
        what is due by then (everything overdue, and what comes due until then), found through
        the store's index of due moments, so that it costs what it shows."""
        return self._agenda(now or self.now(), until)

    def _agenda(self, now: datetime, until: datetime | None,
                found: list[Application] | None = None) -> list[tuple[Application, Advised]]:  # fmt: skip
        """:meth:`agenda`; ``found``: what the store's index of due moments gave for this
        candidate by ``until``, when the caller has read it already."""
        portfolios = self._portfolios()
        apps = None if until is None else self._due_by(until, portfolios, found)
        items = [(app, item) for app, rs, portfolio in self._walk(now, apps, portfolios)
                 for item in core.advise(rs, app, now, portfolio) if until is None or item.due <= until]  # fmt: skip
        return sorted(items, key=soonest)

    def _rule_sets(self, apps: Iterable[Application]) -> list[RuleSet]:
        """The default rule set, and those ``apps`` run under."""
        found = {rs.hash: rs for rs in map(self.rules_for, apps)}
        with contextlib.suppress(InputError, RuleErrors):  # a broken default file: the others still count
            default = self.rules.get(self.default_rules)
            found.setdefault(default.hash, default)
        return list(found.values())

    def _due_by(self, until: datetime, portfolios: Portfolios,
                found: list[Application] | None = None) -> list[Application]:  # fmt: skip
        """The applications that may have something due by ``until``: the store's index of due
        moments (``found``, when the caller read it), and, while another application stands at
        an offer or accepted one, every pending application under that rule set (what it
        advises then follows the others)."""
        if found is None:
            found = agenda_candidates(self.store, until, self._candidate)
        return portfolios.with_pending(found, self._rule_sets(found))

    def check(self, app_id: int, channel: str, now: datetime | None = None) -> Verdict:
        """May the job seeker use ``channel`` (or do that action) now on this application?"""
        now = now or self.now()
        app = self.get(app_id, now)
        return judge(self.rules_for(app), app, channel.replace("-", "_"), now, self.portfolio(app), self.zone)

    def why(self, app_id: int, name: str | None = None, now: datetime | None = None) -> Trace:
        """The advice (or ``name``'s: an action's, a may-I answer) with its steps (:mod:`tactful.runtime.why`)."""
        app = self.load(app_id)
        return explain(self.rules_for(app), app, self.store.history(app_id), now or self.now(), name,
                       self.portfolio(app), self.zone)  # fmt: skip

    def drafts(self, app_id: int, action: str | None = None, now: datetime | None = None) -> list[Draft]:
        """The message to send (or say) for what is due, or for ``action``: the first advised
        action that contacts someone and has a template. One draft, or one per alternative
        (``decide_offer`` gives ``accept_offer`` and ``decline_offer``).

        Raises:
            InputError: for an unknown application or action.
            Refused: when the action has no template, or nothing advised has one.
            RuleErrors: for a problem in the template, at its ``file:line:col``.
        """
        from .runtime import drafts

        now = now or self.now()
        app = self.get(app_id, now)
        name = action.replace("-", "_") if action else None
        return drafts.render(self.rules_for(app), app, now, name, self.portfolio(app))

    def draft_text(self, app: Application, action: str, now: datetime, rs: RuleSet | None = None,
                   portfolio: Portfolio | None = None) -> str | None:  # fmt: skip
        """The message for ``action`` as plain text (subject line first), or None when the
        rule set has no template for it or the template fails; for notifications."""
        from .runtime import drafts

        try:
            made = drafts.render(rs or self.rules_for(app), app, now, action, portfolio or self.portfolio(app))
        except (InputError, Refused, RuleErrors) as err:
            logger().debug("no draft", id=app.id, action=action, reason=str(err).splitlines()[0])
            return None
        return drafts.plain_text(made)

    def notice_draft(self, notice: Notice, now: datetime | None = None) -> str | None:
        """The draft for an ``action_due`` notice, rendered when it is delivered (not when the
        change was made, so a bad template never blocks a state change): the application as of
        ``now``, or None when it is gone, the notice is of another kind, or the rule set has no
        template for the action (or the application under its id is not the notice's candidate's).

        Raises:
            RuleErrors: when the template fails, at its ``file:line:col``; the delivery fails
                and is retried like any other.
        """
        from .runtime import drafts

        stored = self.store.get(notice.app_id) if notice.kind == "action_due" else None
        if stored is None or stored.candidate != notice.candidate or notice.action is None:
            return None  # gone, or (an id given again) another's: never drafted from someone else's
        rs = self.rules_for(stored)
        return drafts.notice_text(rs, stored, now or self.now(), notice.action, self.portfolio(stored))

    def history(self, app_id: int) -> list[LogEntry]:
        self.load(app_id)
        return self.store.history(app_id)

    def portfolio(self, app: Application) -> Portfolio:
        """The candidate's other applications, loaded only if a rule asks about them."""
        return Portfolios(self.store, self.rules_for, app.candidate)(self.rules_for(app))

    def _portfolios(self) -> Portfolios:
        """Portfolios for one pass over this candidate's applications: one per rule set, loaded once."""
        return Portfolios(self.store, self.rules_for, self._candidate)

    def stored(self) -> Iterator[Application]:
        """This candidate's applications as stored (not caught up), by id."""
        return self.store.all(self._candidate)

    # -- writing -------------------------------------------------------------------

    def _settle(self, rs: RuleSet, app: Application, now: datetime, portfolio: Portfolio,
                entries: Sequence[LogEntry], announce: bool = False) -> tuple[Application, list[Notice]]:  # fmt: skip
        """The record with its ``wake`` and ``agenda`` moments, and the notices its change makes
        (see :func:`tactful.runtime.notify.settle`)."""
        return settle(rs, app, now, portfolio, entries, notify=self.notify, announce=announce)

    def _settler(self, now: datetime, portfolios: Portfolios) -> Callable[[RuleSet, Application], Application]:
        """Settles a new or restored record as of ``now``, with no history of its own."""
        return lambda rs, app: self._settle(rs, app, now, portfolios(rs, app.candidate), [])[0]

    def add(self, company: str, *, rules: str | None = None, **facts: Any) -> Application:
        """Start tracking an application; facts as `tactful add` takes them.

        Raises:
            InputError: for a missing company or interview date, or a malformed fact.
            RuleErrors: when the rule set named has problems.
        """
        return self.add_many([{"company": company, "rules": rules, **facts}])[0]

    def add_many(self, rows: Sequence[Mapping[str, Any]]) -> list[Application]:
        """Add several applications, all or none: every row is checked before any is stored.

        Raises:
            InputError: naming the row (1-based) with a missing company or interview date, or
                a malformed fact; or when the candidate was removed since this engine was bound
                to them; nothing is added.
            RuleErrors: when a rule set named has problems.
        """
        self._still_here()
        now, portfolios = self.now(), self._portfolios()
        settle = self._settler(now, portfolios)
        own = zone_key(self.zone)  # a row without a timezone takes the user's own (``zone``), else UTC
        rows = [row if row.get("timezone") or own is None else {**row, "timezone": own} for row in rows]
        from .stores.adding import start_rows  # with add's and import's own modules, not every command's

        started, kept = start_rows(rows, self.rules, self.default_rules, now, portfolios, settle, self._candidate)
        stored = self.store.insert(started, kept)
        for app in stored:
            logger().info("application added", id=app.id, rules=app.rules, rules_hash=app.rules_hash, state=app.state)
        return stored

    def import_rows(self, rows: Iterable[ImportRow], *, update: bool = False) -> list[int]:
        """Add applications from rows (an export's, or `add`'s columns), all or none; their ids.

        A row with a ``state`` is restored as exported (facts, state, timer, history, rule set);
        one without starts afresh. Rows are read and written a chunk at a time, so memory stays
        the same however many there are. New rows whose start depends on the same facts share
        one computation of their first timer and advice. A new row without a ``timezone``
        takes its candidate's own zone, else ``zone``, as :meth:`add_many` does.

        Raises:
            InputErrors: every bad row and every row already stored (unless ``update``, which
                replaces it) or given twice, each with its ``where``; nothing is written.
            InputError: when the candidate was removed since this engine was bound to them.
            RuleErrors: when a rule set named has problems.
        """
        self._still_here()
        now, portfolios = self.now(), self._portfolios()
        settle = self._settler(now, portfolios)
        from .stores.importing import RowMaker, replacer, write_import

        maker = RowMaker(self.rules, self.store, self.default_rules, now, portfolios, settle, self._candidate,
                         zone_key(self.zone))  # fmt: skip
        replacing = replacer(now, self.rules_for, portfolios, settle)
        ids = write_import(self.store, map(maker.make, rows), update=update, replacing=replacing, kept=maker.kept,
                           added=maker.added)  # fmt: skip
        logger().info("applications imported", count=len(ids), update=update)
        return ids

    def record(self, app_id: int, event: str, *, at: datetime | None = None, **params: Any) -> Recorded:
        """Record what happened; returns the new record, history rows and warnings.

        Another writer saving the same application meanwhile is met by trying again (see
        :func:`retrying`).

        Raises:
            InputError: for an unknown application, event or option, or a time in the future.
            Refused: when the etiquette refuses the event; nothing is written.
        """
        return retrying(lambda: self._record(app_id, event, at, params))

    def _record(self, app_id: int, event: str, at: datetime | None, params: Mapping[str, Any]) -> Recorded:
        now = self.now()
        at = at or now
        if at > now:
            raise InputError(f"at={at.isoformat()} is in the future (after the clock's now); record what has happened",
                             cli=f"--at {at.isoformat()} is in the future; record what has happened")  # fmt: skip
        stored = self.load(app_id)
        check_after_interview(stored.facts, at)
        rs = self.rules_for(stored)
        portfolio = self.portfolio(stored)
        app, before = core.catch_up(rs, stored, at, portfolio)
        repeat = already_recorded(rs, app, event.replace("-", "_"), self.store.history(app_id), self.zone)
        if repeat is not None:
            raise repeat
        done = record_heeding(rs, app, event.replace("-", "_"), params, at, now, portfolio, self.zone)
        app, after = core.catch_up(rs, done.app, now, portfolio)
        entries = [*before, *done.entries, *after]
        app, notices = self._settle(rs, app, now, portfolio, entries)
        self.store.save([Change(app, entries, outbox=notices)])
        logger().info("event recorded", id=app_id, name=done.entries[0].name, source=stored.state, target=app.state,
                      timers=len(before) + len(after), warnings=len(done.warnings))  # fmt: skip
        return Recorded(self.load(app_id), (*before, *done.entries, *after), done.warnings, done.warned_by)

    def edit(self, app_id: int, *, rules: str | None = None, company: str | None = None, **facts: Any) -> Application:
        """Correct an application's facts (and company); the timer is worked out again.

        Raises:
            InputError: for an unknown application or a malformed fact.
        """
        return retrying(lambda: self._edit(app_id, rules, company, facts))

    def _edit(self, app_id: int, rules: str | None, company: str | None, facts: Mapping[str, Any]) -> Application:
        now = self.now()
        app = self.load(app_id)
        new, given = corrected(app, facts, company, rules)
        entry = LogEntry("edit", "edited", now, now, app.state, app.state, given, snapshot(app))
        edited = self.save_correction(self.rules_for(app), new, now, entry)
        logger().info("application edited", id=app_id, fields=sorted(given))
        return edited

    def undo(self, app_id: int) -> Application:
        """Take back the last recorded event or edit, and the timers that fired after it.

        Raises:
            InputError: for an unknown application, or when there is nothing to take back.
        """
        return retrying(lambda: self._undo(app_id))

    def _undo(self, app_id: int) -> Application:
        app = self.load(app_id)
        last = next((e for e in reversed(self.store.history(app_id)) if e.before is not None), None)
        if last is None or last.id is None or last.before is None:
            raise InputError(f"application {app_id} has nothing to undo")
        restored = restore(app, last.before)
        restored = self.save_correction(self.rules_for(restored), restored, self.now(), drop_from=last.id)
        logger().info("undone", id=app_id, took_back=last.name, state=restored.state)
        return restored

    def save_correction(self, rs: RuleSet, app: Application, now: datetime, entry: LogEntry | None = None,
                        drop_from: int | None = None) -> Application:  # fmt: skip
        """Store ``app`` as changed by hand (edit, undo, `rules migrate`) under ``rs``: its
        timer worked out again with the other applications in view and its wake moment
        settled, with its history row (or the rows from ``drop_from`` dropped), in one
        transaction; the stored record."""
        portfolio = self.portfolio(app)
        new, _ = self._settle(rs, core.with_timer(rs, app, portfolio), now, portfolio, [])
        self.store.save([Change(new, [entry] if entry else [], drop_from=drop_from)])
        return self.load(app.id or 0)

    def remove(self, app_id: int) -> None:
        """Delete an application and its history.

        Raises:
            InputError: when there is no such application.
        """
        self.load(app_id)
        self.store.remove(app_id)
        logger().info("application removed", id=app_id)
