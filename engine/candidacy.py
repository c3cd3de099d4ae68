"""The candidates of an engine: binding it to one job seeker, keeping their records, and the
views that span them (a coach's agenda of everyone).

A mixin of :class:`~tactful.engine.Engine`: what it needs of the engine is declared below.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Self

from .errors import InputError
from .language.namespace import Portfolio
from .language.rulebook import RuleBook
from .language.ruleset import RuleSet
from .runtime import candidates, core
from .stores.portfolios import marked_states
from .stores.store import Store, agenda_candidates
from .vocabulary.log import logger
from .vocabulary.records import Advised, Application, Candidate


def soonest(pair: tuple[Application, Advised]) -> tuple[float, int]:
    """How an agenda is ordered: by due moment, then by application id."""
    return pair[1].due.timestamp(), pair[0].id or 0


def _no_candidate(key: str) -> InputError:
    return InputError(f"no candidate '{key}'; Engine.candidates() lists them",
                      cli=f"no candidate '{key}'; 'tactful candidates' lists them")  # fmt: skip


class Candidacy:
    """Candidates: :meth:`candidate` binds an engine to one; the others manage them."""

    store: Store
    rules: RuleBook
    zone: tzinfo | None
    default_rules: str
    _candidate: str = ""  # the implicit candidate

    if TYPE_CHECKING:  # the engine's own

        def now(self) -> datetime: ...

        def _agenda(self, now: datetime, until: datetime | None,
                    found: list[Application] | None = None) -> list[tuple[Application, Advised]]: ...  # fmt: skip

        def _walk(self, now: datetime, apps: Iterable[Application] | None = None
                  ) -> Iterator[tuple[Application, RuleSet, Portfolio]]: ...  # fmt: skip

        def _rule_sets(self, apps: Iterable[Application]) -> list[RuleSet]: ...

    @property
    def candidate_key(self) -> str:
        """The key of the candidate this engine acts for (``""``: the implicit one)."""
        return self._candidate

    def candidate(self, key: str) -> Self:
        """An engine bound to candidate ``key``: the same methods, over their applications only,
        sharing this one's store, rule book and caches. Times shown to them are in their own
        zone, and `add` uses their rule set, when they have one.

        Raises:
            InputError: when there is no such candidate (:meth:`add_candidate` makes one).
        """
        return self._bound(self._stored(key))

    def _stored(self, key: str) -> Candidate:
        """The stored record of candidate ``key``.

        Raises:
            InputError: for a malformed key, or one the store does not have.
        """
        found = self.store.get_candidate(candidates.check_key(key, implicit=True))
        if found is None:
            raise _no_candidate(key)
        return found

    def _bound(self, found: Candidate) -> Self:
        """This engine, bound to the stored candidate ``found`` (see :meth:`candidate`)."""
        bound = copy.copy(self)
        bound._candidate = found.key
        bound.zone = candidates.zone_of(found) or self.zone
        bound.default_rules = found.rules or self.default_rules
        return bound

    def _still_here(self) -> None:
        """Refuse a write that adds applications for a candidate removed since this engine was bound."""
        if self._candidate and self.store.get_candidate(self._candidate) is None:
            raise _no_candidate(self._candidate)

    def candidates(self) -> list[Candidate]:
        """Every candidate in the store, the implicit one (key ``""``) first."""
        return self.store.candidates()

    def add_candidate(self, key: str, **fields: Any) -> Candidate:
        """Add a job seeker: ``key`` is the embedding app's own id for them; ``name``, ``zone``
        (IANA), ``rules`` (their default rule set), ``email`` and ``sms`` (the name of an
        environment variable with their SMS/Apprise URLs) are optional.

        Raises:
            InputError: for a malformed key or field, or a key that is taken.
        """
        key = candidates.check_key(key)
        if self.store.get_candidate(key) is not None:
            raise InputError(f"candidate '{key}' is here already; edit_candidate changes them",
                             cli=f"candidate '{key}' is here already; 'tactful candidates edit {key}' changes "
                             "them")  # fmt: skip
        made = candidates.made(Candidate(key), fields, self.rules)
        self.store.put_candidate(made)
        logger().info("candidate added", candidate=key)
        return made

    def edit_candidate(self, key: str, **fields: Any) -> Candidate:
        """Change a candidate's ``name``, ``zone``, ``rules``, ``email`` or ``sms`` (None clears one).

        Raises:
            InputError: for an unknown candidate or a malformed field.
        """
        made = candidates.made(self._stored(key), fields, self.rules)
        self.store.put_candidate(made)
        logger().info("candidate edited", candidate=key, fields=sorted(fields))
        return made

    def remove_candidate(self, key: str) -> None:
        """Erase a candidate and everything of theirs, in one transaction: applications, history,
        notices and their deliveries, and their settings (the right to erasure). The implicit
        candidate cannot be removed: its applications are removed one by one.

        Raises:
            InputError: for an unknown candidate, or the implicit one.
        """
        if key == "":
            raise InputError("the implicit candidate cannot be removed; remove its applications instead")
        self._stored(key)
        self.store.remove_candidate(key)
        logger().info("candidate removed", candidate=key)

    # -- the views across candidates --------------------------------------------------

    def agenda_by_candidate(self, now: datetime | None = None, until: datetime | None = None
                            ) -> list[tuple[Candidate, list[tuple[Application, Advised]]]]:  # fmt: skip
        """A coach's morning view: :meth:`agenda` of every candidate with something in it, by key.
        Only the candidates with an application on the store's index of due moments by
        ``until`` (or, without it, with any application), or with an offer standing, are looked at;
        without ``until``, in one pass over the store."""
        now = now or self.now()
        if until is None:
            return self._everyones_agenda(now)
        by_candidate: dict[str, list[Application]] = {}
        for app in agenda_candidates(self.store, until, None):
            by_candidate.setdefault(app.candidate, []).append(app)
        # a candidate with an accepted offer has pending applications to withdraw from
        apps = [app for theirs in by_candidate.values() for app in theirs]
        marked = set().union(*(marked_states(rs) for rs in self._rule_sets(apps)))
        keys = {*by_candidate, *(app.candidate for app in self.store.in_states(marked))}
        found = []
        for person in self.store.candidates():
            if person.key in keys:
                items = self._bound(person)._agenda(now, until, by_candidate.get(person.key, []))
                if items:
                    found.append((person, items))
        return found

    def _everyones_agenda(self, now: datetime) -> list[tuple[Candidate, list[tuple[Application, Advised]]]]:
        """:meth:`agenda_by_candidate` without ``until``: every application read once, each
        advised with its own candidate's portfolio."""
        theirs: dict[str, list[tuple[Application, Advised]]] = {}
        for app, rs, portfolio in self._walk(now, self.store.all()):
            theirs.setdefault(app.candidate, []).extend((app, item) for item in core.advise(rs, app, now, portfolio))
        return [(person, sorted(theirs[person.key], key=soonest)) for person in self.store.candidates()
                if theirs.get(person.key)]  # fmt: skip
