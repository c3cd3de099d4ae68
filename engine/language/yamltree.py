"""Reads YAML into plain values that remember where each key and value was written.

Only the node graph is composed (ruamel.yaml's round-trip composer keeps every position);
nothing is ever constructed from a tag, so ``!!python/object`` and any other explicit tag
is an error rather than an object. Maps become :class:`YMap`, sequences :class:`YSeq`;
scalars become ``str``, ``int``, ``float``, ``bool`` or ``None``. Positions are 1-based.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import Location, RuleError

_TAG = "tag:yaml.org,2002:"
_SCALARS = {"str", "int", "float", "bool", "null", "timestamp"}


class YMap(dict[str, Any]):
    """A mapping that knows where it, each key and each value were written."""

    loc: Location
    key_locs: dict[str, Location]
    value_locs: dict[str, Location]

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.key_locs = {}
        self.value_locs = {}

    def where(self, key: str) -> Location:
        """The position of ``key``'s value, else of the key, else of the map."""
        return self.value_locs.get(key) or self.key_locs.get(key) or self.loc


class YSeq(list[Any]):
    """A sequence that knows where it and each item were written."""

    loc: Location
    locs: list[Location]

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.locs = []


def read_yaml(text: str, path: str) -> Any:
    """Compose ``text`` and convert it, keeping positions.

    Raises:
        RuleError: for YAML syntax errors, tags, duplicate keys and non-text keys.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError

    try:
        node = YAML(typ="rt", pure=True).compose(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path, 1, 1)
        raise RuleError(loc, f"not valid YAML: {err.problem or err.context}") from None
    return None if node is None else _convert(node, path)


def _loc(node: Any, path: str) -> Location:
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(node: Any, path: str) -> Any:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    tag = str(node.tag)
    if isinstance(node, MappingNode):
        _require_tag(tag, "map", node, path)
        return _convert_map(node, path)
    if isinstance(node, SequenceNode):
        _require_tag(tag, "seq", node, path)
        seq = YSeq(_loc(node, path))
        for item in node.value:
            seq.append(_convert(item, path))
            seq.locs.append(_loc(item, path))
        return seq
    return _scalar(node, tag, path)


def _require_tag(tag: str, kind: str, node: Any, path: str) -> None:
    if tag != _TAG + kind:
        raise RuleError(_loc(node, path), f"the tag '{tag}' is not allowed; rule files use plain YAML")


def _convert_map(node: Any, path: str) -> YMap:
    from ruamel.yaml.nodes import ScalarNode

    result = YMap(_loc(node, path))
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            raise RuleError(_loc(key_node, path), "keys must be plain text, not a list or a mapping")
        key = _scalar(key_node, str(key_node.tag), path)
        if str(key_node.tag) == _TAG + "merge":
            raise RuleError(_loc(key_node, path), "merge keys ('<<') are not supported; use 'extends'")
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            first = result.key_locs[key]
            raise RuleError(_loc(key_node, path), f"'{key}' is given twice (first at line {first.line})")
        result[key] = _convert(value_node, path)
        result.key_locs[key] = _loc(key_node, path)
        result.value_locs[key] = _loc(value_node, path)
    return result


def _scalar(node: Any, tag: str, path: str) -> Any:
    kind = tag[len(_TAG) :] if tag.startswith(_TAG) else None
    if kind not in _SCALARS and kind != "merge":
        raise RuleError(_loc(node, path), f"the tag '{tag}' is not allowed; rule files use plain YAML")
    value = node.value.replace("\a", "")  # the round-trip scanner marks fold points with BEL
    if kind == "null":
        return None
    if kind == "bool":
        return value.lower() == "true"
    if kind == "int":
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            return value
    if kind == "float":
        try:
            return float(value)
        except ValueError:
            return value
    return value


def plain(value: Any) -> Any:
    """Drop positions: plain dicts and lists, for dumping."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def content_hash(tree: Mapping[str, Any]) -> str:
    """A stable hash of a merged rule set's content (not of its comments or layout)."""
    import hashlib

    canonical = json.dumps(plain(tree), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
