"""The errors tactful raises, each carrying the exit code the CLI maps it to.

A user's mistake is always one of these: the CLI prints its one-line message and exits
with its code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple


class Location(NamedTuple):
    """Where something was written: a file and a 1-based line and column."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"

    @property
    def short(self) -> str:
        """``file:line``, the form `can` reports a rule by."""
        return f"{self.path}:{self.line}"


class TactfulError(Exception):
    """Base of every error meant for the user; ``exit_code`` is what the CLI returns."""

    exit_code = 2


class InputError(TactfulError):
    """Bad input or usage: an unknown id, a malformed date, a missing option.

    The message speaks of the API (arguments, methods); ``cli``, when given, is the same
    problem in the command line's terms (options, commands), which the CLI prints instead.
    """

    def __init__(self, message: str, *, cli: str | None = None) -> None:
        super().__init__(message)
        self.cli = cli


class StoreUnavailable(InputError):
    """The database could not be reached, or the connection dropped during a call; the call's
    transaction did not commit, so nothing of it was written. Safe to try again."""


class InputErrors(InputError):
    """Several problems in one input (an import's bad rows), each reported on a line of its own."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class RuleError(TactfulError):
    """One problem in a rule file, at a position."""

    def __init__(self, where: Location | None, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class RuleErrors(TactfulError):
    """Every problem found while loading a rule file, in file order."""

    def __init__(self, errors: list[RuleError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.where.path, e.where.line, e.where.col) if e.where else ("", 0, 0))
        super().__init__("\n".join(str(e) for e in self.errors))


class Refused(TactfulError):
    """The etiquette says no: an event it will not record, an action not allowed now."""

    exit_code = 1

    def __init__(self, reason: str, rule: Location | None = None) -> None:
        self.reason = reason
        self.rule = rule
        super().__init__(reason)


def closest(name: object, known: Iterable[str]) -> str | None:
    """The known name closest to ``name``, if one is close enough to be a likely misspelling."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1)
    return close[0] if close else None


def did_you_mean(name: object, known: Iterable[str], otherwise: str = "") -> str:
    """``; did you mean 'x'?`` for the known name closest to ``name``, else ``otherwise``."""
    close = closest(name, known)
    return f"; did you mean '{close}'?" if close else otherwise


class Problems:
    """Collects every located problem found while reading a YAML tree, to report together."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []

    def error(self, where: Location | None, message: str) -> None:
        """Report a problem at ``where`` (None: a plain mapping, written nowhere)."""
        self.errors.append(RuleError(where, message))

    def keys(self, node: Mapping[str, Any], allowed: Collection[str], what: str, *, noun: str = "key",
             otherwise: str | None = None) -> dict[str, str | None]:  # fmt: skip
        """Report every key of ``node`` not in ``allowed``, at the key, with a "did you mean".

        The message is ``unknown NOUN 'k' in WHAT; did you mean 'x'?`` (``in WHAT`` left out
        when ``what`` is empty); with no close name, ``otherwise`` (by default, the allowed
        keys) ends it. ``node`` is a ``YMap``, or a plain mapping whose problems have no place.

        Returns:
            each unknown key and the allowed one suggested for it (None when none was).
        """
        key_locs: Mapping[str, Location] = getattr(node, "key_locs", {})
        fallback = f"; expected one of: {', '.join(allowed)}" if otherwise is None else otherwise
        place = f" in {what}" if what else ""
        found: dict[str, str | None] = {}
        for key in node:
            if key not in allowed:
                found[key] = close = closest(key, allowed)
                hint = f"; did you mean '{close}'?" if close else fallback
                self.error(key_locs.get(key, getattr(node, "loc", None)), f"unknown {noun} '{key}'{place}{hint}")
        return found

    def unknown(self, kind: str, name: Any, known: Collection[str]) -> str:
        """The message for a reference to a ``kind`` that does not exist, with a hint."""
        hint = did_you_mean(name, known, f"; known: {', '.join(sorted(known)) or 'none'}")
        return f"unknown {kind} '{name}'{hint}"
