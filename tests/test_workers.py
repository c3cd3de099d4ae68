"""Several tickers and workers on one store, as real processes: each due application fires
once, each notice is delivered once, a record made meanwhile is kept, and a worker killed or
cut off mid-batch loses nothing. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tactful import Engine
from tactful.stores.opening import open_store
from tactful.testing import FakeClock

from .helpers import at
from .test_delivery_crash import install_plugin

TACTFUL = Path(sys.executable).parent / "tactful"
ADDED = at("2026-05-04 17:00")
LATER = "2026-06-15T10:00:00+00:00"  # every first inquiry of an application added on ADDED is due

#: Appends each delivery's key to keys.txt, one line per call.
KEEPER = """
import os
from pathlib import Path
from tactful.hookspecs import hookimpl

KEYS = Path(os.environ["KEEPER_DIR"]) / "keys.txt"

def _keep(key):
    with open(KEYS, "a") as keys:
        keys.write(key + "\\n")

@hookimpl
def tactful_transition(notice, key):
    _keep(key)

@hookimpl
def tactful_action_due(notice, key):
    _keep(key)
"""


class Setup:
    """A home, the store its commands use (SQLite in the home, or a PostgreSQL database), and
    the environment of the CLI subprocesses."""

    def __init__(self, tmp_path: Path, url: str | None) -> None:
        self.home, self.url, self.tmp = tmp_path / "home", url, tmp_path
        self.home.mkdir()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
        self.env.update(TACTFUL_HOME=str(self.home), TACTFUL_TZ="UTC", TACTFUL_NOW=LATER)
        if url:
            self.env["TACTFUL_DATABASE"] = url

    def store(self) -> Any:
        return open_store(self.url or self.home / "tactful.sqlite3")

    def add(self, count: int) -> list[int]:
        store = self.store()
        try:
            engine = Engine(store, FakeClock(ADDED), notify=True)
            rows = [{"company": f"Company {n}", "interviewed": "2026-05-04"} for n in range(count)]
            return [a.id for a in engine.add_many(rows)]
        finally:
            store.close()

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen([str(TACTFUL), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**self.env, **env}, stdin=subprocess.DEVNULL)  # fmt: skip

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(TACTFUL), *args], capture_output=True, text=True, env={**self.env, **env},
                              timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip

    def timers(self, ids: list[int]) -> list[int]:
        """How many timer rows each application's history has."""
        store = self.store()
        try:
            return [sum(e.kind == "timer" for e in store.history(i)) for i in ids]
        finally:
            store.close()

    def wait_for(self, check: Any, proc: subprocess.Popen[str] | None = None, seconds: float = 120) -> None:
        """Poll ``check()`` until it holds (a process's progress is seen from outside)."""
        deadline = time.monotonic() + seconds
        while not check():
            assert proc is None or proc.poll() is None, f"the process ended early: {proc.communicate()[1][-2000:]}"
            assert time.monotonic() < deadline, "timed out waiting"
            time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgres"])
