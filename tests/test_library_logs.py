"""The lines Apprise and caldav log take tactful's pipeline (its level, -v/-q, its format), and
the secrets they would quote never reach it: a real Apprise notify to a loopback HTTP server,
a real push to Radicale, every level from -q to -vv, console and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .clirun import run
from .davserver import radicale
from .httpserver import recording_server
from .test_sms import home_with_application  # needs Apprise, which the test extra installs

DUE = "2026-05-21T10:00:00+02:00"  # the first inquiry call is due
LEVELS = (("-q",), (), ("-v",), ("-vv",))


def library_lines(stderr: str, library: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("library") == library]


@pytest.mark.parametrize("status", [200, 503])
def test_apprise_logs_through_tactful_without_the_secrets_of_its_url(tmp_path: Path, status: int) -> None:
    pytest.importorskip("apprise", reason="the sms extra is not installed")
    token = "t0ken-7f3a9c"
    home = home_with_application(tmp_path, "sms:\n")
    with recording_server() as server:
        server.status = status
        url = f"json://alice:{token}@127.0.0.1:{server.port}/hook-{token}"
        said = {}
        for fmt in ("json", "console"):
            for flags in LEVELS:
                env = {"TACTFUL_SMS_URLS": url, "TACTFUL_LOG_FORMAT": fmt}
                again = ("outbox", "retry", "1") if said else ("tick",)  # sends each time, delivered or not
                done = run(home, *flags, *again, now=DUE, env=env)
                assert done.returncode == 0, done.stderr
                for secret in (token, f"alice:{token}", str(server.port)):
                    assert secret not in done.stderr + done.stdout, (fmt, flags, secret, done.stderr)
                said[fmt, flags] = done.stderr
        assert len(server.posts()) == len(said), "Apprise did not send each time: the test proves less"
        assert server.posts()[0].headers["authorization"].startswith("Basic ")  # the secret did its job
    debug = library_lines(said["json", ("-vv",)], "apprise")
    assert debug and {line["level"] for line in debug} >= {"debug"}, said["json", ("-vv",)]
    assert any("***" in str(line["event"]) for line in debug), "a line that quoted the URL, redacted"
    assert library_lines(said["json", ("-v",)], "apprise"), "Apprise's info lines appear at -v"
    assert all(line["level"] != "debug" for line in library_lines(said["json", ("-v",)], "apprise"))
    assert "apprise" not in said["json", ("-q",)] and "apprise" not in said["console", ("-q",)]
    assert "library=apprise" in said["console", ("-vv",)] and "\x1b[" not in said["console", ("-vv",)]


def test_caldav_logs_through_tactful_without_the_password(tmp_path: Path) -> None:
    pytest.importorskip("caldav", reason="the calendar extra is not installed")
    password = "pa55-w0rd-e1"
    login = {"TACTFUL_CALDAV_USERNAME": "alice", "TACTFUL_CALDAV_PASSWORD": password}
    from base64 import b64encode

    basic = b64encode(f"alice:{password}".encode()).decode()
    with radicale(tmp_path / "radicale") as dav:
        home = home_with_application(tmp_path, f"calendar:\n  caldav:\n    url: {dav}\n    calendar: logged\n")
        said = {}
        for flags in LEVELS:
            done = run(home, *flags, "calendar", "write", now=DUE, env={**login, "TACTFUL_LOG_FORMAT": "json"})
            assert done.returncode == 0, done.stderr
            for secret in (password, basic):
                assert secret not in done.stderr + done.stdout, (flags, done.stderr)
            said[flags] = done.stderr
    debug = library_lines(said[("-vv",)], "caldav")
    assert any(str(line["event"]).startswith("sending request") for line in debug), said[("-vv",)]
    assert all(line["level"] != "debug" for line in library_lines(said[("-v",)], "caldav"))
    assert not library_lines(said[()], "caldav") and not library_lines(said[("-q",)], "caldav")


def test_a_library_line_loses_logins_headers_and_the_secrets_plugins_handed_over(monkeypatch, capsys) -> None:
    """What caldav's debug line would say with a login in its headers, and an Apprise line
    quoting a URL whose token sits in its path, as they reach the log at -vv."""
    import logging

    import structlog

    from tactful.vocabulary import log

    monkeypatch.setenv("TACTFUL_LOG_FORMAT", "json")
    loggers = [logging.getLogger(name) for name in log.LIBRARY_LOGGERS]
    before = [(list(x.handlers), x.propagate, x.level) for x in loggers]
    try:
        log.configure_cli()
        log.set_verbosity(2)
        log.add_secrets("xoxb-1234-secret")
        logging.getLogger("caldav").debug(
            "sending request - method=PROPFIND, url=https://sam:hunter2@dav.example.org/, "
            "headers={'Authorization': 'Basic c2FtOmh1bnRlcjI=', 'Depth': '0'}")  # fmt: skip
        logging.getLogger("apprise").info("Loaded slack://xoxb-1234-secret/C0123 URL")
        logging.getLogger("caldav").debug("nothing secret in %s", "here")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
        assert [line["event"] for line in lines] == [
            "sending request - method=PROPFIND, url=https://***@dav.example.org/, "
            "headers={'Authorization': '***', 'Depth': '0'}",
            "Loaded slack://***/C0123 URL",
            "nothing secret in here",
        ]
        assert [line["library"] for line in lines] == ["caldav", "apprise", "caldav"]
    finally:
        log._pending, log._forwarding = None, False
        log.set_verbosity(0)
        log._secrets.clear()
        for x, (handlers, propagate, level) in zip(loggers, before, strict=True):
            x.handlers[:], x.propagate = handlers, propagate
            x.setLevel(level)
        structlog.reset_defaults()
