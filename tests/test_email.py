"""The built-in email adapter against a real SMTP server (aiosmtpd) on 127.0.0.1.

The CLI tests run `tactful` as a subprocess with a config.yaml in a throwaway home; the
others deliver in-process through the plugin manager the CLI builds, which is quicker.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from tactful.errors import RuleErrors
from tactful.hooks.config import load_config
from tactful.hooks.delivery import deliver
from tactful.hooks.pluginmanager import get_plugin_manager
from tactful.language.yamltree import read_yaml
from tactful.plugins import email as adapter
from tactful.runtime.notify import Notice
from tactful.stores.outbox import MemoryOutbox

from .mailserver import (
    HOST,
    Authenticator,
    Inbox,
    LoopbackController,
    make_certificates,
    reserve_port,
    running_inbox,
    start_server,
)

TACTFUL = Path(sys.executable).parent / "tactful"
ADDED = "2026-05-04T17:00:00+00:00"
THANKED = "2026-05-04T18:00:00+00:00"
#: The first inquiry call is due on 21 May, 09:00 in New York (decision window and grace).
TICK = "2026-05-21T15:00:00+00:00"
PASSWORD = "pw-7f3e-Do-Not-Leak"  # noqa: S105 - the test's own throwaway password


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, LoopbackController]]:
    with running_inbox() as running:
        yield running


def tactful(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI with a clean environment (no TACTFUL_* from outside) in ``home``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    base.update(TACTFUL_HOME=str(home), TACTFUL_TZ="UTC", **(env or {}))
    return subprocess.run([str(TACTFUL), *args], capture_output=True, text=True, env=base, timeout=60, check=False)


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.yaml"
    path.write_text(text)
    return path


def start_application(home: Path) -> None:
    """Northwind, interviewed 4 May by Ms. Rivera in New York, thanked the same day."""
    added = tactful(home, "add", "Northwind", "--interviewed", "2026-05-04", "--interviewer", "Ms. Rivera",
                    "--timezone", "America/New_York", "--now", ADDED)  # fmt: skip
    assert added.returncode == 0, added.stderr
    thanked = tactful(home, "record", "1", "thank_you_sent", "--now", THANKED)
    assert thanked.returncode == 0, thanked.stderr


def delivery_keys(home: Path, plugin: str = "email") -> dict[str, str]:
    """Delivery key -> status, read from the store."""
    with closing(sqlite3.connect(home / "tactful.sqlite3")) as db:
        return dict(db.execute("SELECT key, status FROM deliveries WHERE plugin = ?", (plugin,)).fetchall())


def action_key(home: Path) -> str:
    [key] = [k for k in delivery_keys(home) if "/action/" in k]
    return key


def settings(port: int, **extra: Any) -> dict[str, Any]:
    return {"host": HOST, "port": port, "security": "none", "to": "me@example.org", **extra}


def notice(**changes: Any) -> Notice:
    fields: dict[str, Any] = {
        "kind": "action_due", "key": "1/action/call/2026-05-21T09:00:00-04:00", "app_id": 1,
        "company": "Northwind", "state": "follow_up_due", "at": datetime.fromisoformat("2026-05-21T09:00:00-04:00"),
        "action": "call", "due": datetime.fromisoformat("2026-05-21T09:00:00-04:00"),
        "reason": "a short inquiry call to ask where the decision stands", "interviewer": "Ms. Rivera",
        "timezone": "America/New_York", "draft": "Good morning Ms. Rivera, this is Sam calling about the role.",
    }  # fmt: skip
    fields.update(changes)
    return Notice(**fields)


def deliver_one(config: dict[str, Any], item: Notice) -> Any:
    """Deliver one notice through a plugin manager configured like the CLI's."""
    outbox = MemoryOutbox()
    outbox.add([item])
    return deliver(outbox, get_plugin_manager(config, entry_points=False), item.at)


# -- Through the CLI ---------------------------------------------------------------------


