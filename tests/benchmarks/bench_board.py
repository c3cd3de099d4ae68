"""Benchmark the board (`tactful serve`'s page at /) at 1,000 and 10,000 applications.

Not a pytest test: a script that prints figures. Run from the repository root with the web
extra installed (pip install -e '.[web,webtest]'):

    python tests/benchmarks/bench_board.py                      # 1,000 and 10,000 applications, 5 runs
    python tests/benchmarks/bench_board.py --apps 1000 --runs 3 # quick check

For each size it fills a fresh SQLite home through the engine (``Engine.add_many``; interview
dates over the 60 days before ``NOW``, so some applications are due and some wait), builds the
web app as `tactful serve` does, and times, medians after one warm-up request:

* board: ``GET /`` answered in-process (Starlette's TestClient: the server's time plus a
  negligible in-memory transport), HTML rendered;
* api: ``GET /api/applications``, the same data as `list --json`;
* floor: ``list(engine.overview(now))``, the engine's work that any view of every
  application needs; the board's cost above it is the page itself.

Figures go to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import structlog
from starlette.testclient import TestClient

from tactful.cli.context import Context
from tactful.web.app import create_app
from tactful.web.config import WebConfig
from tactful.web.security import host_names

NOW = "2026-05-05T12:00:00+00:00"


def fill(home: Path, count: int) -> None:
    engine = Context(NOW, str(home)).engine()
    start = date(2026, 3, 6)
    rows = [{"company": f"Company {n}", "interviewed": (start + timedelta(days=n % 60)).isoformat(),
             "role": "Analyst", "rank": str(n % 5 + 1)} for n in range(count)]  # fmt: skip
    engine.add_many(rows)
    engine.store.close()  # type: ignore[attr-defined]


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


def measure(count: int, runs: int, folder: Path) -> None:
    home = folder / f"home-{count}"
    print(f"filling {count} applications…", file=sys.stderr)
    fill(home, count)
    config = web_config(home)
    with TestClient(create_app(config)) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.text.count('<article class="card') == count, "every card"
        board = median_ms(lambda: client.get("/"), runs)
        api = median_ms(lambda: client.get("/api/applications"), runs)
    engine = config.engine()
    floor = median_ms(lambda: list(engine.overview(config.now())), runs)
    print(f"{count:>6} applications  board {board:8.1f} ms  api {api:8.1f} ms  floor (overview) {floor:8.1f} ms  "
          f"board/floor {board / floor:4.2f}  page {len(page.content) / 1024:7.0f} KiB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    folder = Path(tempfile.mkdtemp(prefix="tactful-bench-board-"))
    try:
        for count in args.apps:
            measure(count, args.runs, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
