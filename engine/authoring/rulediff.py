"""What differs in effect between two rule sets, once ``extends`` is resolved.

Two merged rule trees (plain values) are compared key by key: a setting written
differently but meaning the same (``2 weeks`` and ``14 days``) is no difference; lists of
mappings (advice, branches, policy rules) are compared item by item: by name when every item
has one (the ``action`` of advice, the ``event``), so that an item added at the top does not
shift all the others, else by position; other lists whole.
Comments, layout and the order of keys make no difference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..language.settings import SETTINGS, parse_setting


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference: where (``settings.grace``), and the value on each side (None: absent)."""

    path: tuple[str, ...]
    kind: str  # added, removed or changed
    old: Any
    new: Any

    @property
    def where(self) -> str:
        return ".".join(self.path)

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.where}: {show(self.new)}"
        if self.kind == "removed":
            return f"- {self.where}: {show(self.old)}"
        return f"~ {self.where}: {show(self.old)} -> {show(self.new)}"

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.where, "change": self.kind, "a": self.old, "b": self.new}


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Difference]:
    """Every difference between merged rule trees ``a`` and ``b``, in ``a``'s order of keys."""
    return list(_compare(a, b, ()))


def _compare(a: Any, b: Any, path: tuple[str, ...]) -> Iterator[Difference]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in [*a, *(k for k in b if k not in a)]:
            if key not in b:
                yield Difference((*path, key), "removed", a[key], None)
            elif key not in a:
                yield Difference((*path, key), "added", None, b[key])
            else:
                yield from _compare(a[key], b[key], (*path, key))
    elif _itemwise(a, b) and (names := _names(a, b)):
        yield from _compare(*names, path)
    elif _itemwise(a, b):
        for index in range(max(len(a), len(b))):
            where = (*path, str(index))
            if index >= len(b):
                yield Difference(where, "removed", a[index], None)
            elif index >= len(a):
                yield Difference(where, "added", None, b[index])
            else:
                yield from _compare(a[index], b[index], where)
    elif not _same(a, b, path):
        yield Difference(path, "changed", a, b)


#: The keys that name an item of a list: the action advised, the event.
NAME_KEYS = ("action", "event")


def _names(a: list[Any], b: list[Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Both lists as mappings from each item's name, when one name key names every item once."""
    for key in NAME_KEYS:
        names_a = [item.get(key) for item in a]
        names_b = [item.get(key) for item in b]
        named = all(isinstance(n, str) for n in (*names_a, *names_b))
        if named and len(set(names_a)) == len(names_a) and len(set(names_b)) == len(names_b):
            return dict(zip(names_a, a, strict=True)), dict(zip(names_b, b, strict=True))
    return None


def _itemwise(a: Any, b: Any) -> bool:
    return isinstance(a, list) and isinstance(b, list) and all(isinstance(x, Mapping) for x in (*a, *b))


def _same(a: Any, b: Any, path: tuple[str, ...]) -> bool:
    if a == b and type(a) is type(b):
        return True
    if len(path) == 2 and path[0] == "settings" and path[1] in SETTINGS:
        try:
            return bool(parse_setting(path[1], a) == parse_setting(path[1], b))
        except ValueError:
            return False
    return False


def show(value: Any) -> str:
    """A value on one line: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
