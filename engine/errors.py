"""The errors tactful raises, each carrying the exit code the CLI maps it to.

A user's mistake is always one of these: the CLI prints its one-line message and exits
with its code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .yamltree import YMap


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
    """Bad input or usage: an unknown id, a malformed date, a missing option."""


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


def did_you_mean(name: object, known: Iterable[str], otherwise: str = "") -> str:
    """``; did you mean 'x'?`` for the known name closest to ``name``, else ``otherwise``."""
    import difflib

    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else otherwise


class Problems:
    """Collects every located problem found while reading a YAML tree, to report together."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []

    def error(self, where: Location, message: str) -> None:
        """Report a problem at ``where``."""
        self.errors.append(RuleError(where, message))

    def keys(self, node: YMap, allowed: Collection[str], what: str) -> None:
        """Report every key of ``node`` not in ``allowed``, with a "did you mean"."""
        for key in node:
            if key not in allowed:
                hint = did_you_mean(key, allowed, f"; expected one of: {', '.join(allowed)}")
                self.error(node.key_locs[key], f"unknown key '{key}' in {what}{hint}")

    def unknown(self, kind: str, name: Any, known: Collection[str]) -> str:
        """The message for a reference to a ``kind`` that does not exist, with a hint."""
        hint = did_you_mean(name, known, f"; known: {', '.join(sorted(known)) or 'none'}")
        return f"unknown {kind} '{name}'{hint}"
