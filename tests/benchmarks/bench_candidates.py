"""Benchmark one candidate's commands in a store of many candidates against the same candidate
alone in a store, on SQLite and PostgreSQL.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_candidates.py                      # 10,000 candidates x 10, 5 rounds
    python tests/benchmarks/bench_candidates.py --backends sqlite --rounds 3
    TACTFUL_DATABASE=postgresql://… python tests/benchmarks/bench_candidates.py   # a server of yours

How it works: a CSV of ``--candidates`` candidates with ``--per`` applications each (interview
dates 3, 7, 11, … days before NOW, ranks 1, 2, 3, …, six zones) is imported with ``tactful
import`` (its ``candidate`` column makes the candidates) into the big store, and the rows of one
candidate, the middle one, into a store of their own; both are then ticked at NOW. On
PostgreSQL the two are template databases (a throwaway cluster unless TACTFUL_DATABASE is set).

Each round makes a fresh copy of each store (which goes first alternates) and runs, as that
candidate, with the CPU (user + system) of each command's process: ``record A offer``,
``record A accepted`` (A: their rank-3 application), ``agenda``, ``list``, ``show A`` and ``can
B call`` (B: their first choice; the answer is no once A is accepted). On PostgreSQL the
server's CPU for each command is measured too. After each round it checks that ``list --json``
shows the same applications in both stores. It prints the medians and the ratio big/alone of
each command (goal: within 1.2).

The candidate is given as a user gives it, with ``--candidate``'s environment variable,
``TACTFUL_CANDIDATE``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import pickle
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_workers import copy_of, server_cpu  # noqa: E402
from tests.benchmarks.userenv import cli_env  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ZONES = ("Europe/Paris", "America/New_York", "UTC", "Asia/Tokyo", "Europe/London", "America/Los_Angeles")
#: Runs the CLI; with BENCH_TRACE, every SELECT it runs (SQLite: with its values in;
#: PostgreSQL: and its parameters) is added to that file, pickled, for their plans.
RUNNER = (
    "import os, sys\n"
    "if os.environ.get('BENCH_TRACE'):\n"
    "    import pickle, sqlite3, psycopg\n"
    "    out = open(os.environ['BENCH_TRACE'], 'ab', buffering=0)\n"
    "    def keep(sql, params=None):\n"
    "        if isinstance(sql, str) and sql.lstrip()[:6].upper() == 'SELECT':\n"
    "            pickle.dump((sql, params), out)\n"
    "    connect, execute = sqlite3.connect, psycopg.Connection.execute\n"
    "    def traced(*args, **kwargs):\n"
    "        db = connect(*args, **kwargs)\n"
    "        db.set_trace_callback(keep)\n"
    "        return db\n"
    "    def pg_traced(self, query, params=None, **kwargs):\n"
    "        keep(query, params)\n"
    "        return execute(self, query, params, **kwargs)\n"
    "    sqlite3.connect, psycopg.Connection.execute = traced, pg_traced\n"
    "from tactful.cli.main import main\n"
    "sys.argv = ['tactful', *sys.argv[1:]]\n"
    "main()\n"
)
LABELS = ("record offer", "record accepted", "agenda", "list", "show", "can")


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def key_of(number: int, candidates: int) -> str:
    return f"c{number:0{len(str(candidates - 1))}d}"


def rows(candidates: int, per: int, only: int | None = None) -> Iterator[list[Any]]:
    """The import's rows: ``per`` applications of each candidate (of candidate ``only``)."""
    for c in range(candidates) if only is None else (only,):
        for i in range(per):
            interviewed = (NOW - timedelta(days=3 + 4 * i)).date().isoformat()
            yield [f"Company {c}-{i}", interviewed, i + 1, ZONES[(c + i) % len(ZONES)], key_of(c, candidates)]


def write_csv(path: Path, lines: Iterator[list[Any]]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["company", "interviewed", "rank", "timezone", "candidate"])
        writer.writerows(lines)
    return path