def test_a_tick_with_an_action_due_emails_the_job_seeker_once(tmp_path, inbox):
    handler, server = inbox
    write_config(tmp_path, f"email:\n  host: {HOST}\n  port: {server.port}\n  security: none\n"
                           "  from: tactful <reminders@example.org>\n  to: Sam <sam@example.org>\n")  # fmt: skip
    start_application(tmp_path)
    first = tactful(tmp_path, "tick", "--now", TICK)
    assert first.returncode == 0, first.stderr
    [received] = handler.received  # transitions are not emailed by default
    message = received.message
    assert received.rcpt_tos == ["sam@example.org"] and received.mail_from == "reminders@example.org"
    assert message["To"] == "Sam <sam@example.org>"
    assert message["Subject"] == "tactful: call Northwind (due Thu 21 May)"
    assert message["Message-ID"] == adapter.message_id(action_key(tmp_path))
    assert "Thu 21 May 2026, 09:00 EDT" in received.body and "America/New_York" in received.body
    assert "Ms. Rivera" in received.body
    second = tactful(tmp_path, "tick", "--now", TICK)
    assert second.returncode == 0 and second.stdout == ""  # no change of state
    assert second.stderr.strip().endswith("tactful: tick: nothing was due")
    assert len(handler.received) == 1
    assert set(delivery_keys(tmp_path).values()) == {"delivered"}


def test_a_server_that_is_down_keeps_the_delivery_until_it_is_retried(tmp_path):
    with reserve_port() as reserved:
        port = reserved.getsockname()[1]
        write_config(tmp_path, f"email:\n  host: {HOST}\n  port: {port}\n  security: none\n  to: sam@example.org\n")
        start_application(tmp_path)
        tick = tactful(tmp_path, "tick", "--now", TICK)
        assert tick.returncode == 0, tick.stderr  # the state change stands; delivery is separate
        assert "delivery to email failed" in tick.stderr and "'tactful outbox'" in tick.stderr
        assert json.loads(tactful(tmp_path, "show", "1", "--json", "--now", TICK).stdout)["state"] == "follow_up_due"
        [pending] = json.loads(tactful(tmp_path, "outbox", "--json", "--now", TICK).stdout)
        assert pending["status"] == "pending" and pending["kind"] == "action_due" and pending["attempts"] == 1
        assert pending["last_error"].startswith(f"EmailError: cannot reach the SMTP server {HOST}:{port}")
    handler = Inbox()
    server = start_server(handler, port=port)  # the server comes up on the same port
    try:
        retry = tactful(tmp_path, "outbox", "retry", str(pending["id"]), "--json", "--now", TICK)
    finally:
        server.stop()
    assert retry.returncode == 0, retry.stderr
    assert json.loads(retry.stdout) == {"retried": 1, "delivered": 1, "failed": 0}
    [received] = handler.received
    assert received.message["Message-ID"] == adapter.message_id(pending["key"])
    assert json.loads(tactful(tmp_path, "outbox", "--json", "--now", TICK).stdout) == []


