"""A platform's use of tactful: four threads of one app and two worker processes on one store.

Run it from any folder: ``python examples/platform.py``. It uses a new SQLite file in a
temporary folder, or the PostgreSQL database ``TACTFUL_DATABASE`` names (an empty one). The
threads share one :class:`~tactful.Engine`: they add applications, record news and tick; the
workers tick and deliver in a loop. Every notice goes to a plugin that appends its delivery
key to a file. At the end it checks that each application's timer fired once and each notice
was delivered once, and exits 1 if not. The test suite runs this file on both stores.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on the path, where its name would hide the
# standard library's ``platform`` module from everything imported below: leave that folder out.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import subprocess  # noqa: E402 - after the path is mended
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

from tactful import Engine, Store, open_store  # noqa: E402
from tactful.hookspecs import Notice, hookimpl  # noqa: E402
from tactful.testing import FakeClock, deliver, get_plugin_manager  # noqa: E402

#: Every application is interviewed on 4 May; by this moment its first inquiry is due.
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
THREADS, PER_THREAD, WORKERS, ROUNDS = 4, 25, 2, 20


class KeyFile:
    """A plugin that appends each delivery's key to a file, one ``write`` per line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def keep(self, key: str) -> None:
        with self.path.open("a") as keys:
            keys.write(f"{key}\n")

    @hookimpl
    def tactful_transition(self, notice: Notice, key: str) -> None:
        self.keep(key)

    @hookimpl
    def tactful_action_due(self, notice: Notice, key: str) -> None:
        self.keep(key)


def engine_and_deliver(store: Store, keys: Path) -> tuple[Engine, Callable[[], object]]:
    """An engine over ``store`` at NOW, and a function that delivers its outbox to the key file."""
    pm = get_plugin_manager(entry_points=False, builtins=False)
    pm.register(KeyFile(keys), "keyfile")
    engine = Engine(store, FakeClock(NOW), notify=True)
    return engine, lambda: deliver(store.outbox, pm, NOW)


def worker(location: str, keys: Path) -> None:
    """What each worker process runs: tick and deliver, a round at a time."""
    store = open_store(location)
    engine, send = engine_and_deliver(store, keys)
    for _ in range(ROUNDS):
        engine.tick(batch=10)
        send()
        time.sleep(0.02)


def app_thread(engine: Engine, send: Callable[[], object], number: int, ids: list[int]) -> None:
    """What each thread of the app does: add applications, record news on one, tick, deliver."""
    rows = [{"company": f"Company {number}-{n}", "interviewed": "2026-05-04"} for n in range(PER_THREAD)]
    added = engine.add_many(rows)
    ids.extend(app.id for app in added)
    engine.record(added[0].id, "news", text="Opened an office in Lyon")
    for _ in range(3):
        engine.tick(batch=10)
        send()


def run(location: str, keys: Path) -> int:
    """Start the workers and the threads on ``location``, then check what they did."""
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", location, str(keys)]) for _ in range(WORKERS)]
    store = open_store(location)
    engine, send = engine_and_deliver(store, keys)
    ids: list[int] = []
    threads = [threading.Thread(target=app_thread, args=(engine, send, n, ids)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if any(proc.wait() != 0 for proc in procs):
        print("a worker failed")
        return 1
    engine.tick()  # whatever the workers' last round left
    send()
    return check(store, ids, keys)


def check(store: Store, ids: list[int], keys: Path) -> int:
    """0 when each timer fired once and each notice was delivered once, else 1."""
    timers = Counter(e.kind for i in ids for e in store.history(i) if e.kind == "timer")
    delivered = Counter(keys.read_text().split())
    twice = [key for key, count in delivered.items() if count > 1]
    left = store.outbox.listing(["pending", "failed"])
    print(f"{len(ids)} applications, {timers['timer']} timers fired, {len(delivered)} notices delivered, "
          f"{len(twice)} delivered twice, {len(left)} left undelivered")  # fmt: skip
    return 0 if len(ids) == THREADS * PER_THREAD and timers["timer"] == len(ids) and not twice and not left else 1


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], Path(sys.argv[3]))
        return 0
    with tempfile.TemporaryDirectory(prefix="tactful-platform-") as folder:
        location = os.environ.get("TACTFUL_DATABASE") or str(Path(folder) / "tactful.sqlite3")
        return run(location, Path(folder) / "keys.txt")


if __name__ == "__main__":
    sys.exit(main())
