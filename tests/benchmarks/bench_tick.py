"""Benchmark `Engine.tick` on a big SQLite store against the floor of the same SQL work.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_tick.py                      # 1,000,000 apps, 100,000 due, 5 runs
    python tests/benchmarks/bench_tick.py --apps 20000 --due 2000 --runs 3
    python tests/benchmarks/bench_tick.py --apps 200000 --due 20000 --runs 0 --profile

How it works:

* One application is added through the real engine and store (``Engine.add`` then
  ``record(id, "thank_you_sent")``) in a scratch file, to learn what a real row and its
  history look like. A prepared store (schema made by ``SQLiteStore``) then gets ``--apps``
  copies, bulk-inserted in one transaction: ``--due`` of them have ``next_due`` before
  ``NOW``, the rest far in the future or NULL; each gets the real history rows.
* Each run copies the prepared file (a single file: the WAL is checkpointed away) and times

  - engine: ``Engine(SQLiteStore(copy), clock).tick()``, rule loading included;
  - floor: on another copy, the same SQL in one transaction: one SELECT of the due rows
    (the store's columns and order), ``json.loads`` of the facts, a dict lookup of
    ``(state, "timer N") -> (dest, guard)``, the store's UPDATE and history INSERT per row,
    one COMMIT.

  It checks the engine's result (nothing left due, one ``timer`` history row per due
  application) and, on the first run, that the engine and the floor wrote identical tables.
* Then: a tick with nothing due (the second tick of an engine), and the tracemalloc peak of
  a tick at ``--due`` and at about a tenth of it (same file, an earlier ``now``).

Progress goes to stderr, figures to stdout. Like an embedding app, the script configures
structlog (tactful's log) to keep warnings and errors only, on stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tactful.engine import Engine
from tactful.language.rulebook import RuleBook
from tactful.runtime.machine import machine_for, timer_trigger
from tactful.stores.sqlite_store import _COLUMNS, _UPDATE, SQLiteStore

#: The moment every timed tick runs at.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: Due rows have next_due spread over the DUE_SPAN before NOW; an earlier clock at
#: NOW - 0.9 * DUE_SPAN sees about a tenth of them due (the memory comparison).
DUE_SPAN = timedelta(days=30)
NOW_TENTH = NOW - DUE_SPAN * 0.9
#: When the template application is added (its thank-you is recorded at the same moment).
ADDED = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)
NULL_SHARE = 0.15  # of the applications not due: no pending timer at all
ZONES = ("Europe/Paris", "America/New_York", "UTC", "Asia/Tokyo", "Europe/London", "America/Los_Angeles")

#: The columns the rows built here and the floor's statements are written for.
EXPECTED_COLUMNS = ("id", "company", "state", "entered", "facts", "rules", "rules_hash", "next_due", "timer", "version",
                    "wake", "notified")  # fmt: skip
UPDATE_SQL = _UPDATE  # the store's own statement
HISTORY_SQL = (
    "INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DUE_SQL = f"SELECT {_COLUMNS} FROM applications WHERE wake <= ? ORDER BY wake, id"
#: The store's queries for the first batch and for the next ones (for EXPLAIN QUERY PLAN).
FIRST_BATCH_SQL = f"{DUE_SQL} LIMIT ?"
NEXT_BATCH_SQL = (
    f"SELECT {_COLUMNS} FROM applications WHERE wake <= ? AND (wake, id) > (?, ?) ORDER BY wake, id LIMIT ?"
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def quiet_library_logs() -> None:
    """tactful logs through structlog, to whatever configuration the embedding app has; as
    such an app, keep warnings and errors only, on stderr, so stdout holds just the figures."""
    try:
        import logging

        import structlog
    except ImportError:
        return
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def clock_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


# -- building the prepared store -------------------------------------------------------


def template(workdir: Path) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """A real application row and its history rows, made by the real engine and store."""
    path = workdir / "template.sqlite3"
    store = SQLiteStore(path)
    engine = Engine(store, clock_at(ADDED))
    app = engine.add("Template Co", interviewed="2026-04-17", role="Engineer", timezone="Europe/Paris")
    engine.record(app.id or 0, "thank_you_sent")
    row = store.db.execute(f"SELECT {_COLUMNS} FROM applications WHERE id = ?", (app.id,)).fetchone()
    history = store.db.execute(
        "SELECT kind, name, at, recorded, source, target, params, before FROM history WHERE app_id = ? ORDER BY id",
        (app.id,),
    ).fetchall()
    store.close()
    path.unlink()
    return row, history


def build(path: Path, apps: int, due: int, seed: int) -> dict[str, Any]:
    """Make the prepared store at ``path``: ``apps`` applications, ``due`` of them due at NOW."""
    row, history = template(path.parent)
    _, _, state, entered, facts_text, rules, rules_hash, _, timer, version, _, _ = row
    facts = json.loads(facts_text)
    log(f"template row: state={state} timer={timer} version={version} facts={facts_text}")
    log(f"template history: {[h[:2] for h in history]}")

    store = SQLiteStore(path)  # the schema, exactly as the store makes it
    store.close()

    # A small pool of fact variants (interview day, zone), serialised the way the store does.
    variants = []
    for day in range(20):
        for tz in ZONES:
            interviewed = (datetime(2026, 4, 1) + timedelta(days=day)).date().isoformat()
            variant = {**facts, "interviewed": interviewed, "timezone": tz}
            added = [json.loads(h[6]) if h[6] else None for h in history]
            variants.append((json.dumps(variant), variant, added))

    rng = random.Random(seed)
    due_ids = set(rng.sample(range(1, apps + 1), due))
    now_ts = NOW.timestamp()
    span = int(DUE_SPAN.total_seconds())

    def app_rows() -> Iterator[tuple[Any, ...]]:
        for app_id in range(1, apps + 1):
            text = variants[app_id % len(variants)][0]
            company = f"Company {app_id:07d}"
            if app_id in due_ids:
                due = now_ts - rng.randint(1, span)
                yield (app_id, company, state, entered, text, rules, rules_hash, due, timer, version, due, None)
            elif rng.random() < NULL_SHARE:  # a state without timers
                yield (app_id, company, "follow_up_due", entered, text, rules, rules_hash, None, None, version,
                       None, None)  # fmt: skip
            else:
                later = now_ts + rng.randint(86_400, 60 * 86_400)
                yield (app_id, company, state, entered, text, rules, rules_hash, later, timer, version, later, None)

    def history_rows() -> Iterator[tuple[Any, ...]]:
        for app_id in range(1, apps + 1):
            _, variant, added = variants[app_id % len(variants)]
            for (kind, name, at, recorded, source, target, params, before), given in zip(history, added, strict=True):
                if kind == "added" and given is not None:  # the 'added' row names the company and facts given
                    given = {**given, "company": f"Company {app_id:07d}", "interviewed": variant["interviewed"],
                             "timezone": variant["timezone"]}  # fmt: skip
                    params = json.dumps(given)
                yield app_id, kind, name, at, recorded, source, target, params, before

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")  # bulk load only; the store puts WAL back on open
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-500000")
    started = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO applications ({_COLUMNS}) VALUES ({', '.join('?' * 12)})", app_rows())
    log(f"  applications inserted in {time.perf_counter() - started:.1f}s")
    db.executemany(HISTORY_SQL, history_rows())
    db.execute("COMMIT")
    log(f"  history inserted, committed in {time.perf_counter() - started:.1f}s")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()

    check = sqlite3.connect(path)
    counts = {
        "apps": check.execute("SELECT count(*) FROM applications").fetchone()[0],
        "history": check.execute("SELECT count(*) FROM history").fetchone()[0],
        "due": check.execute("SELECT count(*) FROM applications WHERE wake <= ?", (now_ts,)).fetchone()[0],
        "due_tenth": check.execute(
            "SELECT count(*) FROM applications WHERE wake <= ?", (NOW_TENTH.timestamp(),)
        ).fetchone()[0],
        "plan_first": " / ".join(r[3] for r in check.execute(f"EXPLAIN QUERY PLAN {FIRST_BATCH_SQL}", (now_ts, 500))),
        "plan_next": " / ".join(
            r[3] for r in check.execute(f"EXPLAIN QUERY PLAN {NEXT_BATCH_SQL}", (now_ts, 0.0, 0, 500))
        ),
    }
    check.close()
    assert counts["apps"] == apps and counts["due"] == due, counts
    return counts


def fresh_copy(prepared: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(prepared, target)
    os.sync()  # so write-back of the copy does not land inside the timed part
    return target


# -- the two measurements --------------------------------------------------------------


def engine_tick(path: Path, now: datetime) -> tuple[float, float, int]:
    """Seconds of a real tick, milliseconds of the empty tick that follows, number fired."""
    gc.collect()
    started = time.perf_counter()
    store = SQLiteStore(path)
    engine = Engine(store, clock_at(now))
    fired = engine.tick()
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    again = engine.tick()
    empty_ms = (time.perf_counter() - started) * 1000
    assert again == [], again
    store.close()
    return elapsed, empty_ms, len(fired)


def transitions_table() -> dict[tuple[str, str], tuple[str | None, Any]]:
    """``(state, "timer N") -> (dest, guard)`` of the first branch of every timer (not timed)."""
    rs = RuleBook().get("default")
    return {
        (state.name, timer_trigger(index)): (timer.branches[0].to, timer.branches[0].when)
        for state in rs.states.values()
        for index, timer in enumerate(state.timers)
    }


def floor_tick(path: Path, now: datetime, table: dict[tuple[str, str], tuple[str | None, Any]]) -> tuple[float, int]:
    """Seconds for the least work that makes the same writes: one SELECT, per-row UPDATE and INSERT."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):  # as SQLiteStore
        db.execute(f"PRAGMA {pragma}")
    triggers = [timer_trigger(i) for i in range(16)]
    gc.collect()
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    rows = db.execute(DUE_SQL, (now.timestamp(),)).fetchall()
    recorded = now.isoformat()
    execute = db.execute
    for app_id, company, state, _entered, facts, rules, rules_hash, next_due, timer, version, _, _ in rows:
        facts = json.loads(facts)
        dest, guard = table[(state, triggers[timer])]
        assert guard is None and dest is not None
        at = datetime.fromtimestamp(next_due, UTC).isoformat()
        values = (company, dest, at, json.dumps(facts), rules, rules_hash, None, None, None, None, app_id, version)
        if execute(UPDATE_SQL, values).rowcount != 1:
            raise RuntimeError(f"application {app_id} changed meanwhile")
        execute(HISTORY_SQL, (app_id, "timer", "timer", at, recorded, state, dest, None, None))
    db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed, len(rows)


