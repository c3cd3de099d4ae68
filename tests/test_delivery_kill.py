"""Kill -9 while emails go out, on SQLite and on PostgreSQL, with one process and with two:
each kill costs at most the one email in flight (sent again, with the same Message-ID), and
none is lost.

The SMTP server (aiosmtpd on 127.0.0.1) is the fault point. A tiny test plugin makes each
tactful process greet it with its pid (``EHLO pid-1234.invalid``), so the server knows who
sends each message and kills that process at the chosen message:
- ``sent``: the server has the message and has not answered yet: it must come again, once;
- ``mail``: at the message's ``MAIL FROM``: nothing of it arrived, so it comes once;
- ``outside``: the test kills the sender as soon as it sees the message arrive: the process is
  anywhere after it (marking it delivered, committing, starting the next one).
Which message is drawn from a fixed seed per case.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tactful.plugins.email import message_id
from tactful.stores.postgres_outbox import CLAIM_LOCKS

from .mailserver import HOST, Inbox, start_server
from .test_delivery_crash import install_plugin
from .test_workers import Setup, finish

pytestmark = pytest.mark.slow

#: The extra environment of the CLI's processes.
Env = dict[str, str]
#: Applications made due; each gives two emails (its transition, then the action due).
APPS = 12
EMAILS = 2 * APPS
#: Loaded as a plugin by every tactful process: its SMTP greeting names its pid.
PIDTAG = """
import os, smtplib

_init = smtplib.SMTP.__init__

def _tagged(self, host="", port=0, local_hostname=None, *args, **kwargs):
    _init(self, host, port, f"pid-{os.getpid()}.invalid", *args, **kwargs)

smtplib.SMTP.__init__ = _tagged
"""


class KillingSink(Inbox):
    """An SMTP server that kills the sender of message number ``at`` (see the module's text)."""

    def __init__(self, at: int, mode: str) -> None:
        super().__init__()
        self.at, self.mode = at, mode
        self.victim: int | None = None
        self.reached = threading.Event()  # the kill point came (and, unless "outside", the kill)
        self.complete = threading.Event()  # every expected email arrived at least once
        self.expected = EMAILS

    def ids(self) -> Counter[str]:
        return Counter(str(r.message["Message-ID"]) for r in self.received)

    def _point(self, session: Any, mode: str, number: int) -> None:
        if self.mode != mode or number != self.at or self.victim is not None:
            return
        self.victim = int(session.host_name.removeprefix("pid-").removesuffix(".invalid"))
        if mode != "outside":
            os.kill(self.victim, signal.SIGKILL)
        self.reached.set()

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        self._point(session, "mail", len(self.received) + 1)
        return await super().handle_MAIL(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        self._point(session, "sent", len(self.received))
        self._point(session, "outside", len(self.received))
        if len(self.ids()) >= self.expected:
            self.complete.set()
        return answer


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request) -> str | None:
    return request.getfixturevalue("pg_url") if request.param == "postgres" else None


def _setup(tmp_path: Path, url: str | None, sink_port: int) -> tuple[Setup, Env]:
    setup = Setup(tmp_path, url)
    (setup.home / "config.yaml").write_text(f"email:\n  host: {HOST}\n  port: {sink_port}\n  security: none\n"
                                            "  to: sam@example.org\n  notify: [action_due, transition]\n")  # fmt: skip
    site = install_plugin(tmp_path / "site", "pidtag", PIDTAG)
    setup.add(APPS)
    return setup, {"PYTHONPATH": str(site)}


def _claims_released(url: str | None) -> bool:
    """Whether no process holds a claim on deliveries (on PostgreSQL: the server has seen the
    killed one's sessions end); SQLite has nothing to wait for."""
    if url is None:
        return True
    with psycopg.connect(url) as db:
        held = db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s",
                          (CLAIM_LOCKS,)).fetchone()  # fmt: skip
    return held == (0,)