class Runner:
    """Runs tactful commands as one candidate, on a home or database, and times them."""

    def __init__(self, home: Path, candidate: str, server: str | None = None) -> None:
        self.home, self.candidate, self.server = home, candidate, server
        self.trace: Path | None = None

    def env(self, database: str | None, candidate: str | None) -> dict[str, str]:
        extra = {"DATABASE": database} if database else {}
        if candidate is not None:
            extra["CANDIDATE"] = candidate
        env = cli_env(HOME=str(self.home), NOW=NOW.isoformat(), TZ="UTC", **extra)
        if self.trace:
            env["BENCH_TRACE"] = str(self.trace)
        return env

    def run(self, database: str | None, *args: str, candidate: str | None = "") -> tuple[float, float, str]:
        """``tactful ARGS`` as the candidate (``candidate=None``: as nobody in particular): its CPU
        seconds, the server's (0 for SQLite) and its output. A "no" (exit 1) of `can` is an answer."""
        who = self.candidate if candidate == "" else candidate
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        served = server_cpu(self.server) if self.server else None
        done = subprocess.run([sys.executable, "-c", RUNNER, *args], capture_output=True, text=True,
                              env=self.env(database, who), check=False)  # fmt: skip
        served_after = server_cpu(self.server) if self.server else None
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in ((0, 1) if args[0] == "can" else (0,)) or "Traceback" in done.stderr:
            raise SystemExit(f"tactful {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        server = served_after - served if served is not None and served_after is not None else 0.0
        return cpu, server, done.stdout


# -- the stores ------------------------------------------------------------------------


class SQLiteStores:
    """The two stores as SQLite files; a fresh copy of one in a home of its own per round."""

    name = "SQLite"

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.trace = workdir, workdir / "trace-sqlite.pickle"
        self.prepared: dict[str, Path] = {}
        self.ids: dict[str, list[int]] = {}  # the candidate's applications in each

    def prepare(self, which: str, source: Path, runner: Runner) -> None:
        path = self.prepared[which] = self.workdir / f"prepared-{which}.sqlite3"
        runner.run(str(path), "import", str(source), candidate=None)
        runner.run(str(path), "tick", candidate=None)
        with sqlite3.connect(path) as db:
            found = db.execute("SELECT id FROM applications WHERE candidate = ? ORDER BY id", (runner.candidate,))
            self.ids[which] = [row[0] for row in found]

    def fresh(self, which: str) -> str | None:
        target = self.workdir / "home" / "tactful.sqlite3"
        target.parent.mkdir(exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.prepared[which], target)
        return None

    def done(self, database: str | None) -> None:
        pass

    def scans(self, selects: list[tuple[str, Any]]) -> list[str]:
        """The plan steps of ``selects`` that read a table whole in the big store (``SCAN``)
        rather than by an index (``SEARCH``)."""
        found = []
        with sqlite3.connect(f"file:{self.prepared['big']}?mode=ro", uri=True) as db:
            for sql, _ in selects:
                for *_, step in db.execute(f"EXPLAIN QUERY PLAN {sql}"):
                    if step.startswith("SCAN") and "CONSTANT ROW" not in step:
                        found.append(f"{step}: {short(sql)}")
        return found


class PostgresStores:
    """The two stores as template databases; a fresh copy of one per round, dropped after it."""

    name = "PostgreSQL"

    def __init__(self, server: str, workdir: Path) -> None:
        self.server, self.trace = server, workdir / "trace-postgresql.pickle"
        self.prepared: dict[str, str] = {}
        self.ids: dict[str, list[int]] = {}  # the candidate's applications in each

    def prepare(self, which: str, source: Path, runner: Runner) -> None:
        url = copy_of(self.server, "template0")
        runner.run(url, "import", str(source), candidate=None)
        runner.run(url, "tick", candidate=None)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            found = conn.execute("SELECT id FROM applications WHERE candidate = %s ORDER BY id", (runner.candidate,))
            self.ids[which] = [row[0] for row in found]
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.server, autocommit=True) as admin:  # a template must have no connections
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        self.prepared[which] = name

    def fresh(self, which: str) -> str | None:
        return copy_of(self.server, self.prepared[which])

    def done(self, database: str | None) -> None:
        with psycopg.connect(self.server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{str(database).rsplit("/", 1)[1]}"')

    #: The tables a plan must not read whole (the tiny ones, rulesets and the schema's version, may be).
    TABLES = ("applications", "history", "outbox", "deliveries", "candidates")

    def scans(self, selects: list[tuple[str, Any]]) -> list[str]:
        """The plan nodes of ``selects`` that read one of :attr:`TABLES` whole in a copy of the
        big store (``Seq Scan``)."""
        found, url = [], self.fresh("big")
        try:
            with psycopg.connect(url) as conn:
                for sql, params in selects:
                    for (step,) in conn.execute(f"EXPLAIN {sql}", params):
                        if any(f"Seq Scan on {table} " in f"{step} " for table in self.TABLES):
                            found.append(f"{step.strip()}: {short(sql)}")
        finally:
            self.done(url)
        return found


# -- the rounds ------------------------------------------------------------------------


def commands(ids: list[int]) -> list[tuple[str, ...]]:
    """The commands timed, in order: an offer and its acceptance at the candidate's rank-3
    application, then what they read."""
    offered, first = str(ids[2]), str(ids[0])
    deadline = (NOW + timedelta(days=5)).date().isoformat()
    return [("record", offered, "offer", "--deadline", deadline), ("record", offered, "accepted"), ("agenda",),
            ("list",), ("show", offered), ("can", first, "call")]  # fmt: skip


def one_round(stores: Any, runner: Runner, which: str, ids: list[int]) -> tuple[list[tuple[float, float]], Any]:
    """Every command once on a fresh copy of store ``which``: (CPU, server CPU) of each, and what
    ``list --json`` shows afterwards (company, state, next action and when), for the comparison."""
    database = stores.fresh(which)
    try:
        times = [runner.run(database, *args)[:2] for args in commands(ids)]
        listed = json.loads(runner.run(database, "list", "--json")[2])
    finally:
        stores.done(database)
    shown = [(a["company"], a["state"], a["next_action"], a["next_due"]) for a in listed]
    return times, shown


def measure(stores: Any, runner: Runner, rounds: int) -> dict[str, list[list[tuple[float, float]]]]:
    ids = stores.ids
    if len(ids["big"]) != len(ids["alone"]) or len(ids["alone"]) < 3:
        raise SystemExit(f"WRONG: the candidate has {len(ids['big'])} and {len(ids['alone'])} applications")
    runner.trace = stores.trace  # and the statements the candidate's commands run
    for which in ("big", "alone"):  # warms the bytecode and rule caches, as any first command does
        one_round(stores, runner, which, ids[which])
        runner.trace = None
    figures: dict[str, list[list[tuple[float, float]]]] = {"big": [], "alone": []}
    for number in range(rounds):
        shown = {}
        for which in ("big", "alone") if number % 2 == 0 else ("alone", "big"):
            times, shown[which] = one_round(stores, runner, which, ids[which])
            figures[which].append(times)
        if shown["big"] != shown["alone"]:
            raise SystemExit(f"WRONG: the candidate's list differs:\n{shown['big']}\n{shown['alone']}")
        say(f"{stores.name} round {number + 1}/{rounds}: "
            + ", ".join(f"{label} {b[0]:.3f}/{a[0]:.3f}" for label, b, a in
                        zip(LABELS, figures["big"][-1], figures["alone"][-1], strict=True)))  # fmt: skip
    return figures


def report(name: str, figures: dict[str, list[list[tuple[float, float]]]], server: bool) -> None:
    """Print the medians and ratios of one back end: the command's own CPU, and with the
    server's added (PostgreSQL)."""
    print(f"\n{name}: CPU seconds of the command (median of {len(figures['big'])} rounds), big store / alone"
          + ("; and with the server's CPU added" if server else ""))  # fmt: skip
    worst = {"own": 0.0, "with server": 0.0}
    for index, label in enumerate(LABELS):
        line = f"  {label:16}"
        for what, with_server in (("own", False), ("with server", True))[: 2 if server else 1]:
            big, alone = (statistics.median(r[index][0] + with_server * r[index][1] for r in figures[which])
                          for which in ("big", "alone"))  # fmt: skip
            worst[what] = max(worst[what], big / alone)
            line += f"  {what:>11}: {big:6.3f} s {alone:6.3f} s ratio {big / alone:4.2f}"
        print(line)
    for what, ratio in worst.items():
        if ratio:
            print(f"  worst ratio ({what}) {ratio:.2f} (goal <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'})")


def short(sql: str) -> str:
    """A statement on one line, its columns left out."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", " ".join(sql.split()), count=1)[:200]


def report_plans(stores: Any) -> None:
    """Explain on the big store the SELECTs the candidate's commands ran (in the warm-up round)."""
    selects: dict[str, tuple[str, Any]] = {}
    with stores.trace.open("rb") as traced, contextlib.suppress(EOFError):
        while True:
            sql, params = pickle.load(traced)
            selects.setdefault(f"{sql}{params!r}", (sql, params))
    scans = stores.scans(list(selects.values()))
    print(f"  plans: of the {len(selects)} distinct SELECTs the candidate's commands ran, explained on the big "
          f"store, {len(scans)} read a table whole" + "".join(f"\n    {scan}" for scan in scans))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=10_000, help="candidates in the big store (default 10,000)")
    parser.add_argument("--per", type=int, default=10, help="applications of each (default 10; at least 3)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.per < 3 or args.candidates < 1:
        parser.error("--per must be at least 3 and --candidates at least 1")
    middle = args.candidates // 2
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tactful-bench-candidates-")))
        sources = {"big": write_csv(workdir / "big.csv", rows(args.candidates, args.per)),
                   "alone": write_csv(workdir / "alone.csv", rows(args.candidates, args.per, only=middle))}  # fmt: skip
        for backend in args.backends:
            runner = Runner(workdir / "home", key_of(middle, args.candidates))
            if backend == "sqlite":
                stores: Any = SQLiteStores(workdir)
            else:
                from tests import pgcluster

                runner.server = os.environ.get("TACTFUL_DATABASE") or stack.enter_context(pgcluster.cluster())
                stores = PostgresStores(runner.server, workdir)
            say(f"{stores.name}: importing {args.candidates:,} candidates x {args.per} applications, and the "
                f"candidate {runner.candidate} alone; ticking both")  # fmt: skip
            for which in ("big", "alone"):
                stores.prepare(which, sources[which], runner)
            figures = measure(stores, runner, args.rounds)
            print(f"\ntactful commands of one candidate ({runner.candidate}, {args.per} applications) in a store of "
                  f"{args.candidates:,} candidates x {args.per} ({args.candidates * args.per:,}) against the same "
                  f"candidate alone, as --candidate; python {sys.version.split()[0]}, "
                  f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")  # fmt: skip
            report(stores.name, figures, server=backend == "postgresql")
            report_plans(stores)
        print(
            "correctness: after each round the candidate's `list --json` (company, state, next action and when) "
            "is the same in both stores"
        )


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