def verify(path: Path, now: datetime, expected: int, timer_rows_before: int) -> None:
    db = sqlite3.connect(path)
    left = db.execute("SELECT count(*) FROM applications WHERE wake <= ?", (now.timestamp(),)).fetchone()[0]
    timers = db.execute("SELECT count(*) FROM history WHERE kind = 'timer'").fetchone()[0] - timer_rows_before
    db.close()
    if left != 0 or timers != expected:
        raise SystemExit(f"WRONG: {left} applications still due, {timers} timer rows added (expected {expected})")


def same_tables(engine_db: Path, floor_db: Path) -> None:
    """The engine and the floor wrote the same rows (so the floor does the same work)."""
    db = sqlite3.connect(engine_db)
    db.execute("ATTACH DATABASE ? AS f", (str(floor_db),))
    for table in ("applications", "history"):
        diff = db.execute(
            f"SELECT count(*) FROM (SELECT * FROM main.{table} EXCEPT SELECT * FROM f.{table})"
        ).fetchone()[0]
        diff += db.execute(
            f"SELECT count(*) FROM (SELECT * FROM f.{table} EXCEPT SELECT * FROM main.{table})"
        ).fetchone()[0]
        if diff:
            raise SystemExit(f"WRONG: engine and floor differ in {diff} rows of {table}")
    db.close()


