"""examples/platform.py, the platform's use of tactful (four threads and two worker processes
on one store), run as a user would, from another folder, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "platform.py"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_platform_example_fires_and_delivers_everything_once(kind, tmp_path, request):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    if kind == "postgres":
        env["TACTFUL_DATABASE"] = request.getfixturevalue("pg_url")
    done = subprocess.run([sys.executable, str(EXAMPLE)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == (
        "100 applications, 100 timers fired, 200 notices delivered, 0 delivered twice, 0 left undelivered"
    )
