"""The sms adapter sends a short reminder through Apprise to a real HTTP server on 127.0.0.1
(Apprise's ``json://`` service), and a failed send stays in the outbox until it goes through."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tactful import Engine, MemoryStore
from tactful.errors import RuleErrors
from tactful.hooks.delivery import deliver
from tactful.hooks.pluginmanager import get_plugin_manager
from tactful.plugins import sms
from tactful.runtime.notify import Notice
from tactful.testing import FakeClock

from .clirun import doc, ok, run
from .helpers import at
from .httpserver import RecordingServer, recording_server

pytest.importorskip("apprise", reason="the sms extra is not installed")

ADDED = "2026-05-04T17:00:00+00:00"
DUE = "2026-05-21T10:00:00+02:00"  # the first inquiry call was due at 09:00 in Paris
EXPECTED = "tactful: call Northwind (#1, Ms. Rivera), due Thu 21 May 09:00 Europe/Paris"


@pytest.fixture
def server():
    with recording_server() as running:
        yield running


def json_url(server: RecordingServer, auth: str = "") -> str:
    return f"json://{auth}127.0.0.1:{server.port}/sms"


def home_with_application(tmp_path: Path, config: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(config)
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", "--timezone", "Europe/Paris",
       "--interviewer", "Ms. Rivera", now=ADDED)  # fmt: skip
    ok(home, "record", "1", "thank_you_sent", now=ADDED)
    return home


def texts(server: RecordingServer) -> list[str]:
    return [request.json()["message"] for request in server.posts()]


def test_a_tick_texts_the_due_call_once(tmp_path, server):
    home = home_with_application(tmp_path, f"sms:\n  urls:\n    - {json_url(server)}\n")
    ok(home, "tick", now=DUE)
    ok(home, "tick", now=DUE)
    assert texts(server) == [EXPECTED]
    assert server.posts()[0].path == "/sms"
    assert doc(home, "outbox", now=DUE) == []


def test_a_refused_text_stays_pending_with_its_error_until_retried(tmp_path, server):
    home = home_with_application(tmp_path, "sms:\n")
    env = {"TACTFUL_SMS_URLS": json_url(server)}
    server.status = 500
    ticked = ok(home, "tick", now=DUE, env=env)
    assert "delivery to sms failed" in ticked.stderr
    [pending] = doc(home, "outbox", now=DUE, env=env)
    assert (pending["plugin"], pending["status"], pending["attempts"]) == ("sms", "pending", 1)
    assert "SmsError" in pending["last_error"] and "500" in pending["last_error"]

    server.status = 200
    retried = doc(home, "outbox", "retry", str(pending["id"]), now=DUE, env=env)
    assert (retried["delivered"], retried["failed"]) == (1, 0)
    assert texts(server) == [EXPECTED, EXPECTED]  # the refused attempt, then the one that went through
    assert doc(home, "outbox", now=DUE, env=env) == []


def test_urls_and_their_secrets_never_reach_the_output_or_the_logs(tmp_path, server):
    secret = "s3cr3t-t0ken"
    home = home_with_application(tmp_path, "sms:\n")
    env = {"TACTFUL_SMS_URLS": json_url(server, auth=f"alice:{secret}@"), "TACTFUL_LOG_LEVEL": "debug"}
    server.status = 503
    outputs = [run(home, "tick", now=DUE, env=env), run(home, "outbox", now=DUE, env=env),
               run(home, "outbox", "--json", now=DUE, env=env), run(home, "plugins", now=DUE, env=env)]  # fmt: skip
    assert all(done.returncode == 0 for done in outputs), [done.stderr for done in outputs]
    assert "503" in outputs[1].stdout
    for done in outputs:
        for part in (secret, "alice", str(server.port), "json://"):
            assert part not in done.stdout + done.stderr, part
    assert server.posts()[0].headers["authorization"].startswith("Basic ")  # the secret did its job


def test_tactful_plugins_lists_sms_as_loaded_when_configured(tmp_path, server):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text("sms:\n")
    listed = doc(home, "plugins", now=ADDED, env={"TACTFUL_SMS_URLS": json_url(server)})
    [entry] = [p for p in listed if p["name"] == "sms"]
    assert entry["status"] == "loaded" and entry["source"] == "built-in (tactful.plugins.sms)"
    assert "tactful_action_due" in entry["hooks"]


@pytest.mark.parametrize(
    ("config", "env", "expected"),
    [
        ("sms:\n  urls:\n    - nosuchservice://x\n", "", "config.yaml:3:7: this URL is not an Apprise URL"),
        ("sms:\n  url: json://localhost/x\n", "", "config.yaml:2:3: unknown setting 'url' in the sms section"),
        ("sms:\n  urls: 5\n", "", "config.yaml:2:9: urls: must be an Apprise URL or a list of them"),
        ("sms:\n", "", "config.yaml:1:1: the sms section needs an Apprise URL: set TACTFUL_SMS_URLS"),
        ("sms:\n", "json://localhost/x nosuchservice://y", "TACTFUL_SMS_URLS: URL 2 of 2 is not an Apprise URL"),
        ("sms:\n  urls:\n    - nosuchservice\n", "", "config.yaml:3:7: this URL is not an Apprise URL, which reads"),
        (
            "sms:\n  url: json://localhost/x\n",
            "",
            "config.yaml:2:3: unknown setting 'url' in the sms section; did you mean 'urls'?",
        ),
    ],
    ids=["unknown-service", "unknown-key", "not-text", "no-url", "bad-url-in-env", "not-a-url", "misspelt-key"],
)
def test_a_bad_sms_section_is_one_located_line(tmp_path, config, env, expected):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(config)
    done = run(home, "plugins", now=ADDED, env={"TACTFUL_SMS_URLS": env} if env else None)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "nosuchservice://" not in done.stderr and "Traceback" not in done.stderr


def test_loading_the_sms_plugin_leaves_apprise_unimported():
    """Apprise takes most of 100 ms to import: configure checks a URL's shape only, so every command
    that loads plugins (even `tactful --help`) starts without it."""
    code = ("import sys; from tactful.hooks.pluginmanager import get_plugin_manager; "
            "get_plugin_manager({'sms': {'urls': ['nosuchservice://x']}}, entry_points=False); "
            "print('apprise' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "False\n"


def test_a_url_apprise_does_not_understand_fails_its_delivery_where_it_was_written(tmp_path):
    home = home_with_application(tmp_path, "sms:\n  urls:\n    - nosuchservice://x\n")
    ticked = ok(home, "tick", now=DUE)
    assert "delivery to sms failed" in ticked.stderr
    [pending] = doc(home, "outbox", now=DUE)
    assert (pending["plugin"], pending["kind"], pending["status"]) == ("sms", "action_due", "pending")
    assert "config.yaml:3:7: this URL is not an Apprise URL tactful can send with" in pending["last_error"]
    assert "nosuchservice" not in ticked.stderr + pending["last_error"]


def test_a_password_written_in_config_yaml_draws_a_warning_without_the_password(tmp_path, server):
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(f"sms:\n  urls:\n    - {json_url(server, auth='bob:hunter22@')}\n")
    done = ok(home, "plugins", now=ADDED)
    assert "a URL in the sms section holds a password" in done.stderr
    assert "config.yaml:3:7" in done.stderr and "TACTFUL_SMS_URLS" in done.stderr
    assert "hunter22" not in done.stderr + done.stdout


def test_an_embedding_app_delivers_through_the_sms_adapter(server):
    """The same adapter, in process: MemoryStore, FakeClock and a plugin manager built by hand."""
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(MemoryStore(), clock, notify=True)
    app = engine.add("Northwind", interviewed="2026-05-04", timezone="Europe/Paris")
    engine.record(app.id, "thank_you_sent")
    pm = get_plugin_manager({"sms": {"urls": [json_url(server)]}}, entry_points=False)
    clock.set(at("2026-05-21 10:00", "Europe/Paris"))
    engine.tick()
    report = deliver(engine.store.outbox, pm, clock())
    assert report.failed == []
    assert texts(server) == [f"tactful: call Northwind (#{app.id}), due Thu 21 May 09:00 Europe/Paris"]


def test_configuring_without_any_url_is_an_error(monkeypatch):
    monkeypatch.delenv(sms.URLS_VARIABLE, raising=False)
    with pytest.raises(RuleErrors, match="needs an Apprise URL"):
        get_plugin_manager({"sms": {}}, entry_points=False)


def notice(**changes) -> Notice:
    due = at("2026-05-21 09:00", "Europe/Paris")
    base = {"kind": "action_due", "key": "3/action/call/x", "app_id": 3, "company": "Northwind", "state": "s",
            "at": due, "action": "call_again", "due": due, "interviewer": "Ms. Rivera",
            "timezone": "Europe/Paris"}  # fmt: skip
    return Notice(**{**base, **changes})


def test_the_reminder_says_what_for_whom_and_when_in_the_interviewers_time():
    assert sms.reminder(notice()) == "tactful: call again Northwind (#3, Ms. Rivera), due Thu 21 May 09:00 Europe/Paris"
    utc = notice(due=at("2026-05-21 07:00"), interviewer=None)
    assert sms.reminder(utc) == "tactful: call again Northwind (#3), due Thu 21 May 09:00 Europe/Paris"


def test_a_long_name_is_shortened_to_fit_one_sms():
    long = notice(company="The Very Long Name of an International Holding Company " * 4, interviewer="Dr. " + "X" * 80)
    text = sms.reminder(long)
    assert len(text) <= sms.LIMIT
    assert text.startswith("tactful: call again The Very Long Name") and "..." in text
    assert text.endswith("(#3), due Thu 21 May 09:00 Europe/Paris")
    assert "\n" not in sms.reminder(notice(company="North\nwind"))


def test_an_error_message_leaves_out_every_part_of_the_urls():
    url = "twilio://AC1234567890:tok-en-secret@+15550001111/+15552223333"
    said = "Failed to send to +15552223333 with AC1234567890:tok-en-secret@+15550001111 (HTTP 401)"
    redacted = sms.redact(said, [url])
    assert "tok-en-secret" not in redacted and "AC1234567890" not in redacted and "5552223333" not in redacted
    assert "HTTP 401" in redacted


def test_backoff_is_what_the_outbox_does_not_the_adapter(server):
    """A refused text is offered again after the outbox's backoff, without any help from the adapter."""
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(MemoryStore(), clock, notify=True)
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id, "thank_you_sent")
    pm = get_plugin_manager({"sms": {"urls": [json_url(server)]}}, entry_points=False)
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    server.status = 500
    assert len(deliver(engine.store.outbox, pm, clock()).failed) == 1
    server.status = 200
    assert deliver(engine.store.outbox, pm, clock()).delivered == []  # not due again yet
    clock.advance(minutes=1)
    assert [d.plugin for d in deliver(engine.store.outbox, pm, clock()).delivered] == ["sms"]
    assert len(texts(server)) == 2 and clock() - at("2026-05-21 10:00") == timedelta(minutes=1)
