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

from ..language.ruleset import RuleSet


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
