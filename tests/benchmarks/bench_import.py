"""Benchmark `tactful import` of a big CSV against a plain-Python floor that writes the same rows.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_import.py                   # 1,000,000 rows
    python tests/benchmarks/bench_import.py --rows 100000     # ~1 min
    python tests/benchmarks/bench_import.py --rows 20000 --profile

How it works:

* A CSV of ``--rows`` applications, as a job seeker's spreadsheet has them: company, interview
  date (over the ``--days`` before ``NOW``, 365 by default), role, interviewer, email, time zone (three), a decision
  date for half of them, a rank, ``no_calls`` for one in ten.
* engine: the installed ``tactful import FILE`` in a subprocess, on a new home (the CLI's own
  path: reading, checking, the rules, duplicate checks, the SQLite store, notices on).
* floor: the least Python that writes the same rows into the same schema (made by
  ``SQLiteStore``): ``csv.reader``, the facts as JSON, the default rules' dates worked out by
  hand (entered, the first inquiry timer, the wake moment: the thank-you due the next day, or
  the first inquiry timer once the thank-you has lapsed), the store's INSERTs with
  ``executemany`` in chunks, one transaction, with the page cache the store's bulk session
  takes. Also a subprocess.
* Both stores are then compared row by row (applications and history, JSON decoded).

It prints rows/s for each, the ratio engine/floor in wall time and in CPU time (the machine
may be shared: CPU time is the steadier figure), and the engine's peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tactful.stores.sqlite_store import BULK_CACHE_KIB
from tactful.vocabulary.timecalc import stamp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from userenv import cli_env  # noqa: E402

NOW = "2026-06-15T10:00:00+00:00"
ZONES = ("UTC", "Europe/Paris", "America/New_York")
HEADER = ["company", "interviewed", "role", "interviewer", "email", "timezone", "decision_by", "no_calls", "rank"]
CHUNK = 2000


def make_csv(path: Path, rows: int, seed: int, days: int) -> None:
    rng = random.Random(seed)
    first = date(2026, 6, 14) - timedelta(days=days - 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            day = first + timedelta(days=rng.randrange(days))
            decision = (day + timedelta(days=rng.randrange(5, 22))).isoformat() if rng.random() < 0.5 else ""
            writer.writerow([f"Company {n}", day.isoformat(), rng.choice(("Engineer", "Analyst", "Designer")),
                             f"Interviewer {rng.randrange(1000)}", f"hr{n}@example.com", rng.choice(ZONES),
                             decision, "yes" if rng.random() < 0.1 else "", rng.randrange(1, 6)])  # fmt: skip


def floor(csv_path: Path, db_path: Path) -> None:
    """Write the rows the engine writes, with the least Python (default rules)."""
    now = NOW
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")  # the page cache the store's bulk session takes
    app_sql = ("INSERT INTO applications (id, company, state, entered, facts, rules, rules_hash, next_due, timer, "
               "wake, notified, agenda, zones) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")  # fmt: skip
    hist_sql = ("INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")  # fmt: skip
    rules_hash = os.environ["BENCH_RULES_HASH"]
    zones = {z: ZoneInfo(z) for z in ZONES}
    nine = datetime.strptime("09:00", "%H:%M").time()
    db.execute("BEGIN IMMEDIATE")
    apps, hist, number = [], [], 0
    with csv_path.open(newline="", encoding="utf-8") as src:
        reader = csv.reader(src)
        next(reader)
        for company, interviewed, role, interviewer, email, tz, decision_by, no_calls, rank in reader:
            number += 1
            given: dict[str, Any] = {"interviewed": interviewed, "role": role, "interviewer": interviewer,
                                     "email": email, "timezone": tz}  # fmt: skip
            if decision_by:
                given["decision_by"] = decision_by
            if no_calls:
                given["no_calls"] = True
            given["rank"] = int(rank)
            day, zone = date.fromisoformat(interviewed), zones[tz]
            entered = datetime.combine(day, nine, zone)
            decided = date.fromisoformat(decision_by) if decision_by else day + timedelta(days=14)
            next_due = datetime.combine(decided + timedelta(days=3), nine, zone).timestamp()
            # the thank-you is due the next day whatever the calendar, and no longer advised two weeks on
            lapsed = datetime.fromisoformat(now) >= entered + timedelta(days=14)
            wake = next_due if lapsed else datetime.combine(day + timedelta(days=1), nine, zone).timestamp()
            facts = {"calls_made": 0, "follow_ups": 0, "callback_invited": False, **given}
            # entered keeps its IANA zone, as the store writes it; the agenda moment is the thank-you's,
            # the earliest thing advised, which is also when the application next wakes; the zone of
            # these moments is kept beside them
            apps.append((number, company, "interviewed", stamp(entered), json.dumps(facts), "default",
                         rules_hash, next_due, 0, wake, None, wake, tz))  # fmt: skip
            hist.append((number, "added", "added", now, now, "", "interviewed",
                         json.dumps({"company": company, **given}), None))  # fmt: skip
            if len(apps) >= CHUNK:
                db.executemany(app_sql, apps)
                db.executemany(hist_sql, hist)
                apps, hist = [], []
    db.executemany(app_sql, apps)
    db.executemany(hist_sql, hist)
    db.execute("COMMIT")
    db.close()


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run ``argv``; its wall time, CPU time (s) and peak memory (bytes)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def _rows(db: sqlite3.Connection, sql: str, json_cols: tuple[int, ...]) -> Iterator[tuple[Any, ...]]:
    for r in db.execute(sql):
        yield tuple(json.loads(v) if i in json_cols and v else v for i, v in enumerate(r))


def compare(engine_db: Path, floor_db: Path) -> int:
    """How many rows differ between the two stores (0: identical), read side by side."""
    differ = 0
    for sql, cols in (("SELECT * FROM applications ORDER BY id", (4,)), ("SELECT * FROM history ORDER BY id", (8,))):
        mine = _rows(sqlite3.connect(engine_db), sql, cols)
        theirs = _rows(sqlite3.connect(floor_db), sql, cols)
        for a, b in itertools.zip_longest(mine, theirs):
            if a != b:
                if not differ:
                    print(f"first difference:\n  engine {a}\n  floor  {b}", file=sys.stderr)
                differ += 1
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=365, help="interview dates over this many days before NOW")
    parser.add_argument("--runs", type=int, default=1, help="runs of each, alternately; medians are printed")
    parser.add_argument("--profile", action="store_true", help="run the engine under cProfile (top 25)")
    parser.add_argument("--floor-only", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_only:
        floor(Path(args.floor_only[0]), Path(args.floor_only[1]))
        return
    from tactful.language.rulebook import RuleBook
    from tactful.stores.sqlite_store import SQLiteStore

    exe = Path(sys.executable).parent / "tactful"
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        source = work / "apps.csv"
        print(f"writing {args.rows:,} rows to {source}", file=sys.stderr)
        make_csv(source, args.rows, args.seed, args.days)
        env = cli_env(HOME=str(work / "home"), NOW=NOW, TZ="UTC")
        env["BENCH_RULES_HASH"] = RuleBook().get("default").hash
        argv = [str(exe), "import", str(source)]
        if args.profile:
            argv = [sys.executable, "-m", "cProfile", "-s", "tottime", "-m", "tactful", "import", str(source)]
            subprocess.run(argv, env=env, check=True, stdout=sys.stderr)
            return
        warm = work / "warm.csv"  # a first, untimed run caches the bytecode, as an installed tactful has it
        with source.open(encoding="utf-8") as rows:
            warm.write_text("".join(itertools.islice(rows, 11)), encoding="utf-8")
        timed([str(exe), "import", str(warm)], {**env, "TACTFUL_HOME": str(work / "warm")})
        floor_db = work / "floor.sqlite"
        engine_runs, floor_runs = [], []
        for run in range(max(args.runs, 1)):  # alternately, so that both meet the same load on a shared machine
            print(f"run {run + 1}/{args.runs}: engine (tactful import), then floor", file=sys.stderr)
            for stale in [*(work / "home").glob("tactful.sqlite3*"), *work.glob("floor.sqlite*")]:
                stale.unlink()
            engine_runs.append(timed(argv, env))
            SQLiteStore(floor_db).close()
            floor_argv = [sys.executable, __file__, "--floor-only", str(source), str(floor_db)]
            floor_runs.append(timed(floor_argv, env))
        e_wall, e_cpu = (statistics.median(r[i] for r in engine_runs) for i in range(2))
        e_peak = max(r[2] for r in engine_runs)
        f_wall, f_cpu = (statistics.median(r[i] for r in floor_runs) for i in range(2))
        differ = compare(work / "home" / "tactful.sqlite3", floor_db)
        rows = args.rows
        print(f"rows            {rows:,} ({args.days} days of interview dates, median of {args.runs} runs)")
        print(f"engine          {rows / e_wall:,.0f} rows/s wall, {rows / e_cpu:,.0f} rows/s CPU ({e_wall:.1f} s)")
        print(f"floor           {rows / f_wall:,.0f} rows/s wall, {rows / f_cpu:,.0f} rows/s CPU ({f_wall:.1f} s)")
        print(f"ratio           {e_wall / f_wall:.2f} wall, {e_cpu / f_cpu:.2f} CPU (target: at most 2)")
        print(f"engine peak     {e_peak / 2**20:,.0f} MB max RSS (target: at most 300 MB at 1M rows)")
        print(f"stores          {'identical' if differ == 0 else f'{differ} rows differ'}")
        if differ:
            raise SystemExit(1)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