def test_a_template_that_fails_at_delivery_fails_that_email_only_and_tick_says_so(tmp_path, inbox):
    """Drafts are rendered at delivery: the bad template's timer still fires, its email fails
    visibly (stderr, 'tactful outbox'), and the other application's email goes out with its draft."""
    handler, server = inbox
    write_config(tmp_path, f"email:\n  host: {HOST}\n  port: {server.port}\n  security: none\n  to: sam@example.org\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("extends: default\ntemplates:\n  call: |\n    Hello,\n    {{ company|attr('__class__') }}\n")
    for company, rules in (("Bad Template Co", str(broken)), ("Northwind", "default")):
        added = tactful(tmp_path, "add", company, "--interviewed", "2026-05-04", "--interviewer", "Ms. Rivera",
                        "--timezone", "America/New_York", "--rules", rules, "--now", ADDED)  # fmt: skip
        assert added.returncode == 0, added.stderr
    tick = tactful(tmp_path, "tick", "--json", "--now", TICK)
    assert tick.returncode == 0, tick.stderr
    assert {(f["company"], f["to"]) for f in json.loads(tick.stdout)} == {
        ("Bad Template Co", "follow_up_due"), ("Northwind", "follow_up_due")
    }  # fmt: skip
    [warning] = [line for line in tick.stderr.splitlines() if line.startswith("tactful: warning:")]
    assert warning.startswith("tactful: warning: delivery to email failed (the draft failed: ")
    assert f"{broken}:5:5: template 'call' failed" in warning and "'tactful outbox'" in warning
    [received] = handler.received
    assert "Northwind" in received.message["Subject"] and "Ms. Rivera" in received.body
    [pending] = json.loads(tactful(tmp_path, "outbox", "--json", "--now", TICK).stdout)
    assert (pending["company"], pending["status"], pending["attempts"]) == ("Bad Template Co", "pending", 1)
    assert "template 'call' failed" in pending["last_error"]


@pytest.mark.parametrize("user_from", ["config", "environment"])
def test_login_takes_the_password_from_the_environment_and_never_shows_it(tmp_path, user_from):
    handler = Inbox(require_login=True)
    server = start_server(handler, authenticator=Authenticator("sam", PASSWORD), auth_require_tls=False)
    user_line = "  username: sam\n" if user_from == "config" else ""
    write_config(tmp_path, f"email:\n  host: {HOST}\n  port: {server.port}\n  security: none\n"
                           f"  to: sam@example.org\n{user_line}")  # fmt: skip
    env = {"TACTFUL_SMTP_PASSWORD": PASSWORD, "TACTFUL_LOG_LEVEL": "debug", "TACTFUL_TRACE_PLUGINS": "1"}
    if user_from == "environment":
        env["TACTFUL_SMTP_USERNAME"] = "sam"
    try:
        start_application(tmp_path)
        tick = tactful(tmp_path, "tick", "--now", TICK, env=env)
    finally:
        server.stop()
    assert tick.returncode == 0, tick.stderr
    [received] = handler.received
    assert received.login == "sam"
    assert "email sent" in tick.stderr and "domain=example.org" in tick.stderr
    assert PASSWORD not in tick.stdout + tick.stderr
    assert received.body not in tick.stderr
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and PASSWORD.encode() in p.read_bytes()]


def test_a_refused_login_stays_pending_with_an_error_that_holds_no_password(tmp_path):
    handler = Inbox(require_login=True)
    server = start_server(handler, authenticator=Authenticator("sam", PASSWORD), auth_require_tls=False)
    write_config(tmp_path, f"email:\n  host: {HOST}\n  port: {server.port}\n  security: none\n"
                           "  to: sam@example.org\n  username: sam\n")  # fmt: skip
    wrong = "not-" + PASSWORD
    try:
        start_application(tmp_path)
        env = {"TACTFUL_SMTP_PASSWORD": wrong, "TACTFUL_LOG_LEVEL": "debug"}
        tick = tactful(tmp_path, "tick", "--now", TICK, env=env)
        listing = tactful(tmp_path, "outbox", "--json", "--now", TICK)
    finally:
        server.stop()
    assert handler.received == []
    [pending] = json.loads(listing.stdout)
    assert "refused the login (535" in pending["last_error"] and "TACTFUL_SMTP_PASSWORD" in pending["last_error"]
    assert wrong not in tick.stdout + tick.stderr + listing.stdout + listing.stderr


def test_config_errors_give_file_line_and_column_and_exit_2(tmp_path):
    path = write_config(tmp_path, "email:\n  hots: smtp.example.org\n  port: 587\n")
    result = tactful(tmp_path, "plugins")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:2:3: unknown setting 'hots' in the email section; did you mean 'host'?",
        f"{path}:2:3: the email section needs 'to': your own address, where reminders go",
    ]


# -- In-process, through the plugin manager ----------------------------------------------


