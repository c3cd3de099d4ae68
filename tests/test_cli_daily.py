"""The command line a person lives in (issue 23): tables that fit the terminal, names in
words, where the data lives, bare `tactful`, a kept demo to explore, a plugin's test notice.

Every test runs the installed `tactful` in a subprocess against a throwaway home.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .clirun import EXE


def test_bare_tactful_prints_its_help_on_stdout_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    done = subprocess.run([str(EXE)], capture_output=True, text=True, env={**env, "TACTFUL_HOME": str(tmp_path)},
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: tactful [OPTIONS] COMMAND") and "agenda" in done.stdout
    rules = subprocess.run([str(EXE), "rules"], capture_output=True, text=True, env=env, check=False)
    assert rules.returncode == 0 and rules.stdout.startswith("Usage: tactful rules")