def _check(setup: Setup, sink: KillingSink) -> Counter[str]:
    """Nothing waits in the outbox, and every email the deliveries stand for arrived."""
    outbox = setup.run("outbox", "--json")
    assert (outbox.returncode, outbox.stdout.strip()) == (0, "[]"), outbox.stderr
    delivered = setup.run("outbox", "--all", "--limit", "1000", "--json")
    keys = {d["key"] for d in json.loads(delivered.stdout) if d["plugin"] == "email"}
    counts = sink.ids()
    assert set(counts) == {message_id(k) for k in keys} and len(counts) == EMAILS  # none lost
    return counts


CASES = [(mode, seed) for mode in ("sent", "mail", "outside") for seed in (1,)]


def _kill_point(mode: str, seed: int) -> int:
    return random.Random(f"{mode}-{seed}").randrange(2, EMAILS - 4)


def _resent(counts: Counter[str]) -> int:
    return sum(n - 1 for n in counts.values())


def _assert_resends(mode: str, counts: Counter[str]) -> None:
    resent = _resent(counts)
    if mode == "sent":
        assert resent == 1, counts  # the one the server took as the sender died comes again, once
    elif mode == "mail":
        assert resent == 0, counts  # nothing of it had arrived
    else:
        assert resent <= 1, counts


@contextmanager
def _emailing(
    tmp_path: Path, url: str | None, mode: str, seed: int
) -> Iterator[tuple[KillingSink, Setup, dict[str, str]]]:
    """A killing SMTP server, and a home (and store) whose due applications email it."""
    sink = KillingSink(_kill_point(mode, seed), mode)
    server = start_server(sink)
    try:
        yield (sink, *_setup(tmp_path, url, server.port))
    finally:
        server.stop()


def _kill_at_the_point(sink: KillingSink, procs: list[subprocess.Popen[str]]) -> subprocess.Popen[str]:
    """Wait (bounded) for the kill point, make sure its process is killed, and reap it."""
    if not sink.reached.wait(timeout=120):
        for proc in procs:
            proc.kill()
        pytest.fail(f"no process reached the kill point: {[finish(p)[2][-2000:] for p in procs]}")
    assert sink.victim is not None
    os.kill(sink.victim, signal.SIGKILL)  # (already done unless the mode is "outside")
    [victim] = [p for p in procs if p.pid == sink.victim]
    code, _, err = finish(victim)  # reaped: on SQLite, its pid is seen gone
    assert code == -signal.SIGKILL, err
    return victim


@pytest.mark.parametrize(("mode", "seed"), CASES)
def test_a_tick_killed_while_emailing_resends_at_most_the_email_in_flight(tmp_path, store_url, mode, seed):
    with _emailing(tmp_path, store_url, mode, seed) as (sink, setup, env):
        _kill_at_the_point(sink, [setup.start("tick", **env)])
        setup.wait_for(lambda: _claims_released(store_url))
        again = setup.run("tick", **env)
        assert again.returncode == 0, again.stderr
        counts = _check(setup, sink)
    _assert_resends(mode, counts)


@pytest.mark.parametrize(("mode", "seed"), CASES)
def test_one_of_two_workers_killed_while_emailing_the_other_sends_the_rest_once(tmp_path, store_url, mode, seed):
    with _emailing(tmp_path, store_url, mode, seed) as (sink, setup, env):
        workers = [setup.start("worker", "--poll", "0.2", TACTFUL_LOG_LEVEL="info", **env) for _ in range(2)]
        try:
            victim = _kill_at_the_point(sink, workers)
            complete = sink.complete.wait(timeout=120)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGTERM)
            results = [finish(w) for w in workers if w.returncode is None]
        [survivor] = [w for w in workers if w is not victim]
        assert complete, f"the other worker did not send the rest: {sink.ids()}, {[r[2][-3000:] for r in results]}"
        assert survivor.returncode == 0, results
        last = setup.run("tick", **env)
        assert last.returncode == 0 and last.stderr.strip().endswith("nothing was due"), last.stderr
        counts = _check(setup, sink)
    _assert_resends(mode, counts)
