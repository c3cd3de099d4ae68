"""Benchmark `tactful agenda` and `tactful list --limit N` as stores grow, each against the
same command on a store that holds only what it shows.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_agenda.py                  # 1k active among 1k, 10k, 100k stored
    python tests/benchmarks/bench_agenda.py --sizes 1000 10000 --runs 3

For each size N it builds, from one application added and thanked through the real CLI,
a store of N applications of which ``--active`` are in flight (their first inquiry call due
within the agenda's window) and the rest finished (moved on: nothing advised, no timer, as
`tactful` saves them). It measures the CPU time (user + system) of

* ``tactful agenda`` (the default window: overdue and the next 14 days), and
* ``tactful list --limit 100`` (the first page),

medians of ``--runs`` runs, and prints each as a ratio against the smallest store (N =
``--active``: the floor, a store holding only what is shown). The goal: agenda at 100k
stored / 1k active within 3x of the store of the 1k alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_tick import cli, log  # noqa: E402
from userenv import cli_env  # noqa: E402

from tactful.stores.sqlite_store import _COLUMNS, SQLiteStore  # noqa: E402

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)  # the template's call is due on 21 May: within 14 days
ADDED = "2026-05-04T17:00:00+00:00"


def template(workdir: Path) -> tuple[tuple[object, ...], list[tuple[object, ...]]]:
    home = workdir / "template"
    home.mkdir()
    cli(home, "add", "Template Co", "--interviewed", "2026-05-04", "--timezone", "UTC", now=ADDED)
    cli(home, "record", "1", "thank_you_sent", now=ADDED)
    db = sqlite3.connect(home / "tactful.sqlite3")
    row = db.execute(f"SELECT {_COLUMNS} FROM applications").fetchone()
    history = db.execute("SELECT kind, name, at, recorded, source, target, params, before FROM history").fetchall()
    db.close()
    shutil.rmtree(home)
    return row, history


def build(home: Path, size: int, active: int, made: tuple[tuple[object, ...], list[tuple[object, ...]]]) -> None:
    row, history = made
    home.mkdir(parents=True)
    SQLiteStore(home / "tactful.sqlite3").close()
    spread = max(size // active, 1)  # the active ones spread over the ids, as they would be
    rows, entries = [], []
    for app_id in range(1, size + 1):
        company = f"Company {app_id:07d}"
        if (app_id - 1) % spread == 0 and (app_id - 1) // spread < active:
            rows.append((app_id, company, *row[2:]))
        else:
            rows.append((app_id, company, "moved_on", *row[3:7], None, None, row[9], None, row[11], None, "", row[14]))
        entries += [(app_id, *h) for h in history]
    db = sqlite3.connect(home / "tactful.sqlite3", isolation_level=None)
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO applications ({_COLUMNS}) VALUES ({', '.join('?' * len(row))})", rows)
    db.executemany("INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", entries)  # fmt: skip
    db.execute("COMMIT")
    db.close()


def measure(home: Path, runs: int, *args: str) -> tuple[float, int]:
    """Median CPU seconds of ``tactful ARGS --json`` and the number of rows it printed."""
    cli(home, *args, now=NOW)  # warm the rule cache and the file cache
    times = [cli(home, *args, now=NOW)[0] for _ in range(runs)]
    import subprocess

    env = cli_env(HOME=str(home), TZ="UTC", NOW=NOW.isoformat())
    shown = subprocess.run([str(Path(sys.executable).parent / "tactful"), *args, "--json"], capture_output=True,
                           text=True, env=env, check=True).stdout  # fmt: skip
    return statistics.median(times), len(json.loads(shown))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--active", type=int, default=1000, help="applications in flight (default 1,000)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tactful-bench-agenda-"))
    try:
        made = template(workdir)
        figures = []
        for size in sorted({args.active, *args.sizes}):
            home = workdir / f"store-{size}"
            log(f"building {size:,} applications, {args.active:,} active")
            build(home, size, args.active, made)
            agenda, shown = measure(home, args.runs, "agenda")
            listed, page = measure(home, args.runs, "list", "--limit", "100")
            figures.append((size, agenda, shown, listed, page))
            log(f"{size:,}: agenda {agenda:.3f}s CPU ({shown} rows), list --limit 100 {listed:.3f}s CPU ({page} rows)")
            shutil.rmtree(home)
        print(f"\ntactful agenda / list benchmark: {args.active:,} active applications, the rest finished; "
              f"CPU seconds, median of {args.runs} runs; python {sys.version.split()[0]}")  # fmt: skip
        floor_agenda, floor_list = figures[0][1], figures[0][3]
        for size, agenda, shown, listed, page in figures:
            print(f"{size:>9,} stored: agenda {agenda:6.3f} s ({shown} rows, {agenda / floor_agenda:4.2f}x)   "
                  f"list --limit 100 {listed:6.3f} s ({page} rows, {listed / floor_list:4.2f}x)")  # fmt: skip
        worst = max(f[1] for f in figures) / floor_agenda
        print(f"agenda goal: within 3x of the {args.active:,}-only store: {'met' if worst <= 3 else 'NOT met'} "
              f"({worst:.2f}x)")  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
