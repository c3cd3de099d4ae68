"""The command line a person lives in (issue 23): tables that fit the terminal, names in
words, where the data lives, bare `tactful`, a kept demo to explore, a plugin's test notice.

Every test runs the installed `tactful` in a subprocess against a throwaway home.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .clirun import EXE, doc, ok, run


def test_bare_tactful_prints_its_help_on_stdout_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    done = subprocess.run([str(EXE)], capture_output=True, text=True, env={**env, "TACTFUL_HOME": str(tmp_path)},
                          stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("Usage: tactful [OPTIONS] COMMAND") and "agenda" in done.stdout
    rules = subprocess.run([str(EXE), "rules"], capture_output=True, text=True, env=env, check=False)
    assert rules.returncode == 0 and rules.stdout.startswith("Usage: tactful rules")


MAY5 = "2026-05-05T12:00:00+00:00"


def search(home: Path) -> None:
    """Northwind owes a thank-you; Tiny Bakery's inquiry call is overdue; Contoso made an offer."""
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", "--interviewer", "Ms. Rivera", now=MAY5)
    ok(home, "add", "Tiny Bakery", "--interviewed", "2026-04-10", now=MAY5)
    ok(home, "add", "Contoso", "--interviewed", "2026-04-27", now=MAY5)
    ok(home, "record", "3", "offer", "--deadline", "2026-05-11", now=MAY5)


def test_the_agenda_fits_80_columns_with_the_why_cut_and_wide_prints_it_whole(tmp_path: Path) -> None:
    search(tmp_path)
    narrow = ok(tmp_path, "agenda", now=MAY5, env={"COLUMNS": "80"}).stdout.splitlines()
    assert max(len(line) for line in narrow) <= 80, narrow
    assert any(line.endswith("…") for line in narrow[2:]) and "--wide prints it whole" in narrow[-1]
    wide = ok(tmp_path, "agenda", "--wide", now=MAY5, env={"COLUMNS": "80"}).stdout
    assert "(done: record thank_you_sent)" in wide and "…" not in wide and "--wide" not in wide
    piped = ok(tmp_path, "agenda", now=MAY5).stdout  # no terminal, no COLUMNS: whole, for grep
    assert piped == wide
    roomy = ok(tmp_path, "agenda", now=MAY5, env={"COLUMNS": "400"}).stdout
    assert roomy == wide
    plan = ok(tmp_path, "plan", "1", now=MAY5, env={"COLUMNS": "100"}).stdout.splitlines()
    assert max(len(line) for line in plan) <= 100 and "…" in plan[3], plan


def test_tables_name_states_and_actions_in_words_and_json_keeps_the_identifiers(tmp_path: Path) -> None:
    search(tmp_path)
    listed = ok(tmp_path, "list", now=MAY5).stdout
    assert "follow up due" in listed and "send thank you" in listed and "decide offer" in listed
    assert "_" not in listed
    agenda = ok(tmp_path, "agenda", now=MAY5).stdout
    assert "  send thank you  " in agenda and "  decide offer  " in agenda
    shown = ok(tmp_path, "show", "3", now=MAY5).stdout
    assert "interviewed -> offer received" in shown and "decide offer:" in shown
    assert [row["state"] for row in doc(tmp_path, "list", now=MAY5)] == ["interviewed", "follow_up_due",
                                                                          "offer_received"]  # fmt: skip
    assert {item["action"] for item in doc(tmp_path, "agenda", now=MAY5)} >= {"send_thank_you", "decide_offer"}


def test_home_says_where_the_data_lives_without_the_database_password(tmp_path: Path) -> None:
    home = tmp_path / "search"
    search(home)
    (home / "config.yaml").write_text("email:\n  host: 127.0.0.1\n  port: 2525\n  to: me@example.org\n")
    said = ok(home, "home", now=MAY5, env={"TACTFUL_TZ": "Europe/Paris"}).stdout
    assert f"home:    {home}\n" in said and f"store:   sqlite, {home / 'tactful.sqlite3'}\n" in said
    assert f"config:  {home / 'config.yaml'}\n" in said and "zone:    Europe/Paris (TACTFUL_TZ)" in said
    assert "  email     loaded" in said and "  sms       " in said
    url = "postgresql://alice:s3cr%40t-pw@db.example.org:5433/tactful"
    shown = doc(tmp_path / "new", "--database", url, "home", now=MAY5)
    assert shown["store"] == {"kind": "postgresql", "where": "postgresql://alice:***@db.example.org:5433/tactful",
                              "from": "--database"}  # fmt: skip
    assert shown["home"] == str(tmp_path / "new") and shown["exists"] is False
    from_environment = ok(tmp_path, "home", now=MAY5, env={"TACTFUL_DATABASE": url}).stdout
    assert "s3cr" not in from_environment and "(from TACTFUL_DATABASE)" in from_environment
    assert ok(home, "home", "--path", now=MAY5).stdout == f"{home}\n"


def test_plugins_test_sends_a_sample_notice_through_one_adapter_now(tmp_path: Path) -> None:
    """A real SMTP server on 127.0.0.1 gets the sample; a server that is down is exit 1, one line."""
    from .mailserver import HOST, reserve_port, running_inbox

    home = tmp_path / "home"
    home.mkdir()
    with running_inbox() as (inbox, server):
        config = f"email:\n  host: {HOST}\n  port: {server.port}\n  security: none\n  to: Sam <sam@example.org>\n"
        (home / "config.yaml").write_text(config)
        sent = ok(home, "plugins", "test", "email", now=MAY5)
        assert sent.stdout == "Sent a sample reminder through email (Sample Company (a tactful test)).\n"
        [received] = inbox.received
        assert received.rcpt_tos == ["sam@example.org"] and "Sample Company" in received.message["Subject"]
        assert "This is a sample draft" in received.body
    assert ok(home, "outbox", "--all", "--json", now=MAY5).stdout.strip() == "[]", "nothing was written"
    with reserve_port() as down:
        (home / "config.yaml").write_text(f"email:\n  host: {HOST}\n  port: {down.getsockname()[1]}\n"
                                          "  security: none\n  to: sam@example.org\n")  # fmt: skip
        failed = run(home, "plugins", "test", "email", now=MAY5)
    assert failed.returncode == 1 and failed.stdout == "" and failed.stderr.count("\n") == 1, failed.stderr
    assert failed.stderr.startswith("tactful: plugin 'email' could not deliver the sample notice: ")
    for name, said in (("sms", "plugin 'sms' is not configured: add a section 'sms:'"),
                       ("nope", "no plugin 'nope' is loaded (loaded: email)")):  # fmt: skip
        refused = run(home, "plugins", "test", name, now=MAY5)
        assert refused.returncode == 2 and refused.stderr.startswith(f"tactful: {said}"), refused.stderr
