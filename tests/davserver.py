"""A real CalDAV server for tests: Radicale, started as a subprocess on a free port of
127.0.0.1 with its storage in a temporary folder and no authentication."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: How long Radicale may take to accept connections.
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def radicale(storage: Path) -> Iterator[str]:
    """Run Radicale until the block ends; yields its URL. Its log goes beside ``storage``."""
    port = free_port()
    command = [sys.executable, "-m", "radicale", "--storage-filesystem-folder", str(storage),
               "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "none", "--auth-delay", "0",
               "--logging-level", "warning"]  # fmt: skip
    log = storage.with_name(f"{storage.name}.log")
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_until_listening(proc, port, log)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"radicale exited with {proc.returncode}: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)  # polling a server that is starting, within the deadline
    raise RuntimeError(f"radicale did not listen on 127.0.0.1:{port} within {START_TIMEOUT:.0f} s")
