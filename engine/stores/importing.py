"""Writes an import: rows checked against what is stored and against each other, written a
chunk at a time through a bulk session, all or nothing.

A row that matches a stored application (the same id, or the same company and interview
date) is refused by name, or replaced with ``update``; a row given twice is refused. Every
problem is collected, up to :data:`MAX_PROBLEMS`, and reported together: then nothing is
written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from ..errors import InputError, InputErrors, RuleErrors
from ..language.namespace import Portfolio
from ..language.rulebook import RuleBook
from ..language.ruleset import RuleSet
from ..runtime import core
from ..runtime import rows as rowdata
from ..runtime.candidates import check_key, zone_of
from ..runtime.facts import check_dates, company_name, normalize
from ..runtime.notify import settle
from ..vocabulary.records import Application, Candidate, LogEntry, snapshot
from ..vocabulary.timecalc import zone_key
from .bulk import Bulk, bulk_session, key
from .pinning import keep, pin
from .store import Change, Store

#: Rows written at a time: each chunk is looked up and written in a few statements.
IMPORT_CHUNK = 2000
#: Problems reported at most; past these, a count.
MAX_PROBLEMS = 1000
#: How many distinct starts an import remembers (see :meth:`RowMaker.start`).
START_MEMO = 100_000


class Prepared(NamedTuple):
    """A row made into a record: where it is, the application and its history rows, and
    whether it restores an exported application (else it starts afresh)."""

    where: str
    app: Application
    entries: Sequence[LogEntry]
    restores: bool


class Problems:
    """Every problem of an import, in file order, capped at :data:`MAX_PROBLEMS` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self.count += 1
        if self.count <= MAX_PROBLEMS:
            self.lines.append(line)

    def raise_any(self) -> None:
        if self.count > MAX_PROBLEMS:
            self.lines.append(f"… and {self.count - MAX_PROBLEMS} more problems; nothing was imported")
        if self.count:
            raise InputErrors(self.lines)


Replacing = Callable[[Application, Prepared], Change]
Kept = Callable[[], Sequence[tuple[str, str, str]]]
Added = Callable[[], Sequence[Candidate]]
Settle = Callable[[RuleSet, Application], Application]


def replacer(now: datetime, rules_for: Callable[[Application], RuleSet],
             portfolios: Callable[[RuleSet, str], Portfolio], settle: Settle) -> Replacing:  # fmt: skip
    """The change that replaces a stored application with a row, for ``update``: an
    exported row restores the record as exported, a new one corrects the stored record's
    facts (with an ``edit`` history row, as `edit` writes) and works out its timer again."""

    def replacing(old: Application, row: Prepared) -> Change:
        if row.restores:
            return Change(row.app._replace(id=old.id, version=old.version), row.entries, drop_from=0)
        given = {k: v for k, v in row.entries[0].params.items() if k != "company"}
        entry = LogEntry("edit", "edited", now, now, old.state, old.state, given, snapshot(old))
        new = old._replace(facts={**old.facts, **given}, company=row.app.company)
        rs = rules_for(new)
        return Change(settle(rs, core.with_timer(rs, new, portfolios(rs, new.candidate))), [entry])

    return replacing


def write_import(store: Store, rows: Iterable[Prepared | str], *, update: bool, replacing: Replacing, kept: Kept,
                 added: Added = list, chunk: int = IMPORT_CHUNK) -> list[int]:  # fmt: skip
    """Write ``rows`` (a prepared row, or a problem's line) in one all-or-nothing session; the ids.

    ``replacing`` makes the change that replaces a stored application with a row (with
    ``update``); ``kept`` gives the rule sets to keep, and ``added`` the candidates to add,
    both asked once every row is read.

    Raises:
        InputErrors: every problem, each on its line; nothing is written.
    """
    problems = Problems()
    with bulk_session(store) as bulk:
        batch: list[Prepared | str] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                _write(bulk, batch, update, replacing, problems)
                batch = []
        _write(bulk, batch, update, replacing, problems)
        problems.raise_any()
        bulk.keep_rules(kept())
        bulk.add_candidates(added())
    return bulk.ids


