"""Benchmark `tactful tick` on the same applications stored as one candidate's and spread over
many candidates: its cost per due application must not grow with the number of candidates.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_tick_candidates.py               # 1,000,000 apps, 100,000 due, 100,000 candidates
    python tests/benchmarks/bench_tick_candidates.py --apps 100000 --due 10000 --candidates 10000 --runs 3
    python tests/benchmarks/bench_tick_candidates.py --apps 100000 --due 10000 --candidates 10000 --runs 0 --profile

How it works: ``bench_tick.py``'s prepared store is built twice from the same seed, the same
rows but their candidate: once all the implicit candidate's, once spread over ``--candidates``
candidates in turn (``c0``, ``c1``, …; so that each batch of the tick spans as many candidates
as it can), with their rows in the candidates table. Each run copies both files and measures
``tactful tick`` on each by its CPU (user + system; which goes first alternates), as
``bench_tick.py`` does. After each run it checks that nothing is left due, one timer row per due
application, and that both ticks wrote the same rows but their candidate (the applications, the
history, the outbox with each notice's candidate set aside); with ``--floor``, that the floor
wrote on each store exactly the tables the CLI wrote on it. ``bench_tick.py --candidates N``
compares the CLI with its floor on such a store.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tick import (  # noqa: E402
    NOW,
    build,
    cli,
    floor_tick,
    fresh_copy,
    log,
    profile,
    same_tables,
    template,
    verify,
)

#: What a real application's rows look like, and what its tick writes (bench_tick's template).
MADE: dict[str, Any] = {}

#: What both ticks write, the candidate aside: the applications' columns but the candidate's,
#: the history, the outbox with the notices' candidate blanked.
SAME = {
    "applications": "SELECT id, company, state, entered, facts, rules, rules_hash, next_due, timer, version, wake, "
    "notified, agenda, zones FROM {db}.applications",
    "history": "SELECT * FROM {db}.history",
    "outbox": "SELECT id, key, app_id, replace(payload, '\"candidate\": \"' || candidate || '\"}', "
    '\'"candidate": ""}\'), expanded FROM {db}.outbox',
}


def same_but_candidates(one: Path, many: Path) -> None:
    db = sqlite3.connect(one)
    db.execute("ATTACH DATABASE ? AS m", (str(many),))
    for table, query in SAME.items():
        mine, theirs = query.replace("{db}", "main"), query.replace("{db}", "m")
        diff = sum(db.execute(f"SELECT count(*) FROM ({a} EXCEPT {b})").fetchone()[0]
                   for a, b in ((mine, theirs), (theirs, mine)))  # fmt: skip
        if diff:
            raise SystemExit(f"WRONG: the ticks of the two stores differ in {diff} rows of {table}")
    db.close()


def run_once(prepared: dict[int, Path], workdir: Path, due: int, order: list[int], floor: bool) -> dict[str, float]:
    """``tactful tick`` on a fresh copy of each store, in ``order``, and with ``floor`` the floor
    on another copy of each: the CPU seconds of each (``cli 1``, ``floor 1``, …)."""
    cpu = {}
    for count in order:
        home = workdir / f"home-{count}"
        fresh_copy(prepared[count], home)
        cpu[f"cli {count}"] = cli(home, "tick")[0]
        verify(home / "tactful.sqlite3", NOW, due)
    one, many = order if order[0] == 1 else order[::-1]
    same_but_candidates(workdir / f"home-{one}" / "tactful.sqlite3", workdir / f"home-{many}" / "tactful.sqlite3")
    for count in order if floor else ():
        cpu[f"floor {count}"], _, _ = floor_tick(fresh_copy(prepared[count], workdir / f"floor-{count}"), NOW, MADE)
        verify(workdir / f"floor-{count}" / "tactful.sqlite3", NOW, due)
        same_tables(workdir / f"home-{count}" / "tactful.sqlite3", workdir / f"floor-{count}" / "tactful.sqlite3")
    return cpu


def report(args: argparse.Namespace, runs: list[dict[str, float]]) -> None:
    print(f"\ntactful tick, one candidate against {args.candidates:,}: {args.apps:,} applications, {args.due:,} due, "
          f"{len(runs)} runs, python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")  # fmt: skip
    for who in ("cli", "floor") if args.floor else ("cli",):
        for count in (1, args.candidates):
            cpu = statistics.median(r[f"{who} {count}"] for r in runs)
            name = f"{who}, " + ("1 candidate" if count == 1 else f"{count:,} candidates")
            print(f"{name:>25}: median {cpu:6.2f} s CPU ({cpu / args.due * 1e6:5.1f} us/app)")
        ratios = [r[f"{who} {args.candidates}"] / r[f"{who} 1"] for r in runs]
        ratio = statistics.median(ratios)
        goal = f" (goal <= 1.1: {'met' if ratio <= 1.1 else 'NOT met'})" if who == "cli" else ""
        print(f"{who} ratio {args.candidates:,} candidates / 1 (CPU, median of runs): {ratio:.2f}{goal}; "
              f"runs: {', '.join(f'{r:.2f}' for r in ratios)}")  # fmt: skip
    print(
        "correctness: after each run nothing is due, one timer row per due application, and both ticks wrote the "
        "same applications, history and outbox rows but their candidate"
        + ("; on each store the floor wrote the tables the CLI wrote (tables identical)" if args.floor else "")
    )
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) / 2:
        print(f"note: load average {load:.2f} on {os.cpu_count()} CPUs; CPU times are steadier than wall times")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=1_000_000, help="applications stored (default 1,000,000)")
    parser.add_argument("--due", type=int, default=100_000, help="applications due at NOW (default 100,000)")
    parser.add_argument("--candidates", type=int, default=100_000, help="candidates of the second store "
                        "(default 100,000)")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floor", action="store_true", help="also time bench_tick.py's floor on each store (what the "
                        "same writes cost the least Python)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="also cProfile one CLI tick of the many candidates")
    args = parser.parse_args()
    if not 0 < args.due <= args.apps or args.candidates < 2:
        parser.error("--due must be between 1 and --apps, --candidates at least 2")
    workdir = Path(tempfile.mkdtemp(prefix="tactful-bench-tick-candidates-"))
    try:
        MADE.update(template(workdir))
        prepared = {count: workdir / f"prepared-{count}.sqlite3" for count in (1, args.candidates)}
        for count, path in prepared.items():
            log(f"building {args.apps:,} applications ({args.due:,} due) of {count:,} candidate(s)")
            started = time.perf_counter()
            build(path, args.apps, args.due, args.seed, MADE, count)
            log(f"built in {time.perf_counter() - started:.0f}s, {path.stat().st_size / 1e6:.0f} MB")
        fresh_copy(prepared[1], workdir / "home-1")
        cli(workdir / "home-1", "tick", now="2000-01-01T00:00:00+00:00")  # warms the bytecode and rule caches
        runs = []
        for run in range(args.runs):
            order = [1, args.candidates] if run % 2 == 0 else [args.candidates, 1]
            runs.append(run_once(prepared, workdir, args.due, order, args.floor))
            log(f"run {run + 1}/{args.runs}: " + ", ".join(f"{key} {cpu:.2f}s" for key, cpu in runs[-1].items()))
        if runs:
            report(args, runs)
        if args.profile:
            home = workdir / "home-profile"
            fresh_copy(prepared[args.candidates], home)
            profile(home)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
