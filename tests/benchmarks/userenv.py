"""The environment a benchmark runs the CLI in: the user's, not this shell's."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path


@functools.cache
def bytecode_cache() -> Path:
    """Where the CLI's bytecode is cached while this benchmark runs: a folder of its own (made
    private by ``mkdtemp``, removed at exit), so that no other user's files are ever loaded as
    tactful's bytecode."""
    folder = Path(tempfile.mkdtemp(prefix="tactful-bench-pycache-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def cli_env(**tactful: str) -> dict[str, str]:
    """This process's environment without its ``TACTFUL_`` settings, with ``tactful`` added
    (``HOME="..."`` sets ``TACTFUL_HOME``), and with bytecode cached as an installed tactful has
    it: ``PYTHONDONTWRITEBYTECODE`` dropped and the cache kept in :func:`bytecode_cache` (not
    the source tree). With that variable set and an editable install, every run would compile
    tactful's modules from source, a cost no installed tactful pays. The first run fills the
    cache: the benchmarks warm up before timing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache())
    env.update({f"TACTFUL_{name}": value for name, value in tactful.items()})
    return env