def _write(bulk: Bulk, batch: Sequence[Prepared | str], update: bool, replacing: Replacing, problems: Problems) -> None:
    """Check one chunk against the store and itself, and write what may be written; its
    problems are reported in file order."""
    rows = [r for r in batch if not isinstance(r, str)]
    found = iter(bulk.matches([r.app for r in rows]) if rows else [])
    seen: dict[object, str] = {}
    new, changes = [], []
    for row in batch:
        if isinstance(row, str):
            problems.add(row)
            continue
        old = next(found)
        same = key(row.app)
        twin = seen.get(same) or (seen.get(row.app.id) if row.app.id else None)
        if twin is not None:
            problems.add(f"{row.where}: {same[0]} (interviewed {same[1]}) is given twice, here and at {twin}; keep one")
            continue
        seen[same] = row.where
        if row.app.id:
            seen[row.app.id] = row.where
        if old is None:
            new.append((row.app, row.entries))
        elif update:
            changes.append(replacing(old, row))
        else:
            problems.add(f"{row.where}: #{old.id} {old.company} (interviewed {old.facts.get('interviewed')}) is "
                         "already here; leave the row out, or import with --update to replace it")  # fmt: skip
    bulk.add(new)
    bulk.replace(changes)


class RowMaker:
    """Makes import rows into records: checks each, finds its rule set (by name, or by the
    hash an export gives, from the file, the row's copy or the store's), restores an
    exported application or starts a new one.

    ``settle`` gives a new or restored record its ``wake`` moment, as the engine does.
    """

    def __init__(self, rules: RuleBook, store: Store, default_rules: str, now: datetime,
                 portfolios: Callable[[RuleSet, str], Portfolio], settle: Settle,
                 candidate: str = "", zone: str | None = None) -> None:  # fmt: skip
        self.rules, self.store, self.default_rules, self.now = rules, store, default_rules, now
        self.portfolios, self.settle, self.candidate, self.zone = portfolios, settle, candidate, zone
        self._known: dict[str, bool] = {candidate: True}  # the candidates rows name, and whether they are here
        self._zones: dict[str, str | None] = {candidate: zone}  # each one's own zone, for rows without one
        self._added: list[Candidate] = []
        self._memo: dict[tuple[Any, ...], Application] = {}
        self._found: dict[tuple[str, str], tuple[RuleSet, str]] = {}
        self._kept: dict[str, tuple[str, str, str]] = {}
        self._inputs: dict[str, tuple[tuple[str, ...], bool, bool]] = {}

    def kept(self) -> list[tuple[str, str, str]]:
        """The rule sets the rows run under, to keep in the store (``(hash, reference, tree)``)."""
        return list(self._kept.values())

    def make(self, row: rowdata.ImportRow) -> Prepared | str:
        """The row as a record, or the line that says what is wrong with it."""
        if row.problem is not None:
            return f"{row.where}: {row.problem}"
        try:
            return self._make(row)
        except InputError as err:
            return f"{row.where}: {err.cli or err}"  # a row's columns are add's options

    def _make(self, row: rowdata.ImportRow) -> Prepared:
        values = row.values
        company = company_name(values.get("company"))
        given = normalize(values, new=True, others=True)
        check_dates(given)
        number = rowdata.app_id(values.get("id"))
        who = self.whose(values.get("candidate"))
        rs, ref = self.rule_set(values)
        if not values.get("state"):
            stray = [] if rowdata.WITH_STATE.isdisjoint(values) else [c for c in rowdata.WITH_STATE if values.get(c)]
            if stray:
                raise InputError(f"{sorted(stray)[0]} is only read with a state, as an export writes them together")
            if not values.get("timezone"):  # as `add`: the interviewer's zone is the user's own
                given["timezone"] = self.own_zone(who) or "UTC"
            started = self.start(rs, company, given, ref, number, who)
            entry = LogEntry("added", "added", self.now, self.now, "", rs.initial, {"company": company, **given})
            return Prepared(row.where, started, [entry], False)
        extra = rowdata.extra_facts(values.get("facts"))
        rowdata.typed_facts(rs, extra)
        app = rowdata.restored(rs, values, company, {**given, **extra}, ref)
        app = app._replace(candidate=who)
        if app.timer == -1:  # an export from before timers were exported: work it out
            app = self.settle(rs, core.with_timer(rs, app._replace(timer=None), self.portfolios(rs, who)))
        else:  # the agenda moment is the store's index, not part of an export: work it out
            app = settle(rs, app, self.now, self.portfolios(rs, who), [], notify=False)[0]
        return Prepared(row.where, app._replace(id=number or 0), rowdata.history(values.get("history")), True)

    def whose(self, given: Any) -> str:
        """The candidate a row belongs to: its ``candidate`` column when it has one (an export
        of every candidate's), else the import's. A row may name another candidate only in an
        import for the implicit one (a platform moving its whole store); one named for the
        first time is added.

        Raises:
            InputError: for a malformed key, or a row of another candidate in one's own import.
        """
        if given is None or given == self.candidate:
            return self.candidate
        who = check_key(given, implicit=True)
        if self.candidate:
            owner = f"candidate '{who}'s" if who else "the implicit candidate's (its candidate cell is empty)"
            raise InputError(f"this row is {owner}, and this import is for '{self.candidate}'; "
                             "import it without --candidate, or leave the candidate column out")  # fmt: skip
        if who not in self._known:
            self._known[who] = self.store.get_candidate(who) is not None
            if not self._known[who]:
                self._added.append(Candidate(who))  # written with the rows (see write_import)
        return who

    def own_zone(self, who: str) -> str | None:
        """The IANA name of candidate ``who``'s own zone: their stored one, else the import's
        own (``zone``, the user's); None when neither is known."""
        if who not in self._zones:
            found = self.store.get_candidate(who)
            self._zones[who] = zone_key(zone_of(found)) if found is not None else None
        return self._zones[who] or self.zone

    def added(self) -> list[Candidate]:
        """The candidates the rows name that are not stored yet: the import adds them."""
        return list(self._added)

    def start(self, rs: RuleSet, company: str, given: dict[str, Any], ref: str, number: int | None,
              who: str = "") -> Application:  # fmt: skip
        """A new application, as :func:`core.start` and ``settle`` make it; worked out once
        for each set of the values its first timer and advice can depend on."""
        inputs = self._inputs.get(rs.hash)
        if inputs is None:
            names, by_company, by_others = rowdata.start_inputs(rs)
            inputs = self._inputs[rs.hash] = (names, by_company, bool(by_others))
        names, by_company, by_others = inputs  # others' offers count by rank
        portfolio = self.portfolios(rs, who)
        by_rank = by_others and bool(portfolio.others)
        memo_key = (ref, rs.hash, company if by_company else None, (who, given.get("rank")) if by_rank else None,
                    *map(given.get, names))  # fmt: skip
        known = self._memo.get(memo_key)
        if known is not None:
            facts = {**known.facts, **given}  # the rule set's defaults, then the row's own facts
            # made afresh rather than by _replace, which took a sixth of an import's time
            return Application(number or 0, company, known.state, known.entered, facts, ref, rs.hash,
                               known.next_due, known.timer, 0, known.wake, known.notified, known.agenda,
                               who)  # fmt: skip
        app, _ = core.start(rs, company, given, self.now, ref, portfolio)
        app = self.settle(rs, app._replace(candidate=who))
        if len(self._memo) < START_MEMO:
            defaults = {n: s.default for n, s in rs.facts.items() if s.default is not None}
            self._memo[memo_key] = app._replace(facts=defaults)
        return app._replace(id=number or 0)

    def rule_set(self, values: dict[str, Any] | Any) -> tuple[RuleSet, str]:
        """The rule set a row names and the reference it is stored under."""
        name, wanted = str(values.get("rules") or self.default_rules), str(values.get("rules_hash") or "")
        found = self._found.get((name, wanted))
        if found is None:
            found = self._found[(name, wanted)] = self._find(name, wanted, values.get("rules_tree"))
            self._kept.setdefault(found[0].hash, (found[0].hash, found[1], keep(found[0])))
        return found

    def _find(self, name: str, wanted: str, tree: Any) -> tuple[RuleSet, str]:
        if not wanted:
            ref = self.rules.reference(name)
            return self.rules.get(ref), ref
        try:
            ref = self.rules.reference(name)
            current = self.rules.get(ref)
            if current.hash == wanted:
                return current, ref
        except (InputError, RuleErrors):
            pass
        copy = json.dumps(tree, separators=(",", ":")) if isinstance(tree, dict) else self.store.kept_rules(wanted)
        if copy is None:
            raise InputError(f"rules '{name}' as of hash {wanted[:12]} are neither here nor in the file; "
                             "export again (its first row under each rule set carries them in rules_tree)")  # fmt: skip
        try:
            pinned = pin(copy, name, wanted, self.rules.functions)
        except (RuleErrors, ValueError, LookupError, TypeError, AttributeError):
            raise InputError(f"rules_tree is not a rule set tactful kept for '{name}'; export it again") from None
        return self.rules.loaded(pinned), name
