"""A delivery that crashes half way (a real process killed with SIGKILL) is retried with the
same key, so nothing is lost and the duplicate is recognisable.

The fault point is a test plugin installed the way a third party's is: a module and a
``*.dist-info`` folder with a ``tactful`` entry point, in a folder put on PYTHONPATH (where
``importlib.metadata`` finds it). It kills its own process the first time, once its side
effect is done: after recording the key, or after the SMTP server accepted the email.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tactful.plugins import email as adapter

from .mailserver import HOST, Inbox, start_server

TACTFUL = Path(sys.executable).parent / "tactful"
ADDED, THANKED = "2026-05-04T17:00:00+00:00", "2026-05-04T18:00:00+00:00"
TICK = "2026-05-21T15:00:00+00:00"  # the first inquiry call became due at 13:00 UTC

#: Records every delivery it gets; the first action_due kills the process after recording.
CRASH_IN_HOOK = """
import os, signal
from pathlib import Path
from tactful.hookspecs import hookimpl

FOLDER = Path(os.environ["CRASHPLUG_DIR"])

def _record(notice, key):
    with open(FOLDER / "seen.txt", "a") as seen:
        seen.write(f"{key}\\n")

@hookimpl
def tactful_transition(notice, key):
    _record(notice, key)

@hookimpl
def tactful_action_due(notice, key):
    _record(notice, key)
    marker = FOLDER / "crashed"
    if not marker.exists():
        marker.write_text("killed after recording\\n")
        os.kill(os.getpid(), signal.SIGKILL)
"""

#: Takes no deliveries; makes the first message that the SMTP server accepts kill the process.
CRASH_AFTER_SMTP = """
import os, signal, smtplib
from pathlib import Path
from tactful.hookspecs import hookimpl

MARKER = Path(os.environ["CRASHPLUG_DIR"]) / "crashed"
_send_message = smtplib.SMTP.send_message

def _send_then_die(self, *args, **kwargs):
    answer = _send_message(self, *args, **kwargs)
    if not MARKER.exists():
        MARKER.write_text("killed after the server accepted the message\\n")
        os.kill(os.getpid(), signal.SIGKILL)
    return answer

@hookimpl
def tactful_configure(config):
    smtplib.SMTP.send_message = _send_then_die
"""


def install_plugin(site: Path, name: str, source: str) -> Path:
    """A plugin module and its dist-info (entry point ``name`` in group ``tactful``) in ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{name}.py").write_text(source)
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[tactful]\n{name} = {name}\n")
    return site


class Tactful:
    """The installed CLI with a throwaway home and the test plugin on PYTHONPATH."""

    def __init__(self, home: Path, site: Path, scratch: Path) -> None:
        self.home, self.scratch = home, scratch
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
        self.env.update(TACTFUL_HOME=str(home), TACTFUL_TZ="UTC", CRASHPLUG_DIR=str(scratch), PYTHONPATH=str(site))

    def run(self, *args: str, now: str = TICK) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(TACTFUL), *args, "--now", now], capture_output=True, text=True, env=self.env,
                              timeout=60, check=False)  # fmt: skip

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def start(self) -> None:
        """Northwind, interviewed 4 May, thanked the same day: the first call is due on 21 May."""
        assert self.run("add", "Northwind", "--interviewed", "2026-05-04", now=ADDED).returncode == 0
        assert self.run("record", "1", "thank_you_sent", now=THANKED).returncode == 0

    def timer_entries(self) -> list[Any]:
        show = self.json("show", "1")
        return [h for h in show["history"] if h["kind"] == "timer"]


def killed(result: subprocess.CompletedProcess[str]) -> bool:
    return result.returncode == -signal.SIGKILL


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "scratch"
    folder.mkdir()
    return folder


def test_a_plugin_killed_mid_delivery_gets_the_same_notice_again_and_the_state_changes_once(tmp_path, scratch):
    cli = Tactful(tmp_path / "home", install_plugin(tmp_path / "site", "crashplug", CRASH_IN_HOOK), scratch)
    cli.start()
    plugins = cli.json("plugins")
    assert any(p["name"] == "crashplug" and p["status"] == "loaded" for p in plugins)

    first = cli.run("tick")
    assert killed(first), (first.returncode, first.stderr)
    assert (scratch / "crashed").exists()
    assert cli.json("show", "1")["state"] == "follow_up_due"  # committed before delivery began
    [pending] = cli.json("outbox")
    assert pending["status"] == "pending" and pending["kind"] == "action_due" and pending["attempts"] == 0
    action_key = pending["key"]

    again = cli.run("tick")
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""  # no second state change, but the action_due notice went out
    assert again.stderr.strip().endswith("tactful: tick: 0 timers fired, 1 notice delivered, 0 failed")
    assert cli.json("outbox") == []
    seen = (scratch / "seen.txt").read_text().splitlines()
    assert seen.count(action_key) == 2  # the same key both times: the duplicate is recognisable
    transitions = [key for key in seen if "/transition/" in key]
    assert len(transitions) == len(set(transitions)) == 2  # thanked, then the timer: each once
    assert len(cli.timer_entries()) == 1
    assert cli.json("show", "1")["state"] == "follow_up_due"


def test_an_email_sent_just_before_a_crash_is_resent_with_the_same_message_id(tmp_path, scratch):
    handler = Inbox()
    server = start_server(handler)
    try:
        home = tmp_path / "home"
        home.mkdir()
        (home / "config.yaml").write_text(f"email:\n  host: {HOST}\n  port: {server.port}\n  security: none\n"
                                          "  to: sam@example.org\n")  # fmt: skip
        cli = Tactful(home, install_plugin(tmp_path / "site", "smtpcrash", CRASH_AFTER_SMTP), scratch)
        cli.start()

        first = cli.run("tick")
        assert killed(first), (first.returncode, first.stderr)
        assert len(handler.received) == 1  # the server has it; the outbox does not know yet
        assert cli.json("show", "1")["state"] == "follow_up_due"
        [pending] = cli.json("outbox")
        assert pending["plugin"] == "email" and pending["status"] == "pending" and pending["kind"] == "action_due"

        retry = cli.json("outbox", "retry")
        assert retry == {"retried": 1, "delivered": 1, "failed": 0}  # every undelivered one is tried again now
        assert cli.json("outbox") == []
        last = cli.run("tick")
        assert last.stdout == "" and last.stderr.strip().endswith("tactful: tick: nothing was due")
    finally:
        server.stop()
    first_copy, second_copy = handler.received
    assert first_copy.message["Message-ID"] == second_copy.message["Message-ID"] == adapter.message_id(pending["key"])
    assert first_copy.message["Subject"] == second_copy.message["Subject"]
    assert first_copy.body == second_copy.body
    assert len(cli.timer_entries()) == 1
