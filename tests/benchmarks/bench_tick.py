"""Benchmark `tactful tick`, as the CLI runs it, on a big SQLite store against a plain-Python
floor that writes exactly the same rows to the same kind of store.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_tick.py                        # 1,000,000 apps, 100,000 due, 3 runs
    python tests/benchmarks/bench_tick.py --apps 100000 --due 10000 --runs 3
    python tests/benchmarks/bench_tick.py --apps 200000 --due 20000 --runs 0 --profile

How it works:

* One application is added and thanked through the real CLI in a scratch home, to learn
  what a real row, its history and its outbox look like; the same is ticked once at ``NOW``
  to learn what the tick writes for it (the reason text of the action it announces). A
  prepared store (schema made by ``SQLiteStore``) then gets ``--apps`` copies in one
  transaction: ``--due`` of them with their timer due before ``NOW``, the rest far in the
  future or with no timer; each with the real history rows and its transition notice in the
  outbox, already expanded.
* Each run copies the prepared file and measures, by CPU time (user + system):

  - cli: ``tactful tick --home HOME --now NOW`` in a subprocess, exactly what a user runs
    (notices on, the outbox written and expanded for the plugins configured: none), its
    output to /dev/null; start-up and rule loading included (the rule cache warm, as
    after any first command);
  - floor: on another copy, in this process, the least Python that writes the same rows: one
    SELECT of the due rows, per row ``json.loads`` of the facts, a dict lookup of the timer's
    target, the contact moment of the call it makes due, the state UPDATE, the history
    INSERT and the two outbox notices (the transition and the action now due) as JSON, then
    the outbox's expansion mark, one COMMIT.

  After every run it checks that nothing is left due and one timer row was added per due
  application, and that the two stores hold identical applications, history, outbox,
  outbox_mark and deliveries tables.
* The peak memory (``VmHWM``) of the CLI tick with about a tenth of ``--due`` due, one batch of the
  tick's (``--batch``'s default), two batches and all of them: past one batch it must stay flat.

Progress goes to stderr, figures to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tactful.engine import TICK_BATCH
from tactful.language.rulebook import RuleBook
from tactful.runtime.machine import timer_trigger, unguarded
from tactful.stores.sqlite_store import _COLUMNS, _UPDATE, SQLiteStore
from tactful.vocabulary.timecalc import stamp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from floors import floor_notices  # noqa: E402
from userenv import cli_env  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DUE_SPAN = timedelta(days=30)  # due rows have their timer over the DUE_SPAN before NOW
ADDED = "2026-04-20T10:00:00+00:00"
NULL_SHARE = 0.15  # of the applications not due: no pending timer at all
ZONES = ("Europe/Paris", "America/New_York", "UTC", "Asia/Tokyo", "Europe/London", "America/Los_Angeles")
TABLES = ("applications", "history", "outbox", "outbox_mark", "deliveries")
EXPECTED_COLUMNS = ("id", "company", "state", "entered", "facts", "rules", "rules_hash", "next_due", "timer", "version",
                    "wake", "notified", "agenda", "zones", "candidate")  # fmt: skip
HISTORY_SQL = (
    "INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
OUTBOX_SQL = "INSERT OR IGNORE INTO outbox (key, app_id, payload, candidate) VALUES (?, ?, ?, ?)"
DUE_SQL = f"SELECT {_COLUMNS} FROM applications WHERE wake <= ? ORDER BY wake, id"
TACTFUL = Path(sys.executable).parent / "tactful"
#: Runs the CLI and reports its own CPU seconds and peak memory on the last stderr line. The
#: peak is the process's own (``VmHWM``): Linux carries a forking parent's ``ru_maxrss`` across
#: exec, so at a million rows this script's own size would be reported as the tick's.
PROBE = (
    "import re, resource, sys\nfrom pathlib import Path\nfrom tactful.cli.main import main\n"
    "sys.argv = ['tactful', *sys.argv[1:]]\n"
    "try:\n    main()\nfinally:\n    r = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text())\n"
    "    print('PROBE', r.ru_utime + r.ru_stime, hwm.group(1) if hwm else r.ru_maxrss, file=sys.stderr)\n"
)


def memory_clocks(due: int) -> list[tuple[datetime, int]]:
    """Clocks at which about a tenth of the ``due`` applications are due, one tick batch, two
    batches and all of them (those of the four that ``due`` reaches): the due rows' timers are
    spread evenly over :data:`DUE_SPAN` before :data:`NOW`."""
    counts = sorted({max(due // 10, 1), *(n for n in (TICK_BATCH, 2 * TICK_BATCH) if n < due), due})
    return [(NOW - DUE_SPAN * (1 - n / due), n) for n in counts]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cli(home: Path, *args: str, now: datetime | str = NOW) -> tuple[float, float, int]:
    """Run ``tactful ARGS`` in ``home``: CPU seconds, wall seconds, max RSS (KiB)."""
    env = cli_env(HOME=str(home), TZ="UTC", NOW=str(now if isinstance(now, str) else now.isoformat()))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PROBE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env=env, check=False)  # fmt: skip
    wall = time.perf_counter() - started
    probe = done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []
    if done.returncode != 0 or not probe or probe[0] != "PROBE":
        raise SystemExit(f"tactful {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return float(probe[1]), wall, int(probe[2])


# -- building the prepared store -------------------------------------------------------


def template(workdir: Path) -> dict[str, Any]:
    """A real application row, its history and outbox, and what a tick at NOW writes for it."""
    home = workdir / "template"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir()
    cli(home, "add", "Template Co", "--interviewed", "2026-04-17", "--role", "Engineer", "--timezone",
        "Europe/Paris", now=ADDED)  # fmt: skip
    cli(home, "record", "1", "thank_you_sent", now=ADDED)
    db = sqlite3.connect(home / "tactful.sqlite3")
    made = {
        "row": db.execute(f"SELECT {_COLUMNS} FROM applications").fetchone(),
        "history": db.execute(
            "SELECT kind, name, at, recorded, source, target, params, before FROM history"
        ).fetchall(),
        "outbox": db.execute("SELECT key, payload FROM outbox").fetchall(),
    }
    db.close()
    cli(home, "tick", now=NOW)
    db = sqlite3.connect(home / "tactful.sqlite3")
    payloads = [json.loads(p) for (p,) in db.execute("SELECT payload FROM outbox WHERE key LIKE '%/action/%'")]
    db.close()
    [action] = payloads
    made["action"], made["reason"] = action["action"], action["reason"]
    shutil.rmtree(home)
    return made


def candidate_key(app_id: int, candidates: int) -> str:
    """The candidate of application ``app_id`` in a store of ``candidates``: the implicit one when
    there is one, else ``c0``, ``c1``, … in turn (each batch of a tick spans as many as it can)."""
    return "" if candidates == 1 else f"c{(app_id - 1) % candidates:0{len(str(candidates - 1))}d}"


def build(path: Path, apps: int, due: int, seed: int, made: dict[str, Any], candidates: int = 1) -> None:
    """The prepared store at ``path``: ``apps`` applications, ``due`` of them due at NOW, spread
    over ``candidates`` candidates (1: all the implicit candidate's)."""
    _, _, state, entered, facts_text, rules, rules_hash, _, timer, version, _, notified, _, _, _ = made["row"]
    facts = json.loads(facts_text)
    [(transition_key, transition_payload)] = made["outbox"]
    SQLiteStore(path).close()  # the schema, exactly as the store makes it
    variants = []
    for day in range(20):
        for tz in ZONES:
            interviewed = (datetime(2026, 4, 1) + timedelta(days=day)).date().isoformat()
            variants.append({**facts, "interviewed": interviewed, "timezone": tz})
    texts = [json.dumps(v) for v in variants]
    tzs = [v["timezone"] for v in variants]  # the zone the store keeps beside a row's moments
    rng = random.Random(seed)
    due_ids = set(rng.sample(range(1, apps + 1), due))
    now_ts, span = NOW.timestamp(), int(DUE_SPAN.total_seconds())

    def app_rows() -> Iterator[tuple[Any, ...]]:
        for app_id in range(1, apps + 1):
            text, tz, company = texts[app_id % len(texts)], tzs[app_id % len(texts)], f"Company {app_id:07d}"
            who = candidate_key(app_id, candidates)
            if app_id in due_ids:
                at = now_ts - rng.randint(1, span)
            elif rng.random() < NULL_SHARE:  # a state without timers or advice
                yield (app_id, company, "moved_on", entered, text, rules, rules_hash, None, None, version, None, None,
                       None, "", who)  # fmt: skip
                continue
            else:
                at = now_ts + rng.randint(86_400, 60 * 86_400)
            yield (app_id, company, state, entered, text, rules, rules_hash, at, timer, version, at, notified, at, tz,
                   who)  # fmt: skip

    def history_rows() -> Iterator[tuple[Any, ...]]:
        for app_id in range(1, apps + 1):
            for row in made["history"]:
                yield app_id, *row

    def outbox_rows() -> Iterator[tuple[Any, ...]]:
        for app_id in range(1, apps + 1):
            payload = json.loads(transition_payload)
            key = transition_key.replace("1/", f"{app_id}/", 1)
            who = candidate_key(app_id, candidates)
            payload.update(app_id=app_id, key=key, company=f"Company {app_id:07d}", candidate=who)
            yield key, app_id, json.dumps(payload), 0, who

    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")  # bulk load only; the store puts WAL back on open
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO applications ({_COLUMNS}) VALUES ({', '.join('?' * 15)})", app_rows())
    db.executemany(HISTORY_SQL, history_rows())
    db.executemany("INSERT INTO outbox (key, app_id, payload, expanded, candidate) VALUES (?, ?, ?, ?, ?)",
                   outbox_rows())  # fmt: skip
    db.execute("UPDATE outbox_mark SET upto = (SELECT max(id) FROM outbox)")
    if candidates > 1:
        db.executemany("INSERT INTO candidates (key) VALUES (?)", ((candidate_key(n, candidates),)
                                                                   for n in range(1, candidates + 1)))  # fmt: skip
    db.execute("COMMIT")
    db.execute("PRAGMA journal_mode=WAL")
    counted = db.execute("SELECT count(*) FROM applications WHERE wake <= ?", (now_ts,)).fetchone()[0]
    db.close()
    assert counted == due, counted


def fresh_copy(prepared: Path, home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    target = home / "tactful.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(prepared, target)
    os.sync()  # so write-back of the copy does not land inside the measured part
    return target


# -- the floor -------------------------------------------------------------------------


def floor_tick(path: Path, now: datetime, made: dict[str, Any]) -> tuple[float, float, int]:
    """CPU and wall seconds of the least work that makes the same writes, and how many fired."""
    rs = RuleBook().get("default")
    targets = {key: target for key, (target, _) in unguarded(rs).items()}  # (state, trigger) -> state
    action, reason, calendar = made["action"], made["reason"], rs.calendar.for_zone
    triggers = [timer_trigger(i) for i in range(16)]
    zones: dict[str, ZoneInfo] = {}
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "wal_autocheckpoint=20000"):
        db.execute(f"PRAGMA {pragma}")  # as SQLiteStore
    cpu, started = time.process_time(), time.perf_counter()
    recorded, now_ts = now.isoformat(), now.timestamp()
    db.execute("BEGIN IMMEDIATE")
    rows = db.execute(DUE_SQL, (now_ts,)).fetchall()
    updates, history, outbox = [], [], []
    for app_id, company, state, _, facts_text, rules, rules_hash, next_due, timer, version, _, _, _, kept, who in rows:
        facts = json.loads(facts_text)
        target = targets[(state, triggers[timer])]
        tz_name = facts.get("timezone") or "UTC"
        tz = zones.get(tz_name) or zones.setdefault(tz_name, ZoneInfo(tz_name))
        at = datetime.fromtimestamp(next_due, zones.get(kept) or zones.setdefault(kept, ZoneInfo(kept)))
        at_text = stamp(at)  # the timer's moment in the zone the store kept
        days, local = calendar(tz_name), at.astimezone(tz)  # the interviewer's country's holidays
        due = days.shift(local, None)
        skipped = days.holidays_between(local, due) if due != local else []
        why = f"{reason} (moved: {'; '.join(skipped)})" if skipped else reason
        due_ts = due.timestamp()
        wake = None if due_ts <= now_ts else due_ts
        updates.append((company, target, at_text, facts_text, rules, rules_hash, None, None, wake, recorded, due_ts,
                        tz_name, app_id, version))  # fmt: skip
        history.append((app_id, "timer", "timer", at_text, recorded, state, target, None, None))
        outbox += floor_notices(app_id, company, state, target, facts, tz_name, at, (action, why) if wake is None
                                else None, due, who)  # fmt: skip
    updates.sort(key=lambda row: row[-2])  # row order, as the store updates
    if db.executemany(_UPDATE, updates).rowcount != len(updates):
        raise RuntimeError("an application changed meanwhile")
    db.executemany(HISTORY_SQL, history)
    db.executemany(OUTBOX_SQL, outbox)
    db.execute("UPDATE outbox_mark SET upto = (SELECT coalesce(max(id), 0) FROM outbox)")
    db.execute("COMMIT")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - started
    db.close()
    return cpu, wall, len(rows)


# -- checks ----------------------------------------------------------------------------


def verify(path: Path, now: datetime, expected: int) -> None:
    db = sqlite3.connect(path)
    left = db.execute("SELECT count(*) FROM applications WHERE wake <= ?", (now.timestamp(),)).fetchone()[0]
    timers = db.execute("SELECT count(*) FROM history WHERE kind = 'timer' AND recorded = ?", (now.isoformat(),))
    fired = timers.fetchone()[0]
    db.close()
    if left or fired != expected:
        raise SystemExit(f"WRONG: {left} applications still due, {fired} timer rows added (expected {expected})")


def same_tables(cli_db: Path, floor_db: Path) -> None:
    """The CLI and the floor wrote the same rows, so the floor does the same work."""
    db = sqlite3.connect(cli_db)
    db.execute("ATTACH DATABASE ? AS f", (str(floor_db),))
    for table in TABLES:
        diff = sum(db.execute(f"SELECT count(*) FROM (SELECT * FROM {a}.{table} EXCEPT SELECT * FROM {b}.{table})")
                   .fetchone()[0] for a, b in (("main", "f"), ("f", "main")))  # fmt: skip
        if diff:
            raise SystemExit(f"WRONG: the CLI and the floor differ in {diff} rows of {table}")
    db.close()


# -- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=1_000_000, help="applications stored (default 1,000,000)")
    parser.add_argument("--due", type=int, default=100_000, help="applications due at NOW (default 100,000)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of the CLI and the floor (default 3)")
    parser.add_argument("--candidates", type=int, default=1, help="candidates the applications are spread over "
                        "(default 1: all the implicit candidate's)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where the files go (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (and reuse a prepared store)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory ticks")
    parser.add_argument("--profile", action="store_true", help="also cProfile one CLI tick (in this process)")
    args = parser.parse_args()
    if not 0 < args.due <= args.apps or args.candidates < 1:
        parser.error("--due must be between 1 and --apps, --candidates at least 1")
    if tuple(c.strip() for c in _COLUMNS.split(",")) != EXPECTED_COLUMNS:
        raise SystemExit(f"the store's columns are now {_COLUMNS!r}: update build() and floor_tick() to match")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tactful-bench-tick-"))
    workdir.mkdir(parents=True, exist_ok=True)
    prepared = workdir / f"prepared-{args.apps}-{args.due}-{args.candidates}-{args.seed}.sqlite3"
    try:
        made = template(workdir)
        if not (args.keep and prepared.exists()):
            log(f"building {args.apps:,} applications ({args.due:,} due, {args.candidates:,} candidates) in {prepared}")
            started = time.perf_counter()
            build(prepared, args.apps, args.due, args.seed, made, args.candidates)
            log(f"built in {time.perf_counter() - started:.0f}s, {prepared.stat().st_size / 1e6:.0f} MB")
        home, floor_home = workdir / "home", workdir / "floor"
        fresh_copy(prepared, home)
        cli(home, "tick", now="2000-01-01T00:00:00+00:00")  # warms the rule cache, as any first command does
        runs: list[tuple[float, float, float, float]] = []
        for run in range(1, args.runs + 1):
            fresh_copy(prepared, home)
            cli_cpu, cli_wall, _ = cli(home, "tick")
            verify(home / "tactful.sqlite3", NOW, args.due)
            floor_cpu, floor_wall, fired = floor_tick(fresh_copy(prepared, floor_home), NOW, made)
            assert fired == args.due, fired
            same_tables(home / "tactful.sqlite3", floor_home / "tactful.sqlite3")
            runs.append((cli_cpu, floor_cpu, cli_wall, floor_wall))
            log(f"run {run}/{args.runs}: cli {cli_cpu:.2f}s CPU ({cli_wall:.2f}s wall), floor {floor_cpu:.2f}s CPU "
                f"({floor_wall:.2f}s wall), ratio {cli_cpu / floor_cpu:.2f}; tables identical")  # fmt: skip
        memory = []
        if not args.no_memory:
            for now, due in memory_clocks(args.due):
                fresh_copy(prepared, home)
                memory.append((due, cli(home, "tick", now=now)[2] / 1024))
        print(f"\ntactful tick benchmark: {args.apps:,} applications, {args.due:,} due, {args.candidates:,} "
              f"candidate{'s' if args.candidates > 1 else ''}, {args.runs} runs, "
              f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")  # fmt: skip
        if runs:
            ratios = [c / f for c, f, _, _ in runs]
            cli_cpu, floor_cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            print(f"cli tick   median {cli_cpu:7.2f} s CPU ({cli_cpu / args.due * 1e6:5.1f} us/app), "
                  f"wall {statistics.median(r[2] for r in runs):.2f} s")  # fmt: skip
            print(f"floor      median {floor_cpu:7.2f} s CPU ({floor_cpu / args.due * 1e6:5.1f} us/app), "
                  f"wall {statistics.median(r[3] for r in runs):.2f} s")  # fmt: skip
            ratio = statistics.median(ratios)
            verdict = "met" if ratio <= 1.3 else "NOT met"
            print(f"ratio cli/floor (CPU, median of runs): {ratio:.2f}  (goal <= 1.3: {verdict})"
                  f"; runs: {', '.join(f'{r:.2f}' for r in ratios)}")  # fmt: skip
            print("correctness: after each run nothing is due, one timer row per due application, and the CLI's and "
                  f"the floor's {', '.join(TABLES)} tables identical")  # fmt: skip
        for due, mib in memory:
            print(f"peak memory (VmHWM) of the CLI tick with about {due:>7,} due: {mib:6.0f} MiB")
        if len(memory) == 4:
            print(f"memory past one batch ({TICK_BATCH:,} applications): {memory[3][1] - memory[1][1]:+.0f} MiB from "
                  f"{TICK_BATCH:,} to {args.due:,} due")  # fmt: skip
        if args.profile:
            fresh_copy(prepared, home)
            profile(home)
        load = os.getloadavg()[0]
        if load > (os.cpu_count() or 1) / 2:
            print(f"note: load average {load:.2f} on {os.cpu_count()} CPUs; CPU times are steadier than wall times")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def profile(home: Path) -> None:
    """cProfile of one CLI tick, in this process, output to /dev/null."""
    import contextlib
    import cProfile
    import io
    import pstats

    from tactful.cli.main import cli as command

    os.environ.update(TACTFUL_HOME=str(home), TACTFUL_NOW=NOW.isoformat(), TACTFUL_TZ="UTC")
    profiler = cProfile.Profile()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        profiler.runcall(command.main, ["tick"], standalone_mode=False)
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(20)
        print(f"\n== cProfile of one CLI tick, top 20 by {key} ==\n" + out.getvalue().split("\n\n", 1)[-1].rstrip())


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
