"""Benchmark the CLI's start-up, command by command, against the import floor.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_startup.py              # 1,250 applications, 11 rounds
    python tests/benchmarks/bench_startup.py --runs 21 --profile

It makes a TACTFUL_HOME in a temp folder, imports ``--apps`` applications with the real
``tactful import FILE`` (a generated CSV with company, interviewed, role, timezone, rank;
interview dates spread so that some applications are due at TACTFUL_NOW and some not), runs
one tick (so that a tick then has nothing due), then times, as subprocesses with output
discarded, after one warm-up run each, taking turns (a run of each, then the next round) so
that a change in the machine's load meanwhile touches all alike:

* the floor: ``python -c "import click, sqlite3, json, zoneinfo"`` (same python): what any
  Python CLI over SQLite with time zones imports;
* ``tactful --version``, ``show 1``, ``can 1 call``, ``record 1 news --text …``, ``tick`` (with
  nothing due) and ``agenda`` (about 1,500 items at 1,250 applications), each with
  TACTFUL_HOME and TACTFUL_NOW set;
* ``python -c pass``, for reference.

It prints each command's median in ms, its ratio to the floor's and the goal (issue 25:
``--version`` within 1.2x, ``show``, ``can``, ``record`` and an idle tick 1.5x, ``agenda``
2.5x), and the load average before and after. ``--profile`` also prints the biggest
``python -X importtime`` entries, the wall time of each phase of `agenda` (imports, rule
file, engine, output) and a cProfile of `tactful agenda` in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

NOW = "2026-06-01T10:00:00+00:00"
TODAY = date(2026, 6, 1)
FLOOR = "import click, sqlite3, json, zoneinfo"
#: The commands timed: (name, arguments, goal as a ratio to the floor).
COMMANDS = (
    ("--version", ["--version"], 1.2),
    ("show", ["show", "1"], 1.5),
    ("can", ["can", "1", "call"], 1.5),
    ("record", ["record", "1", "news", "--text", "They moved the start date"], 1.5),
    ("tick (idle)", ["tick"], 1.5),
    ("agenda", ["agenda"], 2.5),
)
ZONES = ("Europe/Paris", "America/New_York", "UTC", "Asia/Tokyo", "Europe/London")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def tactful_exe() -> str:
    exe = Path(sys.executable).with_name("tactful")
    if not exe.exists():
        raise SystemExit(f"no tactful script next to {sys.executable}; install tactful in that environment")
    return str(exe)


def make_home(home: Path, apps: int, seed: int) -> None:
    """``apps`` applications through `tactful import`; interviews 0–60 days before NOW."""
    rng = random.Random(seed)
    csv_path = home.parent / "apps.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["company", "interviewed", "role", "timezone", "rank"])
        for number in range(1, apps + 1):
            interviewed = TODAY - timedelta(days=rng.randint(0, 60))
            role = rng.choice(["Engineer", "Analyst", "Designer"])
            zone = rng.choice(ZONES)
            writer.writerow([f"Company {number:04d}", interviewed.isoformat(), role, zone, rng.randint(1, 9)])
    env = {**os.environ, "TACTFUL_HOME": str(home), "TACTFUL_NOW": NOW}
    started = time.perf_counter()
    subprocess.run([tactful_exe(), "import", str(csv_path)], env=env, check=True, stdout=subprocess.DEVNULL)
    log(f"imported {apps} applications in {time.perf_counter() - started:.1f}s")


def timed(commands: list[list[str]], env: dict[str, str], runs: int) -> list[list[float]]:
    """Milliseconds of each of ``runs`` runs of each command, after one warm-up run each.

    The commands take turns (one run of each, then the next round), so that a machine that
    gets busier or quieter meanwhile slows or speeds them alike and their ratio holds.
    """
    for argv in commands:
        done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode not in (0, 1):  # 1: a "no" (`can`)
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr}")
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, spent in zip(commands, times, strict=True):
            started = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            spent.append((time.perf_counter() - started) * 1000)
    return times


def importtime(env: dict[str, str], top: int) -> None:
    """The modules whose import costs most (cumulative and self), by ``-X importtime``."""
    code = "import sys; from tactful.cli.main import main; sys.argv = ['tactful', 'agenda']; main()"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, check=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(cumulative), name.rstrip()))
    total = sum(r[0] for r in rows)
    print(f"\n== python -X importtime of tactful agenda: {len(rows)} modules, {total / 1000:.1f} ms of imports ==")
    top_level = sorted((r for r in rows if not r[2].startswith("  ")), key=lambda r: -r[1])
    print(f"top-level imports by cumulative ms (first {top}):")
    for _own, cumulative, name in top_level[:top]:
        print(f"  {cumulative / 1000:7.1f}  {name.strip()}")
    print(f"modules by self ms (first {top}):")
    for own, _, name in sorted(rows, key=lambda r: -r[0])[:top]:
        print(f"  {own / 1000:7.1f}  {name.strip()}")


PHASES = """
import os, sys, time
t0 = time.perf_counter()
import tactful.cli.main
t1 = time.perf_counter()
from tactful.cli.context import Context, user_zone
from tactful.cli.output import local, table
ctx = Context(os.environ["TACTFUL_NOW"], os.environ["TACTFUL_HOME"])
engine = ctx.engine()
now = ctx.now()
t2 = time.perf_counter()
yaml_before = "ruamel.yaml" in sys.modules
engine.rules.get(engine.default_rules)
yaml_read = "ruamel.yaml" in sys.modules and not yaml_before
t3 = time.perf_counter()
items = engine.agenda(now)
t4 = time.perf_counter()
tz = user_zone()
rows = [("now" if a.due <= now else "", local(a.due, tz), app.id, app.company, a.action, a.reason) for app, a in items]
text = table(("", "due", "id", "company", "action", "why"), rows)
t5 = time.perf_counter()
items = engine.agenda(now)
t6 = time.perf_counter()
from tactful.language.loader import read_merged
t7 = time.perf_counter()
read_merged(engine.default_rules)
t8 = time.perf_counter()
ms = lambda a, b: f"{(b - a) * 1000:6.1f} ms"
print("import tactful.cli.main                              ", ms(t0, t1))
print("open the store, make the engine                      ", ms(t1, t2))
print("load the rule set as the CLI does                    ", ms(t2, t3),
      "(YAML parsed)" if yaml_read else "(no YAML parsed: cached)")
