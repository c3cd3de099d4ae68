"""Benchmark `tactful report` over a big search against a floor that reads the same rows with
plain SQL and counts in Python.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_report.py                   # 10,000 applications
    python tests/benchmarks/bench_report.py --apps 2000 --runs 1

How it works:

* The search of tests/searches.py (nine applications: an offer declined, five rejections at
  4 to 9 days late, two ghosts called twice, one small company waiting) is made in process,
  exported, and copied until there are ``--apps`` applications with their history (each copy a
  company of its own), then imported into a new home with `tactful import`.
* engine: the installed ``tactful report --json`` in a subprocess (start-up, the rules, the
  store, the stories and the numbers, the JSON printed).
* floor: a subprocess with the least Python that gives the same funnel: one SELECT of the
  applications and one of their history (ordered), the facts and parameters decoded as JSON,
  then the outcomes, the follow-ups answered before the next timer, the days late and the
  ghosts counted in plain loops. The script checks that its funnel equals the report's.

It prints the CPU time (user + system) of each, their ratio per run and the median ratio, and
the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from userenv import cli_env  # noqa: E402

from tests.searches import NOW, home_with_search  # noqa: E402

EXE = Path(sys.executable).parent / "tactful"
FOLLOW_UPS = {"called", "note_sent", "emailed"}


def build(home: Path, apps: int, work: Path) -> None:
    """A home with ``apps`` applications: copies of the search of tests/searches.py."""
    seed = work / "seed"
    home_with_search(seed)
    env = cli_env(HOME=str(seed), NOW=NOW, TZ="UTC")
    rows = json.loads(subprocess.run([str(EXE), "export", "--json"], env=env, check=True, capture_output=True,
                                     text=True).stdout)  # fmt: skip
    made = []
    for n in range(apps):
        row = dict(rows[n % len(rows)])
        row.update(id=n + 1, company=f"{row['company']} {n}")
        if n >= len(rows):
            row["rules_tree"] = None  # the rule set's copy travels with its first row only
        made.append(row)
    (work / "rows.json").write_text("[\n" + ",\n".join(map(json.dumps, made)) + "\n]\n")  # a row a line, as exported
    subprocess.run([str(EXE), "import", str(work / "rows.json")], env=cli_env(HOME=str(home), NOW=NOW, TZ="UTC"),
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def floor(db: Path) -> dict[str, int]:
    """The funnel, response, lateness and ghosting, counted in plain Python from plain SQL."""
    con = sqlite3.connect(db)
    apps = {i: [state, json.loads(facts), []] for i, state, facts in
            con.execute("SELECT id, state, facts FROM applications WHERE candidate = '' ORDER BY id")}  # fmt: skip
    for app_id, kind, name, at, target, params in con.execute(
        "SELECT app_id, kind, name, at, target, params FROM history ORDER BY app_id, at, id"
    ):
        if app_id in apps:
            apps[app_id][2].append((kind, name, at, target, json.loads(params) if params else {}))
    funnel = dict.fromkeys(("interviews", "answered", "offer", "declined", "rejected", "moved_on", "pending"), 0)
    answered_steps, late = [0, 0], []
    for state, facts, history in apps.values():
        funnel["interviews"] += 1
        reply = [k == "event" and (n in ("offer", "rejected") or p.get("outcome") in ("noncommittal",
                 "callback_requested")) for k, n, _, _, p in history]  # fmt: skip
        funnel["answered"] += any(reply)
        funnel["offer"] += any(n == "offer" for _, n, _, _, _ in history)
        reached = {t for _, _, _, t, _ in history} | {state}
        outcome = next((o for o in ("declined", "rejected", "moved_on") if o in reached), "pending")
        funnel[outcome] += 1
        for index, (kind, name, _, _, _) in enumerate(history):
            if kind == "event" and name in FOLLOW_UPS:
                answered_steps[1] += 1
                for replied, later in zip(reply[index + 1 :], history[index + 1 :], strict=False):
                    if replied or later[0] == "timer" or later[1] in FOLLOW_UPS:
                        answered_steps[0] += replied
                        break
        decision = next((at for k, n, at, _, _ in history if k == "event" and n in ("offer", "rejected")), None)
        if decision and facts.get("decision_by"):
            late.append((datetime.fromisoformat(decision).date() - date.fromisoformat(facts["decision_by"])).days)
    if len(late) > 1:
        statistics.quantiles(late, n=4)
    return funnel


def cpu_of(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, out


def measure(home: Path, runs: int) -> list[tuple[float, float]]:
    env = cli_env(HOME=str(home), NOW=NOW, TZ="UTC")
    report = [str(EXE), "report", "--json"]
    floor_cmd = [sys.executable, __file__, "--floor", str(home / "tactful.sqlite3")]
    _, out = cpu_of(report, env)  # warm-up: fills the bytecode cache
    _, floored = cpu_of(floor_cmd, env)
    wanted = json.loads(out)["overall"]["funnel"]
    assert {k: wanted[k] for k in json.loads(floored)} == json.loads(floored), (wanted, floored)
    found = []
    for _ in range(runs):
        engine, _ = cpu_of(report, env)
        base, _ = cpu_of(floor_cmd, env)
        found.append((engine, base))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--floor", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        print(json.dumps(floor(Path(args.floor))))
        return
    with tempfile.TemporaryDirectory(prefix="tactful-bench-report-") as work:
        home = Path(work) / "home"
        build(home, args.apps, Path(work))
        found = measure(home, args.runs)
    ratios = [engine / base for engine, base in found]
    for engine, base in found:
        print(f"report {engine:.2f} s CPU, floor {base:.2f} s CPU: ratio {engine / base:.2f}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.apps} applications: median ratio {statistics.median(ratios):.2f} (goal <= 2); load average {load}")


if __name__ == "__main__":
    main()
