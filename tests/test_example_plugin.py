"""The example third-party plugin (examples/tactful-webhook), installed as a package into a
fresh venv next to tactful, is found through its entry point and delivers to a real HTTP
server on 127.0.0.1 with an Idempotency-Key header.

The venv gets a copy of this source tree (so no build writes into the checkout), installed
with ``pip install <tactful> <tactful>/examples/tactful-webhook``, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .httpserver import RecordingServer, recording_server
from .test_packaging import OFFLINE, SKIP_COPYING

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ADDED = "2026-05-04T17:00:00+00:00"
DUE = "2026-05-21T10:00:00+02:00"  # the first inquiry call was due at 09:00 in Paris


@dataclass(frozen=True)
class Venv:
    """A fresh venv with tactful and tactful-webhook installed."""

    path: Path

    def tactful(self, home: Path, *args: str, now: str = ADDED, **extra: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("TACTFUL_")}  # fmt: skip
        env.update(PATH=f"{self.path / 'bin'}{os.pathsep}{env.get('PATH', '')}", TACTFUL_HOME=str(home),
                   TACTFUL_NOW=now, TACTFUL_TZ="UTC", **extra)  # fmt: skip
        return subprocess.run([str(self.path / "bin" / "tactful"), *args], cwd=home, env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip

    def ok(self, home: Path, *args: str, now: str = ADDED) -> subprocess.CompletedProcess[str]:
        done = self.tactful(home, *args, now=now)
        assert done.returncode == 0, f"tactful {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    base = tmp_path_factory.mktemp("webhook-venv")
    source = base / "tactful-src"
    shutil.copytree(REPO, source, ignore=SKIP_COPYING)
    path = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", path], check=True, capture_output=True, timeout=300)
    targets = [str(source), str(source / "examples" / "tactful-webhook")]
    pip = subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "--no-input", *targets],
                         cwd=base, capture_output=True, text=True, timeout=600)  # fmt: skip
    if pip.returncode != 0:
        output = pip.stdout + pip.stderr
        if any(sign in output for sign in OFFLINE):
            pytest.skip(f"pip could not reach the package index: {output[-500:]}")
        pytest.fail(f"pip install {' '.join(targets)} failed:\n{output[-4000:]}")
    return Venv(path)


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