def setup(request, tmp_path) -> Setup:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return Setup(tmp_path, url)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def test_two_ticks_at_once_both_succeed_and_fire_each_application_once(setup):
    ids = setup.add(300)
    procs = [setup.start("tick", "--json", "--batch", "25") for _ in range(2)]
    results = [finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    fired = [doc["id"] for _, out, _ in results for doc in json.loads(out)]
    assert sorted(fired) == ids  # all of them, none twice, whichever tick fired it
    assert setup.timers(ids) == [1] * len(ids)
    assert json.loads(setup.run("tick", "--json").stdout) == []


def test_a_record_during_a_tick_succeeds_and_the_tick_still_fires_everything_due(setup):
    ids = setup.add(300)
    tick = setup.start("tick", "--json", "--batch", "10")
    recorded = setup.run("record", str(ids[-1]), "news", "--text", "Opened an office in Lyon", "--json")
    code, out, err = finish(tick)
    assert recorded.returncode == 0, recorded.stderr
    assert code == 0, err
    fired = [doc["id"] for doc in json.loads(out)]
    assert len(fired) == len(set(fired)) and set(ids[:-1]) <= set(fired)
    assert setup.timers(ids) == [1] * len(ids)
    store = setup.store()
    try:
        assert [e.name for e in store.history(ids[-1])].count("news") == 1
    finally:
        store.close()


def test_two_ticks_at_once_deliver_each_notice_once(setup, tmp_path):
    site = install_plugin(tmp_path / "site", "keeper", KEEPER)
    ids = setup.add(60)
    env = {"PYTHONPATH": str(site), "KEEPER_DIR": str(tmp_path)}
    results = [finish(p) for p in [setup.start("tick", "--batch", "7", **env) for _ in range(2)]]
    assert [code for code, _, _ in results] == [0, 0], [err[-2000:] for _, _, err in results]
    keys = Counter((tmp_path / "keys.txt").read_text().split())
    assert keys and max(keys.values()) == 1
    assert len(keys) == 2 * len(ids)  # a transition and an action due for each application
    assert setup.run("outbox", "--json").stdout.strip() == "[]"


def test_a_tick_killed_mid_batch_loses_nothing(setup):
    ids = setup.add(600)
    tick = setup.start("tick", "--json", "--batch", "20")
    setup.wait_for(lambda: sum(setup.timers(ids[:40])) >= 20, tick)
    tick.kill()
    tick.communicate()
    again = setup.run("tick", "--json")
    assert again.returncode == 0, again.stderr
    assert setup.timers(ids) == [1] * len(ids)


def test_a_worker_fires_what_is_due_and_what_becomes_due_and_stops_on_sigterm(setup):
    ids = setup.add(30)
    worker = setup.start("worker", "--poll", "0.3", TACTFUL_LOG_LEVEL="debug")
    try:
        setup.wait_for(lambda: setup.timers(ids) == [1] * len(ids), worker)
        added = setup.run("add", "Latecomer", "--interviewed", "2026-05-04", "--json")
        assert added.returncode == 0, added.stderr
        late = json.loads(added.stdout)["id"]
        setup.wait_for(lambda: setup.timers([late]) == [1], worker)
    finally:
        worker.send_signal(signal.SIGTERM)
    code, out, err = finish(worker)
    assert code == 0, err
    assert "worker pass" in err and "worker stopped" in err and out == ""


def test_a_worker_says_one_line_at_start_and_one_at_stop_and_ctrl_c_exits_130(setup):
    """Passes (and psycopg's pool) are not logged by default, only what they did (timers
    fired); Ctrl-C is an interruption."""
    ids = setup.add(5)
    worker = setup.start("worker", "--poll", "0.05")
    try:
        setup.wait_for(lambda: setup.timers(ids) == [1] * len(ids), worker)  # it is past its start, in passes
        setup.wait_for(lambda: setup.run("outbox", "--json").stdout.strip() == "[]", worker)  # a few more
    finally:
        worker.send_signal(signal.SIGINT)
    code, out, err = finish(worker)
    lines = err.splitlines()
    assert code == 130 and out == "", err
    assert "worker started" in lines[0] and "worker stopped" in lines[-1], err
    assert all("timers fired" in line for line in lines[1:-1]), err


def test_two_workers_share_the_work(setup):
    ids = setup.add(200)
    workers = [setup.start("worker", "--poll", "0.3", "--batch", "10") for _ in range(2)]
    try:
        setup.wait_for(lambda: setup.timers(ids) == [1] * len(ids), workers[0])
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
    assert [finish(w)[0] for w in workers] == [0, 0]
    assert setup.timers(ids) == [1] * len(ids)


def test_a_worker_cut_off_from_postgresql_reconnects_and_carries_on(tmp_path, pg_url):
    import psycopg

    setup = Setup(tmp_path, pg_url)
    setup.add(1)
    worker = setup.start("worker", "--poll", "0.3")
    try:
        setup.wait_for(lambda: setup.timers([1]) == [1], worker)
        with psycopg.connect(pg_url, autocommit=True) as admin:
            dropped = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert dropped and dropped[0] >= 1
        added = setup.run("add", "After the cut", "--interviewed", "2026-05-04", "--json")
        late = json.loads(added.stdout)["id"]
        setup.wait_for(lambda: setup.timers([late]) == [1], worker)
    finally:
        worker.send_signal(signal.SIGTERM)
    code, _, err = finish(worker)
    assert code == 0, err
