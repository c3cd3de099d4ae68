"""`tactful serve` as a real process on 127.0.0.1 (a free port), for the tests that talk to it
over the network: the URL and token it prints, and a clean stop with Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from .clirun import EXE


class Served(NamedTuple):
    url: str
    token: str
    proc: subprocess.Popen[str]
    stderr: list[str]


def start(home: Path, *args: str, now: str | None, tz: str = "UTC") -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_TZ=tz, **({"TACTFUL_NOW": now} if now else {}))
    return subprocess.Popen([str(EXE), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)  # fmt: skip


def read_until(proc: subprocess.Popen[str], pattern: str, lines: list[str], timeout: float = 60) -> re.Match[str]:
    """Read ``proc``'s stderr line by line (into ``lines``) until one matches ``pattern``."""
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout  # a bound on waiting for the process, not the clock under test
    while time.monotonic() < deadline:
        if selector.select(timeout=1):
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            found = re.search(pattern, line)
            if found:
                return found
    raise AssertionError(f"'tactful serve' never printed {pattern!r}; it said:\n{''.join(lines)}")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Ctrl-C, as a person would; the exit code and the rest of stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        _, rest = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, rest = proc.communicate()
    return proc.returncode, rest


@contextmanager
def serving(home: Path, *args: str, now: str | None, tz: str = "UTC") -> Iterator[Served]:
    """``tactful serve --port 0 ARGS`` running until the block ends."""
    proc = start(home, "serve", "--port", "0", *args, now=now, tz=tz)
    lines: list[str] = []
    try:
        url = read_until(proc, r"the board is at (http://\S+)", lines).group(1)
        token = read_until(proc, r"API token \(kept in .*\): (\S+)", lines).group(1)
        yield Served(url, token, proc, lines)
    finally:
        stop(proc)
