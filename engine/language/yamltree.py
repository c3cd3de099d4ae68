"""Reads YAML into plain values that remember where each key and value was written.

Only the node graph is composed (ruamel.yaml's round-trip composer keeps every position);
nothing is ever constructed from a tag, so ``!!python/object`` and any other explicit tag
is an error rather than an object. Maps become :class:`YMap`, sequences :class:`YSeq`;
scalars become ``str``, ``int``, ``float``, ``bool`` or ``None``. Positions are 1-based.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Location, RuleError

if TYPE_CHECKING:
    from ruamel.yaml.composer import Composer

_TAG = "tag:yaml.org,2002:"
_SCALARS = {"str", "int", "float", "bool", "null", "timestamp"}
#: The largest rule, template or config file read, in bytes: a rule file is a few kilobytes.
MAX_FILE_BYTES = 1024 * 1024
#: How deeply mappings and lists may nest; a rule file needs about six levels.
MAX_DEPTH = 64
#: How many values a YAML document may hold once every alias is expanded.
MAX_NODES = 100_000


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
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    if len(text) > MAX_FILE_BYTES:
        raise RuleError(Location(path, 1, 1), f"the file is larger than {MAX_FILE_BYTES // 1024} KiB; "
                                              "a rule file is a few kilobytes")  # fmt: skip
    _check_flow_depth(text, path)
    yaml = YAML(typ="rt", pure=True)
    yaml.Composer = _bounded_composer()
    try:
        node = yaml.compose(text)
    except _TooBig as err:
        raise RuleError(Location(path, err.line, err.col), err.message) from None
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        from .yamlhints import indent_hint

        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path, 1, 1)
        hint = indent_hint(text, loc.line, str(err.problem or err.context))
        raise RuleError(loc, f"not valid YAML: {hint or err.problem or err.context}") from None
    except ReaderError as err:  # a character YAML does not allow, such as a control character
        at = max(int(getattr(err, "position", 0) or 0), 0)
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        message = f"not valid YAML: the character {chr(err.character)!r} is not allowed; rule files are printable text"
        raise RuleError(Location(path, line, col), message) from None
    except YAMLError as err:
        raise RuleError(Location(path, 1, 1), f"not valid YAML: {type(err).__name__}") from None
    return None if node is None else _convert(node, path)


def read_text_file(path: Path, shown: str, what: str = "rule file") -> str:
    """The text of the regular file ``path`` (``shown`` in messages), at most :data:`MAX_FILE_BYTES`.

    Devices, pipes and folders are refused, so a shared rule file cannot make tactful read
    ``/dev/zero`` or wait on a FIFO.

    Raises:
        RuleError: for a file that is not a regular file, too large, or not UTF-8 text.
        OSError: when it cannot be opened.
    """
    import os

    where = Location(shown, 1, 1)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise RuleError(where, f"the {what} {shown} is not a regular file")
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RuleError(where, f"the {what} {shown} is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise RuleError(where, f"the {what} {shown} is not UTF-8 text ({err.reason} at byte {err.start})") from None


class _TooBig(Exception):
    """A document beyond :data:`MAX_DEPTH` or :data:`MAX_NODES`, found while composing."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.line, self.col = mark.line + 1, mark.column + 1


def _bounded_composer() -> type[Composer]:
    """ruamel.yaml's composer, counting as it goes: nesting deeper than :data:`MAX_DEPTH` and
    documents whose aliases would expand beyond :data:`MAX_NODES` values are refused before
    anything is built from them (an alias bomb of a few hundred bytes would take gigabytes)."""
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent

    class BoundedComposer(Composer):
        def __init__(self, loader: Any = None) -> None:
            super().__init__(loader=loader)
            self.nesting = 0
            self.sizes: dict[int, int] = {}
            # each anchor's latest value: True while it is being composed (an alias to it would
            # be inside it), False once done; an anchor set again names its new value
            self.open_anchors: dict[str, bool] = {}
            self.warn_double_anchors = False  # YAML lets an anchor be set again; no warning on stderr

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            mark = event.start_mark
            if self.parser.check_event(AliasEvent):
                if self.open_anchors.get(event.anchor):
                    raise _TooBig(f"the alias *{event.anchor} is inside the value it names, which would never end; "
                                  "an alias may only repeat a value written before it", mark)  # fmt: skip
                return super().compose_node(parent, index)
            self.nesting += 1
            if self.nesting > MAX_DEPTH:
                raise _TooBig(f"nested more than {MAX_DEPTH} levels deep; a rule file needs a handful", mark)
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                self.open_anchors[anchor] = True
            node = super().compose_node(parent, index)
            if anchor is not None:
                self.open_anchors[anchor] = False
            self.nesting -= 1
            children = node.value if isinstance(node.value, list) else []
            items = [part for child in children for part in (child if isinstance(child, tuple) else (child,))]
            size = 1 + sum(self.sizes.get(id(item), 1) for item in items)
            if size > MAX_NODES:
                raise _TooBig(f"holds more than {MAX_NODES:,} values once its aliases are expanded", mark)
            self.sizes[id(node)] = size
            return node

    return BoundedComposer


def _check_flow_depth(text: str, path: str) -> None:
    """Refuse ``[[[[…`` nested beyond :data:`MAX_DEPTH` before the YAML scanner sees it: it
    keeps a possible key per open bracket, so deep flow nesting costs it quadratic time.

    Brackets in quoted text and comments are skipped; the count is a cheap upper bound.
    """
    depth, line, quote = 0, 1, ""
    for index, char in enumerate(text):
        if char == "\n":
            line, quote = line + 1, "" if quote == "#" else quote
        elif quote:
            quote = "" if char == quote and quote != "#" else quote
        elif char in "'\"" or (char == "#" and (index == 0 or text[index - 1] in " \t\n")):
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                col = index - text.rfind("\n", 0, index)
                raise RuleError(Location(path, line, col), f"nested more than {MAX_DEPTH} levels deep; "
                                                          "a rule file needs a handful")  # fmt: skip
        elif char in "]}":
            depth = max(depth - 1, 0)


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
