"""Capture under a fault: `tactful inbox accept` killed with SIGKILL between recording the event
and marking the proposal leaves neither, so a second accept records the event once.

The CLI runs as a real subprocess on a real SQLite file; the kill comes from inside it, right
after the engine recorded the event (the same moment a kill -9 from outside could land).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tactful.cli.context import DB_NAME
from tactful.stores.sqlite_store import SQLiteStore
from tactful.vocabulary.proposals import Proposal
from tests.clirun import doc, ok

NOW = "2026-05-12T12:00:00+00:00"
#: `tactful ARGS`, killed with SIGKILL as soon as Engine.record has returned.
KILLED_AFTER_RECORD = """
import os, signal, sys
from tactful.engine import Engine
from tactful.cli.main import main

recorded = Engine.record
def record(self, *args, **kwargs):
    done = recorded(self, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
    return done
Engine.record = record
sys.argv = ["tactful", *sys.argv[1:]]
main()
"""


def proposed(home: Path) -> int:
    """A home with one application and a proposal of its thank-you; the proposal's id."""
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", "--email", "jane@northwind.example",
       now="2026-05-04T17:00:00+00:00")  # fmt: skip
    when = datetime(2026, 5, 4, 18, tzinfo=UTC)
    thanks = Proposal(0, "", "<thanks@home.example>", 1, "thank_you_sent", when, "likely", "northwind.example",
                      "Thank you", "sent to the interviewer's address", (), True)  # fmt: skip
    store = SQLiteStore(home / DB_NAME)
    try:
        (kept,) = store.proposals.add([thanks])
    finally:
        store.close()
    return kept.id


def thanks_recorded(home: Path) -> int:
    with sqlite3.connect(home / DB_NAME) as db:
        return int(db.execute("SELECT count(*) FROM history WHERE name = 'thank_you_sent'").fetchone()[0])


def test_an_accept_killed_after_the_record_leaves_the_proposal_open_and_the_event_unrecorded(tmp_path: Path) -> None:
    number = proposed(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC")
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_RECORD, "inbox", "accept", str(number)],
                            capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert thanks_recorded(tmp_path) == 0
    assert [p["id"] for p in doc(tmp_path, "inbox", now=NOW)] == [number]
    doc(tmp_path, "inbox", "accept", str(number), now=NOW)
    assert thanks_recorded(tmp_path) == 1
    assert doc(tmp_path, "inbox", now=NOW) == []
    assert doc(tmp_path, "show", "1", now=NOW)["state"] == "awaiting_decision"
