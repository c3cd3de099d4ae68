"""Private by default: the tactful home and what it holds are readable by their owner only.

The store holds who a user interviewed with and what they wrote; the rule cache holds the
rule files' text. Whatever the umask, folders tactful makes are 0700 and files 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents, each 0700) if needed, and leave ``path`` itself 0700.

    A folder that already exists is made private only when it is the current user's own.

    Raises:
        OSError: when it cannot be made.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):  # those it makes are private too: the home above a cache
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        _restrict(folder, DIR_MODE)
    _restrict(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 unless it exists; an existing file of the current
    user's is made 0600 too. Anything else there (a folder, ``/dev/null``) is left as it is:
    what opens it says what is wrong.

    Raises:
        OSError: when it cannot be created.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    if stat.S_ISREG(path.stat().st_mode):
        _restrict(path, FILE_MODE)
    return path


def _restrict(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and info.st_mode & 0o777 != mode:
        os.chmod(path, mode)
