"""`tactful serve` as a real process on 127.0.0.1 (a free port), for the tests that talk to it
over the network: the URL and token it prints, and a clean stop with Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.request
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


def start(
    home: Path, *args: str, now: str | None, tz: str = "UTC", env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``tactful ARGS`` in the background with TACTFUL_HOME=home (and TACTFUL_NOW=now when given)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    base.update(TACTFUL_HOME=str(home), TACTFUL_TZ=tz, **({"TACTFUL_NOW": now} if now else {}), **(env or {}))
    return subprocess.Popen([str(EXE), *args], env=base, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)  # fmt: skip


def read_until(proc: subprocess.Popen[str], pattern: str, lines: list[str], timeout: float = 60) -> re.Match[str]:
    """Read ``proc``'s stderr line by line (into ``lines``) until one matches ``pattern``."""
    assert proc.stderr is not None
    found: list[re.Match[str]] = []

    def read() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            match = re.search(pattern, line)
            if match:
                found.append(match)
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)  # a bound on waiting for the process, not the clock under test
    if not found:
        raise AssertionError(f"'tactful serve' never printed {pattern!r}; it said:\n{''.join(lines)}")
    return found[0]


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGINT) -> tuple[int, str]:
    """Ctrl-C (or ``sig``), as a person would; the exit code and the rest of stderr."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        _, rest = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, rest = proc.communicate()
    return proc.returncode, rest


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, bytes]:
    """(status, body) of a request to the server (POST when ``data`` is given); no redirect is
    followed, so that a 303 is seen as one."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@contextmanager
def serving(home: Path, *args: str, now: str | None, tz: str = "UTC") -> Iterator[Served]:
    """``tactful serve --port 0 ARGS`` running until the block ends."""
    proc = start(home, "serve", "--port", "0", *args, now=now, tz=tz)
    lines: list[str] = []
    try:
        url = read_until(proc, r"the board is at (http://\S+)", lines).group(1)
        token_file = read_until(proc, r"API token \(kept in (.*)\)$", lines).group(1)
        token = Path(token_file).read_text().strip()
        yield Served(url, token, proc, lines)
    finally:
        stop(proc)
