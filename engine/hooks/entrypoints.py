"""Whether any third-party plugin is installed, answered without paying for the answer each time.

Commands that load rules (nearly all of them) must ask plugins for rule functions and tell
them when rules are loaded, but only when a plugin is installed at all. Scanning installed
distributions for ``tactful`` entry points imports ``importlib.metadata`` and reads every
distribution's metadata: some 20-30 ms, a fifth of a quick command. So the answer is kept
in the tactful home's cache, with the modification time of every folder on ``sys.path``:
installing or removing a distribution adds or removes a ``.dist-info`` folder there, which
changes that time, and the next command scans again.

Each Python environment keeps its own answer (the file's name carries a digest of its
``sys.path``): the CLI's venv and an embedding app that share a home see
different sets of distributions, and would otherwise throw each other's answer away on every run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FORMAT = 1
GROUP = "tactful"
CACHE_PREFIX = "entry-points"


def installed_plugins(cache_dir: Path | None = None) -> tuple[str, ...]:
    """The names of the installed ``tactful`` entry points, sorted.

    With ``cache_dir``, an earlier answer kept there is used while no folder on ``sys.path``
    has changed; a fresh answer is kept there when the folder's parent exists.
    """
    stamp = _stamp()
    path = cache_dir / cache_name() if cache_dir else None
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data["format"] == FORMAT and data["stamp"] == stamp:
                return tuple(data["names"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    names = _scan()
    if path is not None and path.parent.parent.is_dir():
        _keep(path, {"format": FORMAT, "stamp": stamp, "names": list(names)})
    return names


def cache_name() -> str:
    """The cache file of this Python environment, named by its ``sys.path`` (the interpreter's name
    is left out: ``python`` and ``python3`` of one venv are the same environment)."""
    import zlib  # a cheap import, unlike hashlib: this runs at every command's start

    where = json.dumps(sys.path).encode("utf-8")
    return f"{CACHE_PREFIX}-{zlib.crc32(where):08x}.json"


def _scan() -> tuple[str, ...]:
    from importlib.metadata import entry_points

    return tuple(sorted({ep.name for ep in entry_points(group=GROUP)}))


def _stamp() -> list[list[object]]:
    """Each ``sys.path`` entry with its modification time (None when it does not exist)."""
    stamp: list[list[object]] = []
    for entry in sys.path:
        try:
            stamp.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            stamp.append([entry, None])
    return stamp


def _keep(path: Path, data: dict[str, object]) -> None:
    """Write ``data`` atomically; a cache that cannot be written is simply not kept."""
    from ..vocabulary.files import write_atomic
    from ..vocabulary.perms import private_dir

    try:
        private_dir(path.parent)
        write_atomic(path, json.dumps(data))
    except OSError:
        return
