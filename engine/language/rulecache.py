"""A cache of merged rule trees, so commands need not parse YAML on every run.

Parsing a rule file with its positions costs tens of milliseconds; a command like `agenda`
should not pay that each time. After a rule set loads without errors, its merged tree is
kept as JSON (positions included), keyed by the file it was named by and checked against
the size and modification time of every file in its ``extends`` chain. Any change to any
of them, or a different tactful version, means the files are read again. The cache is an
optimisation only: when it cannot be read or written, rules are loaded from the files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import Location
from ..vocabulary.perms import private_dir
from .yamltree import YMap, YSeq

FORMAT = 1


def _stamp(path: Path) -> list[Any]:
    info = path.stat()
    return [str(path), info.st_mtime_ns, info.st_size]


def _entry(cache_dir: Path, source: Path) -> Path:
    name = re.sub(r"[^\w.-]+", "_", str(source.resolve())).strip("_")[-120:]
    return cache_dir / f"rules-{name}.json"


def lookup(cache_dir: Path, source: Path, version: str) -> tuple[YMap, list[Path], str] | None:
    """The cached merged tree of the rule file ``source``, its files and content hash, if still current."""
    try:
        data = json.loads(_entry(cache_dir, source).read_text(encoding="utf-8"))
        if data["format"] != FORMAT or data["version"] != version:
            return None
        files = [Path(p) for p, _, _ in data["files"]]
        if [_stamp(p) for p in files] != data["files"]:
            return None
        return _decode(data["tree"]), files, str(data["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(cache_dir: Path, source: Path, version: str, tree: YMap, files: list[Path], rules_hash: str) -> None:
    """Keep ``tree`` for ``source``; silently does nothing when the folder is not writable."""
    from ..vocabulary.files import write_atomic

    try:
        private_dir(cache_dir)
        data = {"format": FORMAT, "version": version, "files": [_stamp(p) for p in files], "hash": rules_hash,
                "tree": _encode(tree)}  # fmt: skip
        write_atomic(_entry(cache_dir, source), json.dumps(data, separators=(",", ":")))
    except OSError:
        return


def _loc(loc: Location) -> list[Any]:
    return [loc.path, loc.line, loc.col]


def encode_tree(value: Any) -> Any:
    """A merged rule tree as plain JSON data, positions included."""
    return _encode(value)


def decode_tree(value: Any) -> Any:
    """The inverse of :func:`encode_tree`."""
    return _decode(value)


def _encode(value: Any) -> Any:
    if isinstance(value, YMap):
        items = [[k, _encode(v), _loc(value.key_locs[k]), _loc(value.value_locs[k])] for k, v in value.items()]
        return {"m": items, "at": _loc(value.loc)}
    if isinstance(value, YSeq):
        return {"s": [[_encode(v), _loc(loc)] for v, loc in zip(value, value.locs, strict=True)], "at": _loc(value.loc)}
    return value


def _decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    if "m" in value:
        result = YMap(Location(*value["at"]))
        for key, item, key_loc, value_loc in value["m"]:
            result[key] = _decode(item)
            result.key_locs[key] = Location(*key_loc)
            result.value_locs[key] = Location(*value_loc)
        return result
    seq = YSeq(Location(*value["at"]))
    for item, loc in value["s"]:
        seq.append(_decode(item))
        seq.locs.append(Location(*loc))
    return seq
