"""Run the installed `tactful` in a real subprocess against a throwaway home and a fixed clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EXE = Path(sys.executable).parent / "tactful"


def run(home: Path, *args: str, now: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``tactful ARGS`` with TACTFUL_HOME=home, TACTFUL_NOW=now, TACTFUL_TZ=UTC, plus ``env`` (which
    may set TACTFUL_TZ); without the terminal's COLUMNS (tables are printed whole unless a test sets it)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_") and k not in ("COLUMNS", "LINES")}
    base.update({"TACTFUL_HOME": str(home), "TACTFUL_NOW": now, "TACTFUL_TZ": "UTC", **(env or {})})
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=base, timeout=120,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def ok(home: Path, *args: str, now: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Like :func:`run`, and the command must succeed."""
    done = run(home, *args, now=now, env=env)
    assert done.returncode == 0, f"tactful {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
    return done


def doc(home: Path, *args: str, now: str, env: dict[str, str] | None = None) -> Any:
    """The JSON document ``tactful ARGS --json`` prints."""
    return json.loads(ok(home, *args, "--json", now=now, env=env).stdout)