def test_the_reminder_carries_the_draft_and_logs_only_key_and_domain(inbox):
    handler, server = inbox
    item = notice()
    with capture_logs() as logs:
        report = deliver_one({"email": settings(server.port)}, item)
    assert len(report.delivered) == 1
    [received] = handler.received
    assert received.message["Message-ID"] == adapter.message_id(f"{item.key}/email")
    assert received.message["Auto-Submitted"] == "auto-generated"
    body = received.body
    assert "Good morning Ms. Rivera, this is Sam calling about the role." in body
    assert "a short inquiry call to ask where the decision stands" in body
    assert "Thu 21 May 2026, 09:00 EDT" in body
    assert logs == [{"event": "email sent", "key": f"{item.key}/email", "domain": "example.org", "log_level": "info"}]


def test_a_reminder_without_a_draft_leaves_the_section_out(inbox):
    handler, server = inbox
    deliver_one({"email": settings(server.port)}, notice(draft=None, action="decide_offer"))
    [received] = handler.received
    assert "Draft" not in received.body
    assert received.message["Subject"] == "tactful: decide on the offer from Northwind (due Thu 21 May)"


def test_transitions_are_emailed_only_when_notify_asks(inbox):
    handler, server = inbox
    moved = notice(kind="transition", key="1/transition/follow_up_due/2026-05-21T13:00:00+00:00", action=None,
                   due=None, source="awaiting_decision", target="follow_up_due", event="timer")  # fmt: skip
    assert len(deliver_one({"email": settings(server.port)}, moved).delivered) == 1
    assert handler.received == []
    deliver_one({"email": settings(server.port, notify=["action_due", "transition"])}, moved)
    [received] = handler.received
    assert received.message["Subject"] == "tactful: Northwind is now follow up due"
    assert "from awaiting decision to follow up due" in received.body and "(a timer)" in received.body


def test_the_message_id_is_the_same_for_every_attempt_of_a_delivery(inbox):
    handler, server = inbox
    for _ in range(2):
        deliver_one({"email": settings(server.port)}, notice())
    first, second = handler.received
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert first.message["Message-ID"] != adapter.message_id("another key")


def test_starttls_with_a_trusted_ca_and_a_login(tmp_path):
    certs = make_certificates(tmp_path / "certs")
    handler = Inbox()
    server = start_server(handler, tls_context=certs.server_context(), require_starttls=True, auth_required=True,
                          authenticator=Authenticator("sam", PASSWORD))  # fmt: skip
    write_config(tmp_path, f"email:\n  host: {HOST}\n  port: {server.port}\n  to: sam@example.org\n"
                           "  username: sam\n  ca_file: certs/ca.pem\n")  # fmt: skip
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("TACTFUL_SMTP_PASSWORD", PASSWORD)
            report = deliver_one(load_config(tmp_path), notice())
    finally:
        server.stop()
    assert report.failed == [] and len(report.delivered) == 1
    [received] = handler.received
    assert received.tls and received.login == "sam"


def test_implicit_tls(tmp_path):
    certs = make_certificates(tmp_path / "certs")
    handler = Inbox()
    server = start_server(handler, ssl_context=certs.server_context())
    config = {"email": settings(server.port, security="tls", ca_file=str(certs.ca))}
    try:
        report = deliver_one(config, notice())
    finally:
        server.stop()
    assert report.failed == [] and len(handler.received) == 1


def test_an_untrusted_certificate_is_a_clear_failed_delivery(tmp_path):
    certs = make_certificates(tmp_path / "certs")
    other = make_certificates(tmp_path / "other")
    handler = Inbox()
    server = start_server(handler, tls_context=certs.server_context(), require_starttls=True)
    try:
        report = deliver_one({"email": settings(server.port, security="starttls", ca_file=str(other.ca))}, notice())
    finally:
        server.stop()
    [(_, error)] = report.failed
    assert "a certificate that is not trusted" in error and "ca_file" in error
    assert handler.received == []


def test_a_server_without_starttls_is_a_clear_failed_delivery(inbox):
    handler, server = inbox
    report = deliver_one({"email": settings(server.port, security="starttls")}, notice())
    [(delivery, error)] = report.failed
    assert error == (f"EmailError: the SMTP server {HOST}:{server.port} does not offer STARTTLS; "
                     "use security: tls if it expects TLS from the start (port 465)")  # fmt: skip
    assert handler.received == []


