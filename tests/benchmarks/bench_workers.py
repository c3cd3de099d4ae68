"""Benchmark `tactful tick` workers on PostgreSQL: throughput with 1 and with 2 at once.

Not a pytest test: a script that prints figures. Run from the repository root:

    python tests/benchmarks/bench_workers.py                       # 1,000,000 stored, 100,000 due
    python tests/benchmarks/bench_workers.py --apps 100000 --due 10000 --runs 3
    TACTFUL_DATABASE=postgresql://… python tests/benchmarks/bench_workers.py   # a server of yours

How it works: without TACTFUL_DATABASE it starts a throwaway cluster (tests/pgcluster.py). Two
applications are added through the real engine and `PostgresStore` (one interviewed on 4 May,
due at the benchmark's now; one on 1 September, not due), and the template database gets
``--apps`` copies of them and their history rows by ``INSERT … SELECT`` (``--due`` of them
due), each copy's timer a minute from the last one's. Each run makes a fresh database from that
template (``CREATE DATABASE … TEMPLATE``) and times the wall clock of ``tactful tick`` as the
CLI runs it (notices on, outbox written, its default batch unless ``--batch``), alone and two
at once on another fresh copy (which goes first alternates between runs), with the CPU seconds
the tick processes used. After each run it checks that nothing is left due and that each due
application has exactly one ``timer`` history row (zero doubles). The server shares the
machine's CPUs with the ticks: on a machine with few of them, two workers cannot be twice as
fast as one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tactful import Engine, PostgresStore  # noqa: E402
from tactful.testing import FakeClock  # noqa: E402
from tests import pgcluster  # noqa: E402
from tests.benchmarks.userenv import cli_env  # noqa: E402

NOW = "2026-06-15T10:00:00+00:00"
TACTFUL = Path(sys.executable).parent / "tactful"
COLUMNS = "company, state, entered, facts, rules, rules_hash, next_due, timer, version, wake, notified, agenda, zones"
#: The copies' columns: each copy's timer a minute apart over 14 days before the model's (all
#: still due at NOW for the due ones), so that no two due applications share a moment and
#: nothing worked out for one can be reused for the next.
SPREAD = COLUMNS.replace("next_due", "next_due - (g %% 20160) * interval '1 minute'")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def build_template(server: str, apps: int, due: int) -> str:
    """A database holding ``apps`` applications, ``due`` of them due at NOW; its name."""
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + f"/{name}"
    store = PostgresStore(url)
    engine = Engine(store, FakeClock(datetime(2026, 5, 4, 17, 0, tzinfo=UTC)), notify=True)
    ready, later = engine.add_many([{"company": "Due", "interviewed": "2026-05-04"},
                                    {"company": "Later", "interviewed": "2026-09-01"}])  # fmt: skip
    store.close()
    with psycopg.connect(url) as conn:
        for model, count in ((ready.id, due), (later.id, apps - due)):
            conn.execute(
                f"INSERT INTO applications ({COLUMNS}) SELECT {SPREAD} FROM applications, generate_series(1, %s) g "
                "WHERE id = %s",
                (count - 1, model),
            )
        conn.execute(
            "INSERT INTO history (app_id, kind, name, at, recorded, source, target, params, before) "
            "SELECT a.id, h.kind, h.name, h.at, h.recorded, h.source, h.target, h.params, h.before "
            "FROM applications a JOIN applications m ON m.company = a.company AND m.id IN (%s, %s) "
            "JOIN history h ON h.app_id = m.id WHERE a.id <> m.id",
            (ready.id, later.id),
        )
        conn.execute("ANALYZE")
    with psycopg.connect(server, autocommit=True) as admin:  # a template must have no connections
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
    return name


def copy_of(server: str, template: str) -> str:
    name = f"run_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return server.rsplit("/", 1)[0] + f"/{name}"


def _ticks(pid: int) -> tuple[int, int]:
    """A process's own CPU ticks (user + system) and those of its children it reaped."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def server_cpu(server: str) -> float | None:
    """CPU seconds the PostgreSQL server has used so far (its postmaster, the backends it
    reaped, the live ones), when it runs on this machine; else None."""
    try:
        with psycopg.connect(server) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            status = Path(f"/proc/{backend}/status").read_text()
        postmaster = int(status.split("PPid:")[1].split()[0])
        own, reaped = _ticks(postmaster)
        live = 0
        for child in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
            with contextlib.suppress(OSError):
                live += _ticks(int(child))[0]
        return (own + reaped + live) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def tick(url: str, workers: int, home: Path, batch: int | None) -> tuple[float, float]:
    """Wall seconds for ``workers`` `tactful tick` processes at once to finish on ``url``, and
    the CPU seconds they used together."""
    env = cli_env(DATABASE=url, NOW=NOW, TZ="UTC", HOME=str(home))
    start, cpu = time.perf_counter(), children_cpu()
    command = [str(TACTFUL), "tick", "--json", *(["--batch", str(batch)] if batch else [])]
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(workers)]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate()
        assert proc.returncode == 0, err.decode()[-2000:]
    return time.perf_counter() - start, children_cpu() - cpu


