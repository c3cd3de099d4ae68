"""How long an interactive command waits for the write lock behind a big tick: `tactful record`
issued again and again, each as soon as the last is done, while one `tactful tick` runs."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

TACTFUL = Path(sys.executable).parent / "tactful"


def _record(env: dict[str, str], app: tuple[int, str]) -> float:
    """Wall seconds of ``tactful record APP_ID news --text …`` (a write of one application), as
    its candidate."""
    app_id, candidate = app
    started = time.perf_counter()
    done = subprocess.run([str(TACTFUL), "record", str(app_id), "news", "--text", "heard back"],
                          env={**env, "TACTFUL_CANDIDATE": candidate},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"tactful record {app_id} failed during the tick ({done.returncode}):\n{done.stderr}")
    return time.perf_counter() - started


def write_waits(env: dict[str, str], app_ids: Sequence[tuple[int, str]], log: Callable[[str], None]
                ) -> tuple[float, list[float]]:  # fmt: skip
    """The wall time of a `record` alone, and of each `record` issued while a `tactful tick` runs
    in ``env``'s home (one after the other on ``app_ids``, each as its candidate, none of them
    due, until the tick ends). What a record waited is its time less the time alone, which is
    taken before the tick, on ``app_ids[0]``."""
    alone = statistics.median(_record(env, app_ids[0]) for _ in range(3))
    tick = subprocess.Popen([str(TACTFUL), "tick"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    times: list[float] = []
    try:
        while tick.poll() is None and len(times) < len(app_ids) - 1:
            times.append(_record(env, app_ids[1 + len(times)]))
    finally:
        _, err = tick.communicate()
    if tick.returncode != 0:
        raise SystemExit(f"tactful tick failed ({tick.returncode}):\n{err.decode()}")
    log(f"{len(times)} records during the tick; alone {alone:.2f}s, longest {max(times, default=0):.2f}s")
    return alone, times
