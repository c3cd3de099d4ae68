"""`tactful worker` syncs on its own when a section says ``every:``: at start, then each time
``every`` has passed by the worker's clock (given, never read: no sleeps)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tactful.capture.schedule import Schedule
from tactful.cli.capturecmd import WorkerSync
from tactful.cli.context import Context
from tests.clirun import doc, run
from tests.feedserver import FeedServer, Route, feed_server, rss

TACTFUL = Path(sys.executable).parent / "tactful"
NOON = datetime(2026, 5, 12, 12, 0, tzinfo=UTC)
ITEM = ("Northwind wins a design award", "https://northwind.example/news/award", "Mon, 11 May 2026 09:30:00 GMT")


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        running.routes["/news.rss"] = Route(rss(ITEM))
        yield running


def home_with_feed(tmp_path: Path, server: FeedServer, every: str = "15 minutes") -> Path:
    (tmp_path / "config.yaml").write_text(f"news:\n  every: {every}\n  timeout: 5\n")
    doc(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", "--news-feed", server.url("/news.rss"),
        now="2026-05-04T17:00:00+00:00")  # fmt: skip
    return tmp_path


def test_a_schedule_is_due_at_once_then_every_interval() -> None:
    schedule = Schedule({"mailbox": timedelta(minutes=15), "news": timedelta(hours=1)})
    assert schedule.due(NOON) == ["mailbox", "news"]
    schedule.done(["mailbox", "news"], NOON)
    assert schedule.due(NOON + timedelta(minutes=14, seconds=59)) == []
    assert schedule.wait(NOON + timedelta(minutes=10)) == 300.0
    assert schedule.due(NOON + timedelta(minutes=15)) == ["mailbox"]
    schedule.done(["mailbox"], NOON + timedelta(minutes=15))
    assert schedule.due(NOON + timedelta(hours=1)) == ["mailbox", "news"]
    assert Schedule({}).due(NOON) == [] and Schedule({}).wait(NOON) is None


def test_the_workers_sync_runs_when_due_by_its_clock(tmp_path: Path, server: FeedServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    home = home_with_feed(tmp_path, server)
    monkeypatch.setenv("TACTFUL_TZ", "UTC")
    ctx = Context(now=NOON.isoformat(), home=str(home))
    syncing = WorkerSync(ctx)
    for minutes in (0, 5, 14, 15, 29, 30):  # the worker's clock, moved by the test
        ctx.now_text, ctx._now = (NOON + timedelta(minutes=minutes)).isoformat(), None
        syncing()
    assert len(server.asked("/news.rss")) == 3  # at 12:00, 12:15 and 12:30
    assert [p["event"] for p in doc(home, "inbox", now=NOON.isoformat())] == ["news"]  # proposed once


def test_a_running_worker_syncs_once_at_start_and_not_at_every_pass(tmp_path: Path, server: FeedServer) -> None:
    home = home_with_feed(tmp_path, server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    # passes are logged at debug; its start, syncs and stop at info
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=NOON.isoformat(), TACTFUL_TZ="UTC", TACTFUL_LOG_LEVEL="debug")
    worker = subprocess.Popen([str(TACTFUL), "worker", "--poll", "0.05"], stderr=subprocess.PIPE, text=True, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # fmt: skip
    lines, passes = [], 0
    watchdog = threading.Timer(120, worker.kill)  # a worker that never logs its passes fails the test, not hangs it
    watchdog.start()
    try:
        assert worker.stderr is not None
        while passes < 5:  # its clock stands still: five passes, one sync
            line = worker.stderr.readline()
            assert line, f"the worker ended early: {''.join(lines)[-2000:]}"
            lines.append(line)
            passes += "worker pass" in line
    finally:
        watchdog.cancel()
        worker.send_signal(signal.SIGTERM)
        rest = worker.communicate(timeout=60)[1]
    assert worker.returncode == 0, rest
    assert sum("worker synced" in line for line in lines) == 1
    assert len(server.asked("/news.rss")) == 1
    assert len(doc(home, "inbox", now=NOON.isoformat())) == 1


def test_a_worker_with_a_mailbox_to_sync_and_no_password_stops_at_once(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("mailbox:\n  host: imap.example.org\n  username: me\n  every: 15 minutes\n")
    done = run(tmp_path, "worker", now=NOON.isoformat())
    assert done.returncode == 2
    assert "needs a password: set TACTFUL_IMAP_PASSWORD" in done.stderr and "Traceback" not in done.stderr