def check(url: str, due: int) -> int:
    """The number of doubles (timer rows beyond one per application); asserts all fired."""
    with psycopg.connect(url) as conn:
        rows, apps = conn.execute(
            "SELECT count(*), count(DISTINCT app_id) FROM history WHERE kind = 'timer'"
        ).fetchone()
        left = conn.execute("SELECT count(*) FROM applications WHERE wake <= %s", (NOW,)).fetchone()[0]
    assert apps == due and left == 0, (apps, due, left)
    return int(rows - apps)


def busy(wait: float) -> float | None:
    """The load average (1 minute) when it exceeds the core count after waiting up to ``wait``
    seconds for it to fall, else None: two workers on a busy machine measure the machine."""
    cores, deadline = os.cpu_count() or 1, time.monotonic() + wait
    while (load := os.getloadavg()[0]) > cores:
        if time.monotonic() >= deadline:
            return load
        say(f"load {load:.1f} on {cores} cores: waiting for it to fall")
        time.sleep(min(15.0, max(deadline - time.monotonic(), 0.1)))
    return None


def refuse_when_busy(wait: float, when: str) -> None:
    load = busy(wait)
    if load is not None:
        raise SystemExit(f"bench_workers: the load average is {load:.1f} on {os.cpu_count()} cores {when}; "
                         "no figures are reported on a busy machine (try again when idle, or --wait-idle)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--batch", type=int, help="tick --batch: a worker claims this many at a time (default: the CLI's)"
    )
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="wait up to this long for the load to fall to the core count before each run")  # fmt: skip
    args = parser.parse_args()
    refuse_when_busy(args.wait_idle, "before the benchmark")
    loads: list[float] = []
    with ExitStack() as stack:
        server = os.environ.get("TACTFUL_DATABASE") or stack.enter_context(pgcluster.cluster())
        home = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        say(f"building {args.apps} applications, {args.due} due …")
        started = time.perf_counter()
        template = build_template(server, args.apps, args.due)
        say(f"built in {time.perf_counter() - started:.0f} s")
        warm = cli_env(DATABASE=copy_of(server, template), NOW="2000-01-01T00:00:00+00:00", TZ="UTC", HOME=str(home))
        subprocess.run([str(TACTFUL), "tick"], env=warm, check=True, capture_output=True)  # caches bytecode and rules
        times: dict[int, list[float]] = {1: [], 2: []}
        cpus: dict[int, list[float]] = {1: [], 2: []}
        servers: dict[int, list[float]] = {1: [], 2: []}
        doubles = 0
        for run in range(args.runs):
            for workers in (1, 2) if run % 2 == 0 else (2, 1):
                url = copy_of(server, template)
                refuse_when_busy(args.wait_idle, f"before run {run + 1} ({workers} worker(s))")
                loads.append(os.getloadavg()[0])
                served = server_cpu(server)
                wall, cpu = tick(url, workers, home, args.batch)
                served_now = server_cpu(server)
                times[workers].append(wall)
                cpus[workers].append(cpu)
                if served is not None and served_now is not None:
                    servers[workers].append(served_now - served)
                doubles += check(url, args.due)
                say(f"run {run + 1}: {workers} worker(s) {wall:.1f} s wall, ticks {cpu:.1f} s CPU, server "
                    f"{servers[workers][-1] if servers[workers] else float('nan'):.1f} s CPU")  # fmt: skip
    refuse_when_busy(0.0, "after the runs")
    one, two = statistics.median(times[1]), statistics.median(times[2])
    batch = f"--batch {args.batch}" if args.batch else "(default batch)"
    print(f"PostgreSQL tick {batch}, {args.apps:,} stored / {args.due:,} due, median of {args.runs} runs, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} (at most {max(loads):.1f} as runs began)")  # fmt: skip
    for workers, wall in ((1, one), (2, two)):
        cpu = statistics.median(cpus[workers])
        served = f", server's {statistics.median(servers[workers]):.1f} s" if servers[workers] else ""
        print(f"  {workers} worker{'s' if workers > 1 else ' '}: {wall:.1f} s, {args.due / wall:,.0f} applications/s "
              f"({one / wall:.2f}x of 1 worker; CPU: the ticks' {cpu:.1f} s{served})")  # fmt: skip
    print(f"  doubles  : {doubles}")


if __name__ == "__main__":
    main()