print("engine.agenda, first call (imports transitions...)   ", ms(t3, t4))
print("format the table                                     ", ms(t4, t5))
print("engine.agenda, second call (all warm)                ", ms(t5, t6))
print("for reference: read + compose the YAML, no cache     ", ms(t7, t8))
"""


def phases(env: dict[str, str]) -> None:
    """Wall time of each phase of `tactful agenda`, in a fresh interpreter, no profiler."""
    print("\n== phases of tactful agenda (fresh interpreter, after interpreter start-up) ==")
    sys.stdout.flush()
    subprocess.run([sys.executable, "-c", PHASES], env=env, check=True)


def cprofile(env: dict[str, str], top: int) -> None:
    """cProfile of one `tactful agenda`, imports included, in a fresh interpreter."""
    code = f"""
import cProfile, io, pstats, sys
profiler = cProfile.Profile()
profiler.enable()
from tactful.cli.main import main
sys.argv = ["tactful", "agenda"]
real_stdout, sys.stdout = sys.stdout, io.StringIO()
try:
    main()
except SystemExit:
    pass
profiler.disable()
sys.stdout = real_stdout
for key in ("cumulative", "tottime"):
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats({top})
    print(f"\\n== cProfile of tactful agenda, top {top} by {{key}} ==")
    print(out.getvalue().split("\\n\\n", 1)[-1].rstrip())
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=1250, help="applications imported (default 1,250)")
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each command (at least 5; default 11)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--env-as-is",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE etc. as set (default: bytecode cached in the temp folder)",
    )
    parser.add_argument("--profile", action="store_true", help="also -X importtime and cProfile of agenda")
    parser.add_argument("--top", type=int, default=15, help="entries listed by --profile (default 15)")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5")

    workdir = Path(tempfile.mkdtemp(prefix="tactful-bench-startup-"))
    try:
        home = workdir / "home"
        make_home(home, args.apps, args.seed)
        env = {**os.environ, "TACTFUL_HOME": str(home), "TACTFUL_NOW": NOW}
        if not args.env_as_is:
            # As an installed tactful runs: with its bytecode cached. The cache goes in the
            # temp folder (not the source tree); the warm-up run writes it, for both commands.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
        bytecode = "as the environment has it" if args.env_as_is else "cached (PYTHONPYCACHEPREFIX in the temp folder)"
        agenda = subprocess.run(
            [tactful_exe(), "agenda", "--json"], env=env, check=True, capture_output=True, text=True
        )
        overdue = agenda.stdout.count('"overdue": true')
        upcoming = agenda.stdout.count('"overdue": false')
        log(f"agenda lists {overdue} overdue and {upcoming} upcoming items")

        subprocess.run([tactful_exe(), "tick"], env=env, check=True, capture_output=True)  # the tick after: idle
        commands = [[sys.executable, "-c", FLOOR], [sys.executable, "-c", "pass"]]
        commands += [[tactful_exe(), *argv] for _, argv, _ in COMMANDS]
        load_before = os.getloadavg()
        log(f"timing {len(COMMANDS)} commands, the import floor and an empty interpreter, {args.runs} rounds")
        floor_ms, bare_ms, *command_ms = timed(commands, env, args.runs)
        load_after = os.getloadavg()
        floor = statistics.median(floor_ms)
        print(
            f"\nstart-up: {args.apps:,} applications ({overdue} overdue, {upcoming} upcoming agenda items), "
            f"{args.runs} rounds in turn after a warm-up, python {sys.version.split()[0]}, bytecode {bytecode}"
        )
        print(
            f"load average (1, 5, 15 min) {' '.join(f'{x:.1f}' for x in load_before)} before, "
            f"{' '.join(f'{x:.1f}' for x in load_after)} after, on {os.cpu_count()} CPUs"
        )
        print(f"{'floor: ' + FLOOR:48} median {floor:7.1f} ms")
        print(f"{'python -c pass':48} median {statistics.median(bare_ms):7.1f} ms   (for reference)")
        for (name, _, goal), spent in zip(COMMANDS, command_ms, strict=True):
            ratio = statistics.median(spent) / floor
            print(
                f"{'tactful ' + name:48} median {statistics.median(spent):7.1f} ms   ratio {ratio:4.2f}  "
                f"(goal <= {goal}: {'met' if ratio <= goal else 'NOT met'})"
            )

        if args.profile:
            phases(env)
            importtime(env, args.top)
            cprofile(env, args.top)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