def memory_of_tick(path: Path, now: datetime) -> dict[str, float]:
    """tracemalloc peak of one tick (rules loaded and machine built beforehand)."""
    store = SQLiteStore(path)
    engine = Engine(store, clock_at(now))
    machine_for(engine.rules.get("default"))
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fired = sum(1 for _ in engine.tick_each())  # streamed, as `tactful tick` does
    current, peak = tracemalloc.get_traced_memory()
    del engine
    tracemalloc.stop()
    store.close()
    mib = 1024 * 1024
    return {"fired": fired, "peak": (peak - base) / mib, "result": (current - base) / mib,
            "work": (peak - current) / mib}  # fmt: skip


def profile_tick(path: Path, now: datetime, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    store = SQLiteStore(path)
    fired = Engine(store, clock_at(now)).tick()
    profiler.disable()
    store.close()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        print(f"\n== cProfile of one tick ({len(fired)} fired), top {top} by {key} ==")
        print(out.getvalue().split("\n\n", 1)[-1].rstrip())


# -- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=1_000_000, help="applications stored (default 1,000,000)")
    parser.add_argument("--due", type=int, default=100_000, help="applications due at NOW (default 100,000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of engine and floor (default 5; 0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where the files go (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (and reuse a prepared store)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc ticks")
    parser.add_argument("--profile", action="store_true", help="also cProfile one engine tick")
    parser.add_argument("--top", type=int, default=15, help="functions listed by --profile (default 15)")
    args = parser.parse_args()
    if not 0 < args.due <= args.apps:
        parser.error("--due must be between 1 and --apps")

    if [c.strip() for c in _COLUMNS.split(",")] != list(EXPECTED_COLUMNS):
        raise SystemExit(
            f"the store's columns are now {_COLUMNS!r}; this script builds rows and the floor's SQL for "
            f"{', '.join(EXPECTED_COLUMNS)}: update build(), DUE_SQL and floor_tick() to the store's statements"
        )
    quiet_library_logs()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tactful-bench-tick-"))
    workdir.mkdir(parents=True, exist_ok=True)
    prepared = workdir / f"prepared-{args.apps}-{args.due}-{args.seed}.sqlite3"
    work = workdir / "work.sqlite3"
    try:
        if args.keep and prepared.exists():
            log(f"reusing {prepared}")
            db = sqlite3.connect(prepared)
            counts = {"due_tenth": db.execute("SELECT count(*) FROM applications WHERE wake <= ?",
                                              (NOW_TENTH.timestamp(),)).fetchone()[0]}  # fmt: skip
            db.close()
        else:
            log(f"building {args.apps:,} applications ({args.due:,} due) in {prepared}")
            started = time.perf_counter()
            counts = build(prepared, args.apps, args.due, args.seed)
            log(f"built in {time.perf_counter() - started:.1f}s, {prepared.stat().st_size / 1e6:.0f} MB, {counts}")
        db = sqlite3.connect(prepared)
        timer_rows = db.execute("SELECT count(*) FROM history WHERE kind = 'timer'").fetchone()[0]
        db.close()

        started = time.perf_counter()
        RuleBook().get("default")
        rules_ms = (time.perf_counter() - started) * 1000
        table = transitions_table()

        engine_s: list[float] = []
        empty_ms: list[float] = []
        floor_s: list[float] = []
        for run in range(1, args.runs + 1):
            elapsed, empty, fired = engine_tick(fresh_copy(prepared, work), NOW)
            if fired != args.due:
                raise SystemExit(f"WRONG: tick fired {fired}, expected {args.due}")
            verify(work, NOW, args.due, timer_rows)
            engine_s.append(elapsed)
            empty_ms.append(empty)
            floor_copy = fresh_copy(prepared, workdir / "floor.sqlite3")
            elapsed, count = floor_tick(floor_copy, NOW, table)
            assert count == args.due
            floor_s.append(elapsed)
            if run == 1:
                same_tables(work, floor_copy)
                log("engine and floor wrote identical applications and history tables")
            log(f"run {run}/{args.runs}: engine {engine_s[-1]:.2f}s  floor {floor_s[-1]:.2f}s  "
                f"empty tick {empty:.2f}ms")  # fmt: skip

        memory = []
        if not args.no_memory:
            for now, count in ((NOW, args.due), (NOW_TENTH, counts["due_tenth"])):
                log(f"tracemalloc tick with {count:,} due")
                memory.append(memory_of_tick(fresh_copy(prepared, work), now))

        print(f"\ntactful tick benchmark: {args.apps:,} applications, {args.due:,} due, {args.runs} runs, "
              f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")  # fmt: skip
        print(f"rule set load (default, once per process, inside the engine figure): {rules_ms:.0f} ms")
        load = os.getloadavg()[0]
        if load > (os.cpu_count() or 1) / 2 + 0.5:  # this script itself keeps about one CPU busy
            print(f"note: load average {load:.2f} on {os.cpu_count()} CPUs at the end; other work may have slowed runs")
        if engine_s:
            engine_med, floor_med = statistics.median(engine_s), statistics.median(floor_s)
            print(f"engine tick  median {engine_med:8.3f} s   ({engine_med / args.due * 1e6:.1f} us/app)  "
                  f"min {min(engine_s):.2f}  runs: {', '.join(f'{s:.2f}' for s in engine_s)}")  # fmt: skip
            print(f"floor        median {floor_med:8.3f} s   ({floor_med / args.due * 1e6:.1f} us/app)  "
                  f"min {min(floor_s):.2f}  runs: {', '.join(f'{s:.2f}' for s in floor_s)}")  # fmt: skip
            ratio = engine_med / floor_med
            print(f"ratio engine/floor: {ratio:.2f}  (target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")
            print(f"ratio of the minimums: {min(engine_s) / min(floor_s):.2f}")
            print(f"empty tick (second tick, nothing due) median {statistics.median(empty_ms):.2f} ms")
            print("correctness: after each engine tick 0 applications due and "
                  f"{args.due:,} 'timer' history rows added; engine and floor tables identical")  # fmt: skip
        for item in memory:
            print(f"tracemalloc tick with {item['fired']:>9,} due: peak {item['peak']:8.1f} MiB "
                  f"(held after {item['result']:.1f} MiB, working set {item['work']:.1f} MiB)")  # fmt: skip

        if args.profile:
            log("cProfile of one engine tick")
            profile_tick(fresh_copy(prepared, work), NOW, args.top)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{work}{suffix}").unlink(missing_ok=True)
                Path(f"{workdir / 'floor.sqlite3'}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
