"""The examples of embedding on many stores, run as a user would, from another folder, on SQLite
and on PostgreSQL: examples/platform.py (four threads and two worker processes on one store) and
examples/coaching.py (three candidates, worker threads, each one's notices routed to them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: What examples/coaching.py prints: each candidate's notices at their own address, in their own
#: zone (Bob's Contoso gets no `withdraw` when Alice accepts Contoso's offer), and the coach's view.
# Northwind names no zone: its interviewer's is Alice's own (issue 23), so 09:00 is hers; Chen's
# thank-you after a Friday interview is written, due the Saturday (a letter is not a call).
COACHING = """\
Alice Martin <alice@example.org>
  Tue 05 May 09:00  Northwind: time to send thank you
  Wed 06 May 12:00  Contoso: now offer received
  Wed 06 May 12:00  Northwind: time to contact first choice
  Fri 08 May 12:00  Contoso: now accepted
Bob Okafor <bob@example.org>
  Mon 04 May 14:00  Contoso: now awaiting decision
  Wed 13 May 09:00  Contoso: now follow up due
  Wed 13 May 09:00  Contoso: time to call
Chen Wei <chen@example.org>
  Sat 02 May 09:00  Initech: time to send thank you
  Mon 18 May 09:00  Initech: now follow up due
  Mon 18 May 09:00  Initech: time to call
The coach's morning view:
  Alice Martin: withdraw Northwind 08 May
  Bob Okafor: call Contoso 13 May
  Chen Wei: call Initech 18 May
"""


def run_example(
    name: str, kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> subprocess.CompletedProcess[str]:
    """``python examples/NAME`` in an empty folder, on a new SQLite file or an empty PostgreSQL database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    if kind == "postgres":
        env["TACTFUL_DATABASE"] = request.getfixturevalue("pg_url")
    return subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_platform_example_fires_and_delivers_everything_once(kind, tmp_path, request):
    done = run_example("platform.py", kind, tmp_path, request)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == (
        "100 applications, 100 timers fired, 200 notices delivered, 0 delivered twice, 0 left undelivered"
    )


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_the_coaching_example_tells_each_candidate_their_own_news(kind, tmp_path, request):
    done = run_example("coaching.py", kind, tmp_path, request)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == COACHING
