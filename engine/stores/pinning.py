"""Keeps the exact rule set each application started under, so editing a file never
silently changes what applications in flight do.

A rule set is kept in the store as its merged tree (positions included) under its content
hash; an application whose file has since changed runs under that copy until
``tactful rules migrate`` moves it on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import InputError, RuleErrors
from ..language.rulebook import RuleBook
from ..language.ruleset import RuleSet
from ..vocabulary.records import Application
from .store import Store


def keep(rules: RuleSet) -> str:
    """The form a rule set is kept in: its merged tree as JSON."""
    from ..language.rulecache import encode_tree

    return json.dumps(encode_tree(rules.tree), separators=(",", ":"))


def pin(kept: str, ref: str, rules_hash: str, functions: Mapping[str, Callable[..., Any]] | None = None) -> RuleSet:
    """The rule set kept as ``kept`` (from :func:`keep`), compiled again."""
    from ..language.build import build
    from ..language.rulecache import decode_tree

    tree = decode_tree(json.loads(kept))
    return build(tree, name=ref, files=(f"{ref} (as kept, {rules_hash})",), functions=functions, rules_hash=rules_hash)


class Pinned:
    """Finds the rule set each application runs under: the one it started with, whatever its
    file says now. When the file still has the same content that is the current rule set;
    otherwise the copy kept in the store under the application's hash, compiled once."""

    def __init__(self, rules: RuleBook, store: Store) -> None:
        self._rules, self._store = rules, store
        self._compiled: dict[str, RuleSet] = {}

    def __call__(self, app: Application) -> RuleSet:
        pinned = self._compiled.get(app.rules_hash)
        if pinned is not None:
            return pinned
        try:
            current = self._rules.get(app.rules)
        except (RuleErrors, InputError):
            current = None  # the file is broken or gone: applications in flight keep their copy
        if current is not None and current.hash == app.rules_hash:
            return current
        kept = self._store.kept_rules(app.rules_hash)
        if kept is None:
            if current is None:
                return self._rules.get(app.rules)  # raises the file's own error
            return current  # no copy was kept (data from before copies were kept)
        pinned = self._rules.loaded(pin(kept, app.rules, app.rules_hash, self._rules.functions))
        self._compiled[app.rules_hash] = pinned
        return pinned