def test_a_server_that_never_answers_times_out_as_a_clear_failed_delivery():
    with socket.socket() as silent:
        silent.bind((HOST, 0))
        silent.listen()  # connections queue up, and nobody ever says hello
        config = {"email": settings(silent.getsockname()[1], timeout=0.5)}
        [(_, error)] = deliver_one(config, notice()).failed
    assert error.endswith("did not answer within 0.5 seconds")


def test_a_password_without_a_user_name_is_a_clear_failed_delivery(inbox, monkeypatch):
    handler, server = inbox
    monkeypatch.setenv("TACTFUL_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("TACTFUL_SMTP_USERNAME", raising=False)
    [(_, error)] = deliver_one({"email": settings(server.port)}, notice()).failed
    assert "no user name" in error and PASSWORD not in error


# -- Settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("email:\n", "1:1: the email section needs 'host'"),
        ("email:\n  host: h.example.org\n  port: '587'\n  to: a@b.org\n", "3:9: port: must be a whole number"),
        ("email:\n  host: h.example.org\n  port: 70000\n  to: a@b.org\n", "3:9: port: must be a whole number"),
        ("email:\n  host: h.example.org\n  security: ssl\n  to: a@b.org\n", "3:13: security: 'ssl' is not one of"),
        ("email:\n  host: h.example.org\n  to: someone\n", "3:7: to: 'someone' is not an email address"),
        ("email:\n  host: h.example.org\n  to: [a@b.org]\n", "3:7: to: must be an email address"),
        ("email:\n  host: h.example.org\n  to: a@b.org\n  timeout: -1\n", "4:12: timeout: must be a number"),
        ("email:\n  host: h.example.org\n  to: a@b.org\n  notify: [sms]\n", "4:11: notify: must be a list of"),
        ("email:\n  host: h.example.org\n  to: a@b.org\n  security: none\n", "4:13: security: none sends mail"),
        ("email:\n  host: h.example.org\n  to: a@b.org\n  ca_file: no.pem\n", "4:12: ca_file: no file at"),
        ("email:\n  host: h.example.org\n  to: a@b.org\n  ca_file: config.yaml\n", "4:12: ca_file: "),
        ("email:\n  host: h.example.org\n  to: a@b.org\n  password: x\n", "4:3: unknown setting 'password'"),
    ],
)
def test_every_setting_is_checked_where_it_was_written(tmp_path, text, error):
    path = write_config(tmp_path, text)
    with pytest.raises(RuleErrors) as caught:
        get_plugin_manager(load_config(tmp_path), entry_points=False)
    assert any(str(e).startswith(f"{path}:{error}") for e in caught.value.errors), caught.value


def test_defaults_follow_the_security():
    assert adapter.parse_settings({"host": "h.example.org", "to": "a@b.org"}).port == 587
    tls = adapter.parse_settings({"host": "h.example.org", "to": "a@b.org", "security": "tls"})
    assert (tls.port, tls.sender, tls.notify) == (465, "a@b.org", frozenset({"action_due"}))
    assert adapter.parse_settings({"host": "localhost", "to": "a@b.org", "security": "none"}).port == 25


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("::1", True), ("127.0.0.2", True), ("10.0.0.1", False),
     ("smtp.example.org", False)],
)  # fmt: skip
def test_plain_smtp_is_only_for_this_machine(host, loopback):
    assert adapter.is_loopback(host) is loopback


def test_the_readme_example_is_a_valid_email_section():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### Email", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = read_yaml(block, "README.md")
    found = adapter.parse_settings(config["email"])
    assert (found.host, found.to, found.port, found.notify) == ("smtp.example.org", "me@example.org", 587,
                                                                frozenset({"action_due"}))  # fmt: skip
    assert set(config["email"]) | {"ca_file"} == set(adapter.KEYS)  # every setting is shown or described
    for variable in (adapter.PASSWORD_VARIABLE, adapter.USERNAME_VARIABLE):
        assert variable in section
