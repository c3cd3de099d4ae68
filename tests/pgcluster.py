"""A throwaway PostgreSQL cluster for the tests, started with the system's initdb and pg_ctl.

As root, the cluster runs as the unprivileged ``postgres`` user (PostgreSQL refuses root), in
a temporary folder given to that user, listening on 127.0.0.1 on a free port. Each test gets
a fresh database in it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are, or None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_owner(args: list[str]) -> list[str]:
    """``args`` run as the ``postgres`` user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yields the URL of its ``postgres`` database; stops and removes it."""
    where = bin_dir()
    assert where is not None, "PostgreSQL is not installed"
    folder = Path(tempfile.mkdtemp(prefix="tactful-pg-"))
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        subprocess.run(
            _as_owner(
                [str(where / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=200"
        subprocess.run(_as_owner([str(where / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                  "-w", "start"]), check=True, capture_output=True, timeout=120)  # fmt: skip
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_owner([str(where / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                           capture_output=True, timeout=120)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(url: str) -> str:
    """A new, empty database in the cluster at ``url``; its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
