"""Benchmark `tactful tick`, as the CLI runs it, on PostgreSQL against a plain-Python floor that
writes exactly the same rows to a copy of the same database.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_tick_pg.py                          # 1,000,000 stored, 100,000 due, 3 runs
    python tests/benchmarks/bench_tick_pg.py --apps 100000 --due 10000 --runs 3
    TACTFUL_DATABASE=postgresql://… python tests/benchmarks/bench_tick_pg.py   # a server of yours

How it works: the template database is ``bench_workers.py``'s (a throwaway cluster unless
TACTFUL_DATABASE is set; ``--due`` of ``--apps`` copies of a real application due, each with
its own timer moment). Each run makes two fresh copies of it and measures, alternating which
goes first:

* cli: ``tactful tick`` in a subprocess, exactly what a user runs (notices on, the outbox
  written and expanded for the plugins configured: none), start-up and rule loading
  included, the rule cache warm;
* floor: in this process, the least Python that writes the same rows in the same batches
  (``PostgresStore.tick_batch``, each claimed with ``FOR UPDATE SKIP LOCKED`` in its own
  transaction, as a worker must to share the work): per row ``json.loads`` of the facts, a
  dict lookup of the timer's target, the contact moment of the call it makes due, then per
  batch the store's own array ``UPDATE`` and history ``INSERT``, and the two outbox notices
  (transition, action due) as JSON, written already expanded.

Both are timed by their own CPU (user + system), and the server's CPU for each is shown
beside. After every run it checks that nothing is left due and that the two databases'
``applications``, ``history``, ``outbox`` and ``deliveries`` tables are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tick import PROBE  # noqa: E402
from bench_workers import NOW, build_template, copy_of, server_cpu  # noqa: E402
from userenv import cli_env  # noqa: E402

from tactful.stores.postgres_store import PostgresStore  # noqa: E402

TABLES = ("applications", "history", "outbox", "deliveries")
FLOORS = Path(__file__).resolve().parent / "floors.py"


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def cli(url: str, home: Path, now: str = NOW) -> tuple[float, float, int]:
    """``tactful tick`` on ``url``: its CPU seconds, wall seconds and peak memory (KiB)."""
    env = cli_env(DATABASE=url, NOW=now, TZ="UTC", HOME=str(home))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, "tick"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    wall = time.perf_counter() - started
    probe = done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []
    if done.returncode != 0 or not probe or probe[0] != "PROBE":
        raise SystemExit(f"tactful tick failed ({done.returncode}):\n{done.stderr}")
    return float(probe[1]), wall, int(probe[2])


def floor_tick(url: str, now: datetime, action: str, reason: str) -> tuple[float, float, int]:
    """CPU seconds (of its own process, start-up included, as the CLI's), wall seconds and how
    many fired, of the lean floor (``floors.py``) in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(FLOORS), "postgresql", url, now.isoformat(), action, reason,
                           str(PostgresStore.tick_batch)], env=cli_env(), capture_output=True, text=True,
                          check=False)  # fmt: skip
    wall = time.perf_counter() - started
    last = done.stdout.split()
    if done.returncode != 0 or last[:1] != ["FLOOR"]:
        raise SystemExit(f"the floor failed ({done.returncode}):\n{done.stderr}")
    return float(last[1]), wall, int(last[2])


def learned(url: str) -> tuple[str, str]:
    """The action a fired timer makes due and its reason, as the CLI wrote them."""
    with psycopg.connect(url) as conn:
        row = conn.execute('SELECT payload FROM outbox WHERE payload LIKE \'{"kind": "action_due"%\' LIMIT 1')
        payload = json.loads(row.fetchone()[0])
    return payload["action"], payload["reason"]


