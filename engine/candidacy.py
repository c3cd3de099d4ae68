"""The candidates of an engine: binding it to one job seeker, and keeping their records.

A mixin of :class:`~tactful.engine.Engine`: what it needs of the engine is its store, rule
book, zone and default rule set, declared below.
"""

from __future__ import annotations

import copy
from datetime import tzinfo
from typing import Any, Self

from .errors import InputError
from .language.rulebook import RuleBook
from .runtime import candidates
from .stores.store import Store
from .vocabulary.log import logger
from .vocabulary.records import Candidate


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
