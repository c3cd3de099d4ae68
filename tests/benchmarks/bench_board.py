"""Benchmark the board (`tactful serve`'s page at /) at 1,000 and 10,000 applications, and at
1,000 active among 100,000 stored (99,000 finished).

Not a pytest test: a script that prints figures. Run from the repository root with the web
extra installed (pip install -e '.[web,webtest]'):

    python tests/benchmarks/bench_board.py                      # 1,000 and 10,000 applications, 5 runs
    python tests/benchmarks/bench_board.py --apps 1000 --runs 3 # quick check
    python tests/benchmarks/bench_board.py --apps 1000 --finished 0 99000  # the board costs what it shows

For each size it fills a fresh SQLite home through the engine (``Engine.add_many``; interview
dates over the 60 days before ``NOW``, so some applications are due and some wait), then with
``--finished N`` adds N more and closes them (state ``closed``, final: nothing advised, no
timer; written straight into the table, as a tick would leave them, their history aside),
builds the web app as `tactful serve` does, and times, medians after one warm-up request:

* board: ``GET /`` answered in-process (Starlette's TestClient: the server's time plus a
  negligible in-memory transport), HTML rendered;
* api: ``GET /api/applications``, the same data as `list --json`;
* floor: ``list(engine.overview(now))``, the engine's work that any view of every
  application needs; the board's cost above it is the page itself.

and the page's size. With several ``--finished`` counts, each line after the first gives the
board's time and size against the first's (the goal: within 1.5x), measured again
in interleaved rounds. Figures go to stdout, with
the load average; progress to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path

import structlog
from starlette.testclient import TestClient

from tactful.cli.context import Context
from tactful.web.app import create_app
from tactful.web.config import WebConfig
from tactful.web.security import host_names

NOW = "2026-05-05T12:00:00+00:00"


def fill(home: Path, count: int, finished: int = 0) -> None:
    engine = Context(NOW, str(home)).engine()
    start = date(2026, 3, 6)
    rows = [{"company": f"Company {n}", "interviewed": (start + timedelta(days=n % 60)).isoformat(),
             "role": "Analyst", "rank": str(n % 5 + 1)} for n in range(count + finished)]  # fmt: skip
    for first in range(0, len(rows), 10_000):
        engine.add_many(rows[first : first + 10_000])
    engine.store.close()  # type: ignore[attr-defined]
    with sqlite3.connect(home / "tactful.sqlite3") as db:
        db.execute("UPDATE applications SET state = 'closed', next_due = NULL, timer = NULL, wake = NULL, "
                   "agenda = NULL WHERE id > ?", (count,))  # fmt: skip


def web_config(home: Path) -> WebConfig:
    ctx = Context(NOW, str(home))
    moment = ctx.now()
    names, _ = host_names("127.0.0.1")
    return WebConfig(open_engine=lambda: ctx.open_engine(lambda: moment), now=lambda: moment,
                     tz=moment.tzinfo, token="b" * 43, hosts=names | {"testserver"}, origins=frozenset())  # type: ignore[arg-type]  # fmt: skip


def median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: rule sets loaded, caches filled
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(count: int, finished: int, runs: int, folder: Path) -> None:
    """Fills a home with ``count`` active applications and ``finished`` finished ones, and prints
    one line of figures."""
    home = folder / f"home-{count}-{finished}"
    print(f"filling {count} applications and {finished} finished…", file=sys.stderr)
    fill(home, count, finished)
    config = web_config(home)
    with TestClient(create_app(config)) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.text.count('<article class="card') == count, "every active card"
        board = median_ms(lambda: client.get("/"), runs)
        api = median_ms(lambda: client.get("/api/applications"), runs)
    engine = config.engine()
    floor = median_ms(lambda: list(engine.overview(config.now())), runs)
    print(f"{count:>6} active {finished:>6} finished  board {board:8.1f} ms  api {api:8.1f} ms  "
          f"floor (overview) {floor:8.1f} ms  board/floor {board / floor:5.2f}  "
          f"page {len(page.content) / 1024:7.0f} KiB  load {os.getloadavg()[0]:.1f}")  # fmt: skip


def compare(count: int, finished: Sequence[int], runs: int, folder: Path) -> None:
    """The board of each home :func:`measure` filled for ``count`` against the first's, in time
    (medians of interleaved rounds: one request to each home a round, so that a change in the
    machine's load falls on both) and in size."""
    configs = [web_config(folder / f"home-{count}-{n}") for n in finished]
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(TestClient(create_app(config))) for config in configs]
        sizes = [len(client.get("/").content) for client in clients]  # and a warm-up
        times: list[list[float]] = [[] for _ in clients]
        for _ in range(runs):
            for client, taken in zip(clients, times, strict=True):
                started = time.perf_counter()
                client.get("/")
                taken.append(time.perf_counter() - started)
    base = statistics.median(times[0])
    for n, taken, size in zip(finished[1:], times[1:], sizes[1:], strict=True):
        board = statistics.median(taken)
        print(f"{count:>6} active, {n} finished against {finished[0]}: board time {board / base:.2f}x "
              f"({board * 1000:.1f} against {base * 1000:.1f} ms, medians of {runs} interleaved "
              f"rounds), size {size / sizes[0]:.2f}x  load {os.getloadavg()[0]:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--finished", type=int, nargs="+", default=[0],
                        help="finished applications stored beside each size's active ones")  # fmt: skip
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    folder = Path(tempfile.mkdtemp(prefix="tactful-bench-board-"))
    try:
        for count in args.apps:
            for finished in args.finished:
                measure(count, finished, args.runs, folder)
            if len(args.finished) > 1:
                compare(count, args.finished, args.runs, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
