"""A tick killed with SIGKILL part-way through a large store leaves it consistent, and the
next tick finishes the job without firing any timer twice.

The store holds 30,000 applications copied from a few real ones (made through the engine),
all due before the tick's now. `tactful tick --json` runs as a real subprocess and is killed
at a chosen point of its progress, observed from a separate reading connection (WAL mode
lets it read while the tick writes).

The kill tests share one store, in turn (building it and finishing a 30,000-application tick
are what cost): each kills a tick further along than the last killed one left it, and the last
test finishes the job. Each also holds on its own, from a fresh copy. Under pytest-xdist they
run on one worker, in order (``xdist_group``).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time as stopwatch
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from tactful.cli.context import DB_NAME
from tactful.engine import Engine
from tactful.stores.sqlite_store import SQLiteStore
from tactful.vocabulary.timecalc import unstamp

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kill")]

TACTFUL = Path(sys.executable).parent / "tactful"
N_APPS = 30_000
TICK_NOW = "2026-07-01T12:00:00+00:00"
NOW_EPOCH = datetime.fromisoformat(TICK_NOW).timestamp()
#: (rule set, interview date) of the real applications the store is copied from; their
#: first inquiries fall on different days, so the tick's (next_due, id) order interleaves them.
TEMPLATES = [
    ("default", "2026-05-04"),
    ("small-company", "2026-05-05"),
    ("default", "2026-05-06"),
    ("small-company", "2026-05-07"),
    ("default", "2026-05-08"),
    ("default", "2026-05-11"),
]
APP_COLUMNS = "company, state, entered, facts, rules, rules_hash, next_due, timer, version, wake, agenda, zones"
HISTORY_COLUMNS = "kind, name, at, recorded, source, target, params, before"
#: Where to kill each tick: (None, 0) as early as possible, else once that many more timer
#: rows are committed plus a lag in seconds, so the kill lands anywhere in a later batch,
#: its commit included (1, 0: right after the first batch; the rest drawn from fixed seeds,
#: small enough that the ticks killed one after the other on the shared store leave work).
#: The tick's batch size here: small, so a kill can land in many batches of a modest store.
TICK_BATCH = 500
KILL_POINTS = {
    "early": (None, 0.0),
    "after-first-batch": (1, 0.0),
    **{
        f"seed-{seed}": (rng.randrange(TICK_BATCH, N_APPS // 8), rng.uniform(0.0, 0.05))
        for seed in (7, 1234, 90210)
        for rng in [random.Random(seed)]
    },
}


@dataclass(frozen=True)
class BigStore:
    """A built store file and what each application looked like before any tick."""

    path: Path
    due: dict[int, float]  # id -> next_due (epoch seconds)
    version: dict[int, int]
    history_rows: int
    last_history_id: int

    def due_order(self) -> list[int]:
        """Ids in the order a tick takes them: by next_due, then id."""
        return sorted(self.due, key=lambda app_id: (self.due[app_id], app_id))


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> BigStore:
    """30,000 applications waiting for their first inquiry, all due before TICK_NOW."""
    path = tmp_path_factory.mktemp("big-store") / DB_NAME
    moment: list[datetime] = []
    store = SQLiteStore(path)
    try:
        engine = Engine(store, lambda: moment[-1])
        for rules, interviewed in TEMPLATES:
            moment.append(datetime.combine(date.fromisoformat(interviewed) + timedelta(days=1), time(10), UTC))
            app = engine.add(f"Template {rules} {interviewed}", rules=rules, interviewed=interviewed)
            assert app.id is not None
            done = engine.record(app.id, "thank_you_sent")
            assert done.app.state == "awaiting_decision"
            assert done.app.next_due is not None and done.app.next_due.timestamp() <= NOW_EPOCH
    finally:
        store.close()

    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        templates = [db.execute(f"SELECT {APP_COLUMNS} FROM applications WHERE id = ?", (i,)).fetchone()
                     for i in range(1, len(TEMPLATES) + 1)]  # fmt: skip
        histories = [db.execute(f"SELECT {HISTORY_COLUMNS} FROM history WHERE app_id = ? ORDER BY id", (i,)).fetchall()
                     for i in range(1, len(TEMPLATES) + 1)]  # fmt: skip
        copies = range(len(TEMPLATES) + 1, N_APPS + 1)
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            f"INSERT INTO applications (id, {APP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((i, f"Company {i}", *templates[(i - 1) % len(TEMPLATES)][1:]) for i in copies),
        )
        db.executemany(
            f"INSERT INTO history (app_id, {HISTORY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((i, *row) for i in copies for row in histories[(i - 1) % len(TEMPLATES)]),
        )
        db.execute("COMMIT")
        rows = db.execute("SELECT id, next_due, version FROM applications").fetchall()
        history_rows, last_history_id = db.execute("SELECT count(*), max(id) FROM history").fetchone()
    assert len(rows) == N_APPS
    assert all(due is not None and due <= NOW_EPOCH for _, due, _ in rows)
    return BigStore(path, {i: due for i, due, _ in rows}, {i: v for i, _, v in rows}, history_rows, last_history_id)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, big_store: BigStore) -> Path:
    """A tactful home holding a copy of the big store, shared by the kill tests in turn."""
    folder = tmp_path_factory.mktemp("kill-home")
    (folder / DB_NAME).write_bytes(big_store.path.read_bytes())
    return folder


def tick(home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TACTFUL_HOME": str(home), "TACTFUL_NOW": TICK_NOW}
    return subprocess.run(
        [TACTFUL, "tick", "--json", "--batch", str(TICK_BATCH)], env=env, capture_output=True, text=True, timeout=300
    )


def kill_tick_when(home: Path, store: BigStore, committed: int | None, lag: float) -> None:
    """Start `tactful tick --json`; SIGKILL it ``lag`` seconds after ``committed`` more timer rows
    are durable (at once when None)."""
    env = {**os.environ, "TACTFUL_HOME": str(home), "TACTFUL_NOW": TICK_NOW}
    with closing(sqlite3.connect(home / DB_NAME)) as db:
        last_history_id = db.execute("SELECT max(id) FROM history").fetchone()[0]
    with (home / "killed-tick.out").open("w") as out:
        proc = subprocess.Popen(
            [TACTFUL, "tick", "--json", "--batch", str(TICK_BATCH)], env=env, stdout=out, stderr=subprocess.PIPE
        )
        try:
            if committed is not None:
                _wait_for_progress(proc, home / DB_NAME, last_history_id + committed)
            if lag:
                with suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=lag)  # returns early if the tick ends by itself
        finally:
            proc.kill()
            _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, (
        f"the tick ended by itself (exit {proc.returncode}) before it could be killed: {err.decode()[-2000:]}"
    )


def _wait_for_progress(proc: subprocess.Popen[bytes], db_path: Path, history_id: int) -> None:
    """Poll from another connection until the history table reaches ``history_id``."""
    deadline = stopwatch.monotonic() + 120  # a hang guard, not the engine's clock
    with closing(sqlite3.connect(db_path, isolation_level=None, timeout=30)) as reader:
        while proc.poll() is None:
            if reader.execute("SELECT max(id) FROM history").fetchone()[0] >= history_id:
                return
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.001)
            assert stopwatch.monotonic() < deadline, "the tick made no progress for two minutes"


def timer_rows(db: sqlite3.Connection) -> Iterator[tuple[int, int, str, str, str]]:
    yield from db.execute("SELECT app_id, count(*), min(source), min(target), min(at) FROM history "
                          "WHERE kind = 'timer' GROUP BY app_id")  # fmt: skip


def assert_consistent(store: BigStore, db_path: Path) -> list[int]:
    """Check the store after any tick, finished or killed; returns the ids whose timer fired."""
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        last_row_disagrees = db.execute(
            "SELECT a.id, a.state, h.target FROM applications a "
            "LEFT JOIN history h ON h.id = (SELECT max(id) FROM history WHERE app_id = a.id) "
            "WHERE h.target IS NOT a.state LIMIT 5"
        ).fetchall()
        assert last_row_disagrees == [], "an application's state is not its last history row's target"
        timers = {app_id: rest for app_id, *rest in timer_rows(db)}
        apps = db.execute("SELECT id, state, next_due, timer, version FROM applications").fetchall()
        history_rows = db.execute("SELECT count(*) FROM history").fetchone()[0]
        notified = {app_id for (app_id,) in db.execute("SELECT app_id FROM outbox WHERE key LIKE '%/transition/%'")}
        transition_notices = db.execute("SELECT count(*) FROM outbox WHERE key LIKE '%/transition/%'").fetchone()[0]

    assert len(apps) == N_APPS
    assert all(count == 1 for count, *_ in timers.values()), "an application's timer fired more than once"
    moved = []
    for app_id, state, next_due, timer, version in apps:
        if state == "follow_up_due":
            moved.append(app_id)
            count, source, target, at = timers.get(app_id, (0, "", "", ""))
            assert (count, source, target) == (1, "awaiting_decision", "follow_up_due"), app_id
            assert unstamp(at).timestamp() == store.due[app_id], app_id
            assert (next_due, timer, version) == (None, None, store.version[app_id] + 1), app_id
        else:
            assert state == "awaiting_decision", (app_id, state)
            assert app_id not in timers, app_id
            assert next_due is not None and next_due <= NOW_EPOCH, app_id
            assert (next_due, version) == (store.due[app_id], store.version[app_id]), app_id
    assert history_rows == store.history_rows + len(moved), "history rows other than one per fired timer"
    # The outbox notices were written with the changes: one per transition, none for the rest.
    assert notified == set(moved) and transition_notices == len(moved)
    # Each batch is one transaction taken in (next_due, id) order: what moved is whole batches from the front.
    assert len(moved) % TICK_BATCH == 0 or len(moved) == N_APPS, len(moved)
    assert sorted(moved) == sorted(store.due_order()[: len(moved)])
    return moved


@pytest.mark.parametrize(("committed", "lag"), KILL_POINTS.values(), ids=KILL_POINTS.keys())
def test_tick_killed_at_any_point_leaves_a_consistent_store(
    big_store: BigStore, home: Path, committed: int | None, lag: float
) -> None:
    """SIGKILL mid-tick keeps the store whole: whole batches from the front moved, nothing twice."""
    before = assert_consistent(big_store, home / DB_NAME)
    kill_tick_when(home, big_store, committed, lag)
    moved = assert_consistent(big_store, home / DB_NAME)
    assert set(before) <= set(moved)
    if committed is not None:
        assert len(before) + committed <= len(moved) < N_APPS


def test_the_tick_after_killed_ones_fires_the_rest_once(big_store: BigStore, home: Path) -> None:
    """After the ticks killed above (or none, run alone), one tick fires exactly the timers not yet fired."""
    moved = assert_consistent(big_store, home / DB_NAME)
    assert len(moved) < N_APPS

    finish = tick(home)
    assert finish.returncode == 0, finish.stderr
    fired = json.loads(finish.stdout)
    fired_ids = [doc["id"] for doc in fired]
    assert len(fired_ids) == len(set(fired_ids)), "the finishing tick fired an application twice"
    assert set(fired_ids) == set(big_store.due) - set(moved)
    assert len(moved) + len(fired) == N_APPS
    assert {(doc["from"], doc["to"]) for doc in fired} <= {("awaiting_decision", "follow_up_due")}

    assert sorted(assert_consistent(big_store, home / DB_NAME)) == sorted(big_store.due)
    with closing(sqlite3.connect(home / DB_NAME)) as db:
        assert db.execute("SELECT count(*) FROM history WHERE kind = 'timer'").fetchone()[0] == N_APPS

    again = tick(home)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "[]"
