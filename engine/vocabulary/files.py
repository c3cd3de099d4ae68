"""Writing a file so that a reader sees the old content or the new, never half of either."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(
    path: Path,
    data: str | bytes,
    *,
    check: Callable[[str], None] | None = None,
    exclusive: bool = False,
    suffix: str = ".tmp",
) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then put it in place.

    The temporary file is made private (0600); an existing ``path`` keeps its own mode.

    Args:
        check: called with the temporary file's path before it is put in place; whatever it
            raises stops the write, and ``path`` is left as it was.
        exclusive: refuse to replace an existing ``path`` (``FileExistsError``).
        suffix: the temporary file's suffix, for a ``check`` that goes by it.

    Raises:
        OSError: when the file cannot be written; nothing is left behind.
    """
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        if check is not None:
            check(temp)
        if exclusive:
            os.link(temp, path)  # fails when path exists: no window in which a reader sees half
        else:
            if path.exists():
                shutil.copymode(path, temp)
            os.replace(temp, path)
        _sync_folder(path.parent)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
