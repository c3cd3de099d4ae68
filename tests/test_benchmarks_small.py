"""The benchmarks, run small: the floors must keep writing exactly the rows the CLI writes (each
script checks the two stores are equal afterwards), or their ratios in docs/performance.md
would compare different work; and the scripts that compare two stores must keep running (their
figures are for docs/performance.md: no timing is asserted here)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "tests" / "benchmarks"


def run(script: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([sys.executable, str(SCRIPTS / script), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})}, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def test_the_sqlite_tick_floor_writes_the_rows_the_cli_tick_writes():
    out = run("bench_tick.py", "--apps", "400", "--due", "40", "--runs", "1", "--no-memory")
    assert "tables identical" in out and "ratio cli/floor" in out


def test_the_sqlite_tick_floor_writes_the_rows_the_cli_tick_writes_for_many_candidates():
    out = run("bench_tick.py", "--apps", "400", "--due", "40", "--candidates", "7", "--runs", "1", "--no-memory")
    assert "tables identical" in out and "7 candidates" in out


def test_the_postgresql_tick_floor_writes_the_rows_the_cli_tick_writes(pg_cluster):
    out = run("bench_tick_pg.py", "--apps", "400", "--due", "40", "--runs", "1",
              env={"TACTFUL_DATABASE": pg_cluster})  # fmt: skip
    assert "tables identical" in out and "ratio cli/floor" in out


@pytest.mark.parametrize("days", ["365", "30"])
def test_the_import_floor_writes_the_rows_the_cli_import_writes(days):
    out = run("bench_import.py", "--rows", "600", "--days", days, "--runs", "1")
    assert "identical" in out


def test_the_tick_of_one_candidate_and_of_many_writes_the_same_rows_but_their_candidate():
    out = run("bench_tick_candidates.py", "--apps", "400", "--due", "40", "--candidates", "30", "--runs", "1",
              "--floor")  # fmt: skip
    assert "cli ratio 30 candidates / 1" in out and "floor ratio 30 candidates / 1" in out
    assert "same applications, history and outbox rows" in out
    assert "the floor wrote the tables the CLI wrote (tables identical)" in out  # its ratio compares the same work


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_one_candidates_commands_show_the_same_in_a_store_of_many_as_alone(backend, request):
    env = {"TACTFUL_DATABASE": request.getfixturevalue("pg_cluster")} if backend == "postgresql" else {}
    out = run("bench_candidates.py", "--candidates", "20", "--per", "3", "--rounds", "1", "--backends", backend,
              env=env)  # fmt: skip
    assert "worst ratio (own)" in out and "is the same in both stores" in out


def test_the_agenda_benchmark_runs():
    out = run("bench_agenda.py", "--sizes", "100", "300", "--active", "50", "--runs", "1")
    assert "agenda goal" in out