def digests(url: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows, ids included."""
    found = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            found[table] = conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t.id)), '') FROM {table} t"
            ).fetchone()
    return found


def check(cli_url: str, floor_url: str, due: int) -> None:
    with psycopg.connect(cli_url) as conn:
        left = conn.execute("SELECT count(*) FROM applications WHERE wake <= %s", (NOW,)).fetchone()[0]
        fired = conn.execute("SELECT count(*) FROM history WHERE kind = 'timer'").fetchone()[0]
    if left or fired != due:
        raise SystemExit(f"WRONG: {left} applications still due, {fired} timer rows (expected {due})")
    ours, theirs = digests(cli_url), digests(floor_url)
    for table in TABLES:
        if ours[table] != theirs[table]:
            raise SystemExit(f"WRONG: the CLI and the floor differ in {table}: {ours[table]} against {theirs[table]}")


def measure(
    server: str, template: str, home: Path, due: int, cli_first: bool, action: tuple[str, str]
) -> dict[str, float]:
    """One run: the CLI and the floor, each on a fresh copy; their CPU, wall and server CPU."""
    cli_url, floor_url = copy_of(server, template), copy_of(server, template)
    figures: dict[str, float] = {}
    for who in ("cli", "floor") if cli_first else ("floor", "cli"):
        served = server_cpu(server)
        if who == "cli":
            figures["cli"], figures["cli_wall"], kib = cli(cli_url, home)
            figures["cli_mib"] = kib / 1024
        else:
            figures["floor"], figures["floor_wall"], fired = floor_tick(floor_url, datetime.fromisoformat(NOW), *action)
            assert fired == due, fired
        after = server_cpu(server)
        figures[f"{who}_server"] = after - served if served is not None and after is not None else float("nan")
    check(cli_url, floor_url, due)
    return figures


def report(args: argparse.Namespace, runs: list[dict[str, float]]) -> None:
    med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    ratios = [r["cli"] / r["floor"] for r in runs]
    print(f"\ntactful tick on PostgreSQL: {args.apps:,} stored, {args.due:,} due, {len(runs)} runs, "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for who in ("cli", "floor"):
        print(f"{who:5} median {med[who]:6.2f} s CPU ({med[who] / args.due * 1e6:5.1f} us/app), "
              f"wall {med[f'{who}_wall']:.2f} s, server {med[f'{who}_server']:.2f} s CPU")  # fmt: skip
    verdict = "met" if statistics.median(ratios) <= 1.3 else "NOT met"
    print(f"ratio cli/floor (CPU, median of runs): {statistics.median(ratios):.2f} (goal <= 1.3: {verdict}); "
          f"runs: {', '.join(f'{r:.2f}' for r in ratios)}")  # fmt: skip
    both = [(r["cli"] + r["cli_server"]) / (r["floor"] + r["floor_server"]) for r in runs]
    print(f"ratio with the server's CPU added to each: {statistics.median(both):.2f}")
    print(f"peak memory of the CLI tick: {med['cli_mib']:.0f} MiB")
    print("correctness: after each run nothing is due, one timer row per due application, and the CLI's and the "
          f"floor's {', '.join(TABLES)} tables identical")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with ExitStack() as stack:
        from tests import pgcluster

        server = os.environ.get("TACTFUL_DATABASE") or stack.enter_context(pgcluster.cluster())
        home = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        say(f"building {args.apps:,} applications, {args.due:,} due …")
        template = build_template(server, args.apps, args.due)
        warm = copy_of(server, template)
        cli(warm, home)  # warms the rule cache, as any first command does, and shows what a tick announces
        action = learned(warm)
        runs = []
        for run in range(args.runs):
            runs.append(measure(server, template, home, args.due, cli_first=run % 2 == 0, action=action))
            say(f"run {run + 1}/{args.runs}: cli {runs[-1]['cli']:.2f} s CPU, floor {runs[-1]['floor']:.2f} s CPU, "
                f"ratio {runs[-1]['cli'] / runs[-1]['floor']:.2f}; tables identical")  # fmt: skip
    if runs:
        report(args, runs)


if __name__ == "__main__":
    main()
