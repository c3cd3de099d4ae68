"""The example third-party plugin (examples/tactful-webhook), installed as a package into a
fresh venv next to tactful, is found through its entry point and delivers to a real HTTP
server on 127.0.0.1 with an Idempotency-Key header.

The venv is the one tests/installs.py makes once per run: tactful's wheel and the plugin,
installed with pip as a user would.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .httpserver import RecordingServer, recording_server
from .installs import INSTALLS, Install

pytestmark = [pytest.mark.slow, INSTALLS]

ADDED = "2026-05-04T17:00:00+00:00"
DUE = "2026-05-21T10:00:00+02:00"  # the first inquiry call was due at 09:00 in Paris


@dataclass(frozen=True)
class Venv:
    """The shared venv with tactful and tactful-webhook installed."""

    install: Install

    def tactful(self, home: Path, *args: str, now: str = ADDED, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {"TACTFUL_HOME": str(home), "TACTFUL_NOW": now, "TACTFUL_TZ": "UTC", **extra}
        return self.install.run(self.install.tactful, *args, cwd=home, **env)

    def ok(self, home: Path, *args: str, now: str = ADDED) -> subprocess.CompletedProcess[str]:
        done = self.tactful(home, *args, now=now)
        assert done.returncode == 0, f"tactful {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
        return done


@pytest.fixture
def venv(wheel_install: Install) -> Venv:
    return Venv(wheel_install)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


@pytest.fixture
def home(tmp_path: Path, server: RecordingServer) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "config.yaml").write_text(f"webhook:\n  url: {server.url}/tactful\n  timeout: 5\n")
    return folder


def start(venv: Venv, home: Path) -> None:
    venv.ok(home, "add", "Northwind", "--interviewed", "2026-05-04", "--timezone", "Europe/Paris",
            "--interviewer", "Ms. Rivera")  # fmt: skip
    venv.ok(home, "record", "1", "thank_you_sent")


def test_tactful_plugins_lists_webhook_from_its_distribution(venv, home):
    listed = json.loads(venv.ok(home, "plugins", "--json").stdout)
    [webhook] = [p for p in listed if p["name"] == "webhook"]
    assert (webhook["status"], webhook["source"]) == ("loaded", "tactful-webhook 0.1.0")
    assert {"tactful_configure", "tactful_transition", "tactful_action_due"} <= set(webhook["hooks"])


def test_a_tick_posts_each_notice_once_with_its_idempotency_key(venv, home, server):
    start(venv, home)
    venv.ok(home, "tick", now=DUE)
    venv.ok(home, "tick", now=DUE)  # nothing new: nothing posted again
    posts = server.posts()
    bodies = [post.json() for post in posts]
    assert [post.path for post in posts] == ["/tactful"] * len(posts)
    assert [post.headers["idempotency-key"] for post in posts] == [body["key"] for body in bodies]
    assert len({body["key"] for body in bodies}) == len(bodies)
    kinds = [(b["notice"]["kind"], b["notice"].get("target") or b["notice"]["action"]) for b in bodies]
    assert kinds == [("transition", "awaiting_decision"), ("transition", "follow_up_due"), ("action_due", "call")]
    call = bodies[-1]
    assert call["key"] == "1/action/call/2026-05-21T09:00:00+02:00/webhook"
    assert (call["notice"]["company"], call["notice"]["interviewer"]) == ("Northwind", "Ms. Rivera")
    assert all(post.headers["content-type"] == "application/json" for post in posts)


def test_a_refused_post_is_retried_with_the_same_key(venv, home, server):
    start(venv, home)
    server.status = 500
    ticked = venv.ok(home, "tick", now=DUE)
    assert "delivery to webhook failed (WebhookError: the webhook answered 500" in ticked.stderr
    pending = json.loads(venv.ok(home, "outbox", "--json", now=DUE).stdout)
    assert {(d["plugin"], d["status"]) for d in pending} == {("webhook", "pending")}
    failed_keys = [post.headers["idempotency-key"] for post in server.posts()]

    server.status = 200
    ids = [str(d["id"]) for d in pending]
    retried = json.loads(venv.ok(home, "outbox", "retry", *ids, "--json", now=DUE).stdout)
    assert (retried["delivered"], retried["failed"]) == (len(ids), 0)
    again = [post.headers["idempotency-key"] for post in server.posts()[len(failed_keys) :]]
    assert sorted(again) == sorted(failed_keys)
    assert json.loads(venv.ok(home, "outbox", "--json", now=DUE).stdout) == []


def test_a_bad_webhook_section_is_one_located_line(venv, tmp_path):
    home = tmp_path / "bad-home"
    home.mkdir()
    (home / "config.yaml").write_text("webhook:\n  url: ftp://example.org/\n")
    done = venv.tactful(home, "plugins")
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"{home / 'config.yaml'}:2:8: webhook: 'url' is the http:// or https://")
    # The listing still comes, with the plugin set aside (this changed: it used to be the error alone).
    assert "webhook   not configured: " in done.stdout


def test_an_installed_plugin_without_a_section_is_not_configured_and_spares_other_commands(venv, tmp_path):
    """Installed but not configured yet: listed as such, and add, list and rules validate go on."""
    home = tmp_path / "new-home"
    home.mkdir()
    listed = venv.tactful(home, "plugins", "--json")
    assert listed.returncode == 0, listed.stderr
    [webhook] = [p for p in json.loads(listed.stdout) if p["name"] == "webhook"]
    assert webhook["status"].startswith("not configured: add a section 'webhook:' to config.yaml (webhook: 'url'")
    assert webhook["source"] == "tactful-webhook 0.1.0"
    (home / "mine.yaml").write_text("extends: small-company\n")
    for args in (("add", "Northwind", "--interviewed", "2026-05-04"), ("list",)):
        done = venv.tactful(home, *args)
        assert (done.returncode, done.stderr) == (0, ""), (args, done.stderr)
    validated = venv.tactful(home, "rules", "validate", "mine.yaml")
    assert validated.returncode == 0 and validated.stderr.startswith("mine.yaml: ok"), validated.stderr


@pytest.mark.parametrize("config", ["", "webhook:\n  url: ftp://example.org/\n"], ids=["no-section", "bad-section"])
def test_a_tick_skips_a_plugin_that_is_not_configured_quietly_unless_its_section_has_mistakes(
    venv, tmp_path, server, config
):
    """Installed, never configured: `tactful plugins` warns once, `tick` says nothing. A section
    with mistakes is someone's attempt: `tick` warns about it."""
    home = tmp_path / "home-without-webhook"
    home.mkdir()
    (home / "config.yaml").write_text(config)
    start(venv, home)
    ticked = venv.tactful(home, "tick", now=DUE)
    assert ticked.returncode == 0, ticked.stderr
    warnings = [line for line in ticked.stderr.splitlines() if "webhook" in line]
    if config:
        assert len(warnings) == 1 and warnings[0].startswith("tactful: warning: plugin 'webhook' is not configured (")
    else:
        assert warnings == [], ticked.stderr
        listed = venv.tactful(home, "plugins")
        [warning] = [line for line in listed.stderr.splitlines() if "webhook" in line]
        assert warning.startswith("tactful: warning: plugin 'webhook' is installed but not configured (add a section")
    assert server.posts() == []
    assert json.loads(venv.ok(home, "outbox", "--json", now=DUE).stdout) == []
