"""The CLI a newcomer meets: options where people put them, a quick start from today, a late
thank-you, tick and outbox saying what they did, readable text, shell completion, JSON for
rule checks, logs for cron, Ctrl-C.

Every test runs the installed `tactful` in a subprocess against a throwaway home.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from .clirun import EXE, doc, ok, run
from .mailserver import HOST, Inbox, reserve_port, start_server

MAY4 = "2026-05-04T17:00:00+00:00"
LATE = "2026-11-29T10:00:00+00:00"
TICK = "2026-05-21T15:00:00+00:00"


def add_northwind(home: Path, now: str = MAY4, *extra: str) -> None:
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", "--interviewer", "Ms. Rivera", *extra, now=now)


# --------------------------------------------------------------------------------------------
# options before or after the command (issue 10, point 8)


def test_home_now_and_json_work_before_the_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_TZ="UTC", TACTFUL_HOME=str(tmp_path / "elsewhere"))
    added = subprocess.run([str(EXE), "--home", str(home), "--now", MAY4, "--json", "add", "Northwind",
                            "--interviewed", "2026-05-04"], capture_output=True, text=True, env=env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {"id": 1}
    listed = subprocess.run([str(EXE), "--home", str(home), "--json", "list", "--now", MAY4],
                            capture_output=True, text=True, env=env)  # fmt: skip
    assert [row["company"] for row in json.loads(listed.stdout)] == ["Northwind"]
    assert not (tmp_path / "elsewhere").exists(), "--home before the command beats TACTFUL_HOME"


def test_an_option_after_the_command_beats_the_same_option_before_it(tmp_path: Path) -> None:
    add_northwind(tmp_path / "a")
    shown = run(tmp_path / "b", "--home", str(tmp_path / "b"), "show", "1", "--home", str(tmp_path / "a"), now=MAY4)
    assert shown.returncode == 0 and "Northwind" in shown.stdout, shown.stderr


def test_demo_keep_leaves_a_home_with_a_live_search_every_command_opens(tmp_path: Path) -> None:
    """Not the story's finished search: several things due now, a decision and a reply
    awaited, an offer to decide, as the board's picture shows."""
    demo = ok(tmp_path / "unused", "demo", "--keep", now=MAY4, env={"TMPDIR": str(tmp_path)})
    folder = re.search(r"tactful --home (\S+) --now (\S+) agenda", demo.stdout)
    assert folder, demo.stdout
    home, end = Path(folder.group(1)), folder.group(2)
    states = {row["company"]: row["state"] for row in doc(home, "list", now=end)}
    assert {"awaiting_decision", "awaiting_reply", "offer_received", "follow_up_due", "interviewed"} <= set(
        states.values()
    ), states
    stop = datetime.fromisoformat(end)  # due by now (an optional note is due, not overdue)
    due_now = [item for item in doc(home, "agenda", now=end) if datetime.fromisoformat(item["due"]) <= stop]
    assert len({item["id"] for item in due_now}) >= 3, due_now
    assert "Nothing to do" not in ok(home, "agenda", now=end).stdout
    for command in (("agenda",), ("tick",), ("outbox",), ("export",)):
        ok(home, "--home", str(home), *command, now=end)


def test_the_demo_asks_in_plain_words_and_names_the_application_of_each_next_step(tmp_path: Path) -> None:
    story = ok(tmp_path, "demo", now=MAY4).stdout
    assert "May I send Northwind a LinkedIn invitation? no" in story
    nexts = [line for line in story.splitlines() if line.strip().startswith("next")]
    assert nexts and all(re.match(r"\s+next for #\d \w", line) for line in nexts), nexts


# --------------------------------------------------------------------------------------------
# a quick start for someone who just had an interview


@pytest.mark.parametrize(("word", "day", "thank_you"), [("today", "2026-05-04", "2026-05-05"),
                                                        ("yesterday", "2026-05-03", "2026-05-04")])  # fmt: skip
def test_interviewed_today_or_yesterday_puts_the_thank_you_next(tmp_path: Path, word: str, day: str,
                                                                 thank_you: str) -> None:  # fmt: skip
    ok(tmp_path, "add", "Northwind", "--interviewed", word, now=MAY4)
    shown = doc(tmp_path, "show", "1", now=MAY4)
    assert shown["interviewed"] == day
    assert shown["next"][0]["action"] == "send_thank_you" and shown["next"][0]["due"].startswith(thank_you)
    agenda = ok(tmp_path, "agenda", now=MAY4).stdout
    assert "send thank you" in agenda.splitlines()[2]


def test_a_late_thank_you_is_refused_with_the_at_that_records_it(tmp_path: Path) -> None:
    add_northwind(tmp_path, LATE)
    refused = run(tmp_path, "record", "1", "thank_you_sent", now=LATE)
    assert refused.returncode == 1 and refused.stdout == ""
    hint = re.search(r"'(tactful record 1 thank_you_sent --at (\S+))'", refused.stderr)
    assert hint and hint.group(2) == "2026-05-05T09:00", refused.stderr
    ok(tmp_path, *hint.group(1).split()[1:], now=LATE)
    assert [e["name"] for e in doc(tmp_path, "show", "1", now=LATE)["history"]][:2] == ["added", "thank_you_sent"]


def test_an_event_refused_for_another_reason_gets_no_at_hint(tmp_path: Path) -> None:
    add_northwind(tmp_path)
    refused = run(tmp_path, "record", "1", "accepted", now=MAY4)
    assert refused.returncode == 1 and "--at" not in refused.stderr


def test_a_future_interview_and_a_duplicate_application_are_warned_about(tmp_path: Path) -> None:
    future = run(tmp_path, "add", "Contoso", "--interviewed", "2026-05-08", now=MAY4)
    assert future.returncode == 0
    assert "warning: the interview date 2026-05-08 is after today (2026-05-04)" in future.stderr
    add_northwind(tmp_path)
    twice = run(tmp_path, "add", "northwind", "--interviewed", "2026-05-04", now=MAY4)
    assert twice.returncode == 0 and "warning: #2 Northwind, interviewed 2026-05-04, is tracked already" in twice.stderr
    other_day = run(tmp_path, "add", "Northwind", "--interviewed", "2026-05-01", now=MAY4)
    assert "warning" not in other_day.stderr


# --------------------------------------------------------------------------------------------
# tick and outbox say what they did


def email_config(home: Path, port: int) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text(
        f"email:\n  host: {HOST}\n  port: {port}\n  security: none\n  to: sam@example.org\n"
    )


def test_tick_counts_timers_notices_and_failures_on_stderr_and_strict_exits_1(tmp_path: Path) -> None:
    with reserve_port() as reserved:  # nothing listens: the email fails
        port = reserved.getsockname()[1]
        email_config(tmp_path, port)
        add_northwind(tmp_path)
        ok(tmp_path, "record", "1", "thank_you_sent", now="2026-05-04T18:00:00+00:00")
        strict = run(tmp_path, "tick", "--json", "--strict", now=TICK)
        assert strict.returncode == 1, strict.stderr
        assert [t["to"] for t in json.loads(strict.stdout)] == ["follow_up_due"]  # the contract stands
        last_line = strict.stderr.splitlines()[-1]
        summary = re.fullmatch(r"tactful: tick: 1 timer fired, (\d) notices delivered, 1 failed", last_line)
        assert summary, strict.stderr
        delivered = [d for d in doc(tmp_path, "outbox", "--all", now=TICK) if d["status"] == "delivered"]
        assert int(summary.group(1)) == len(delivered) > 0  # the transition notes the email plugin passes on
        [pending] = doc(tmp_path, "outbox", now=TICK)
        assert pending["next_attempt"] > TICK and pending["attempts"] == 1
        table = ok(tmp_path, "outbox", now=TICK).stdout
        assert "next try" in table and pending["next_attempt"][:10] in table
    inbox = Inbox()
    server = start_server(inbox, port=port)
    try:
        later = run(tmp_path, "tick", now="2026-05-22T15:00:00+00:00")
    finally:
        server.stop()
    assert later.returncode == 0 and later.stdout == ""
    assert later.stderr.splitlines()[-1] == "tactful: tick: 0 timers fired, 1 notice delivered, 0 failed"
    assert doc(tmp_path, "outbox", now=TICK) == []
    last = doc(tmp_path, "outbox", "--all", now=TICK)[-1]
    assert last["status"] == "delivered" and last["delivered_at"].startswith("2026-05-22")
    assert last["kind"] == "action_due" and inbox.received
    assert "delivered" in ok(tmp_path, "outbox", "--all", now=TICK).stdout


def test_tick_with_nothing_due_says_so_on_stderr_only(tmp_path: Path) -> None:
    add_northwind(tmp_path)
    done = ok(tmp_path, "tick", now=MAY4)
    assert done.stdout == "" and done.stderr.strip() == "tactful: tick: nothing was due"
    assert json.loads(ok(tmp_path, "tick", "--json", now=MAY4).stdout) == []


# --------------------------------------------------------------------------------------------
# people-facing text


def test_show_prints_facts_readably_with_the_interviewers_zone_and_tidy_history(tmp_path: Path) -> None:
    add_northwind(tmp_path, MAY4, "--timezone", "Europe/Paris", "--no-calls")
    ok(tmp_path, "record", "1", "thank_you_sent", now="2026-05-04T18:00:00+00:00")
    text = ok(tmp_path, "show", "1", now=MAY4).stdout
    assert re.search(r"^  no calls: +yes$", text, re.M), text
    assert re.search(r"^  interviewer's time zone: +Europe/Paris$", text, re.M), text
    assert "True" not in text and "False" not in text
    history = text.split("History:\n")[1].splitlines()
    assert re.fullmatch(r"  Mon 2026-05-04 17:00  added +starts in interviewed", history[0]), history
    assert history[1].endswith("thank_you_sent  interviewed -> awaiting decision"), history
    assert len({line.index(" starts") if "starts" in line else line.index(" interviewed ->") for line in history}) == 1


def test_the_agenda_keeps_the_optional_mark(tmp_path: Path) -> None:
    add_northwind(tmp_path)
    ok(tmp_path, "record", "1", "thank_you_sent", now="2026-05-04T18:00:00+00:00")
    ok(tmp_path, "record", "1", "called", "--outcome", "noncommittal", now="2026-05-21T10:00:00+00:00")
    assert "send note (optional)" in ok(tmp_path, "agenda", now="2026-05-21T11:00:00+00:00").stdout


# --------------------------------------------------------------------------------------------
# conventions


def complete(home: Path, words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash completion offers for the last word of ``words``."""
    parts = words.split(" ")
    done = ok(home, now=MAY4, env={"_TACTFUL_COMPLETE": "bash_complete", "COMP_WORDS": words,
                                    "COMP_CWORD": str(len(parts) - 1), **(env or {})})  # fmt: skip
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_shell_completion_knows_ids_events_channels_and_rule_sets(tmp_path: Path) -> None:
    add_northwind(tmp_path)
    assert complete(tmp_path, "tactful show ") == ["1"]
    assert complete(tmp_path, "tactful record 1 th") == ["thank_you_sent"]
    assert complete(tmp_path, "tactful can 1 link") == ["linkedin_invite"]
    assert complete(tmp_path, "tactful draft 1 call") == ["call", "call_again", "callback"]
    assert complete(tmp_path, "tactful add X --rules sm") == ["small-company"]
    assert complete(tmp_path, "tactful rules validate def") == ["default"]
    for shell in ("bash", "zsh", "fish"):
        script = ok(tmp_path, now=MAY4, env={"_TACTFUL_COMPLETE": f"{shell}_source"}).stdout
        assert "_TACTFUL_COMPLETE" in script, shell


def test_rules_validate_json_lists_every_problem_at_its_position(tmp_path: Path) -> None:
    rules = tmp_path / "mine.yaml"
    rules.write_text("extends: default\nsettings:\n  grace: 3 dayz\n  bogus: 1\n")
    done = run(tmp_path, "rules", "validate", str(rules), "--json", now=MAY4)
    assert done.returncode == 2
    report = json.loads(done.stdout)
    assert report["ok"] is False
    assert [(p["file"], p["line"], p["col"]) for p in report["problems"]] == [(str(rules), 3, 10), (str(rules), 4, 3)]
    assert json.loads(ok(tmp_path, "rules", "validate", "default", "--json", now=MAY4).stdout) == {
        "ok": True, "problems": []}  # fmt: skip


def test_rules_test_json_reports_each_scenario(tmp_path: Path) -> None:
    folder = Path(__file__).resolve().parents[1] / "rules" / "scenarios"
    report = json.loads(ok(tmp_path, "rules", "test", str(folder), "--json", now=MAY4).stdout)
    assert report["ok"] is True and report["failed"] == 0 and report["passed"] == len(report["scenarios"]) > 3
    assert all(s["passed"] and s["name"] and s["line"] > 0 for s in report["scenarios"])


def test_every_command_help_has_an_example_and_names_its_environment_variables(tmp_path: Path) -> None:
    from tactful.cli.main import cli

    top = ok(tmp_path, "--help", now=MAY4).stdout
    root = Path(__file__).resolve().parents[1]
    read = {m for f in [*root.glob("engine/**/*.py"), *root.glob("plugins/*.py")]
            for m in re.findall(r"(?<!_)TACTFUL_[A-Z_]+", f.read_text())} - {"TACTFUL_COMPLETE"}  # fmt: skip
    assert read and not [name for name in read if name not in top], "an environment variable missing from --help"
    assert "..." not in top.split("Commands:")[1], "a summary is cut off mid-sentence"
    for name in sorted(set(cli.list_commands(None)) - {"calendar"}):  # type: ignore[arg-type]
        text = ok(tmp_path, name, "--help", now=MAY4).stdout
        assert re.search(rf"^  tactful (\S+ )*{name}\b", text, re.M), f"no example in 'tactful {name} --help'"
        if "--home" in text:
            assert "TACTFUL_HOME" in text and "TACTFUL_NOW" in text, name


def test_every_subcommand_help_has_an_example(tmp_path: Path) -> None:
    import click

    from tactful.cli.main import cli

    ctx = click.Context(cli)
    commands = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    groups = {name: group for name, group in commands.items() if isinstance(group, click.Group)}
    assert "rules" in groups and "outbox" in groups
    for group_name, group in sorted(groups.items()):
        for name in group.list_commands(ctx):
            text = ok(tmp_path, group_name, name, "--help", now=MAY4).stdout
            assert re.search(rf"^  tactful (\S+ )*{group_name} {name}\b", text, re.M), (
                f"no example: {group_name} {name}"
            )


def test_logs_as_json_lines_for_cron_and_quieter_with_q(tmp_path: Path) -> None:
    added = run(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=MAY4,
                env={"TACTFUL_LOG_FORMAT": "json", "TACTFUL_LOG_LEVEL": "info"})  # fmt: skip
    lines = [json.loads(line) for line in added.stderr.splitlines()]
    assert any(line["event"] == "application added" and line["level"] == "info" for line in lines), lines
    verbose = run(tmp_path, "-v", "add", "Contoso", "--interviewed", "2026-05-04", now=MAY4)
    assert "application added" in verbose.stderr and "\x1b[" not in verbose.stderr  # not a terminal: no colour
    quiet = run(tmp_path, "add", "Fabrikam", "--interviewed", "2026-05-04", "-q", now=MAY4,
                env={"TACTFUL_LOG_LEVEL": "info"})  # fmt: skip
    assert quiet.stderr == ""
    bad = run(tmp_path, "list", now=MAY4, env={"TACTFUL_LOG_FORMAT": "xml"})
    assert bad.returncode == 2 and bad.stderr == "tactful: TACTFUL_LOG_FORMAT 'xml' is not one of console, json\n"


def test_lines_below_the_level_cost_no_structlog_import_and_a_warning_is_still_written() -> None:
    """At the default level every command's info lines are dropped: structlog (a tenth of a
    second of start-up) is imported only when a line is written."""
    lines = (
        "import sys\nfrom tactful.vocabulary import log\nlog.configure_cli()\n"
        "log.logger().info('timers fired', count=3)\nlog.logger().debug('no draft')\n"
        "print('structlog' in sys.modules)\nlog.logger().warning('schedule hook failed', error='boom')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    for level, imported, shown in (("warning", "False", "schedule hook failed"), ("info", "True", "timers fired")):
        done = subprocess.run([sys.executable, "-c", lines], capture_output=True, text=True, check=False,
                              env={**env, "TACTFUL_LOG_LEVEL": level})  # fmt: skip
        assert done.returncode == 0 and done.stdout.strip() == imported, (level, done.stdout, done.stderr)
        assert shown in done.stderr and "schedule hook failed" in done.stderr and "no draft" not in done.stderr
    assert "timers fired" not in subprocess.run([sys.executable, "-c", lines], capture_output=True, text=True,
                                                env=env, check=False).stderr  # fmt: skip


def interrupt(proc: subprocess.Popen[str]) -> int | None:
    """Press Ctrl-C until ``proc`` ends; its exit code. A signal that lands just before the
    prompt starts reading the terminal waits for a key, so it is sent again."""
    for _ in range(60):
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    return None


@pytest.mark.skipif(sys.platform == "win32", reason="a terminal and SIGINT")
def test_ctrl_c_exits_130_and_changes_nothing(tmp_path: Path) -> None:
    import pty

    add_northwind(tmp_path)
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path), TACTFUL_NOW=MAY4, TACTFUL_TZ="UTC")
    try:
        with subprocess.Popen([str(EXE), "remove", "1"], stdin=follower, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, text=True) as proc:  # fmt: skip
            assert proc.stderr is not None
            prompt = ""
            while "[y/N]" not in prompt:
                prompt += proc.stderr.read(1)
            assert interrupt(proc) == 130
            assert proc.stderr.read().splitlines()[-1] == "tactful: interrupted"
    finally:
        os.close(leader)
        os.close(follower)
    assert [row["id"] for row in doc(tmp_path, "list", now=MAY4)] == [1]


def test_caldav_warnings_take_the_json_log_and_its_debug_lines_do_not(monkeypatch, capsys) -> None:
    import logging

    import structlog

    from tactful.vocabulary import log

    monkeypatch.setenv("TACTFUL_LOG_FORMAT", "json")
    caldav = logging.getLogger("caldav")
    before = list(caldav.handlers), caldav.propagate
    try:
        log.configure_cli()
        caldav.debug("PROPFIND https://sam:secret@dav.example.org/")
        caldav.warning("the server said %s", "no")
        [line] = capsys.readouterr().err.splitlines()
        assert json.loads(line) | {"timestamp": None} == {"event": "the server said no", "library": "caldav",
                                                           "level": "warning", "timestamp": None}  # fmt: skip
    finally:
        caldav.handlers[:], caldav.propagate = before
        monkeypatch.setattr(log, "_pending", None)
        structlog.reset_defaults()


@pytest.mark.skipif(sys.platform == "win32", reason="a terminal")
@pytest.mark.parametrize("no_color", [False, True])
def test_console_logs_are_coloured_on_a_terminal_unless_no_color_is_set(tmp_path: Path, no_color: bool) -> None:
    import pty

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_") and k != "NO_COLOR"}
    env.update(
        TACTFUL_HOME=str(tmp_path), TACTFUL_NOW=MAY4, TACTFUL_TZ="UTC", **({"NO_COLOR": "1"} if no_color else {})
    )
    try:
        argv = [str(EXE), "-v", "add", "Northwind", "--interviewed", "2026-05-04"]
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=60
        )
        os.close(follower)
        said = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            said += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0 and b"application added" in said, said
    assert (b"\x1b[" in said) is not no_color, said


@pytest.mark.parametrize(
    ("command", "lists"),
    [("can", [("Channels", "policies"), ("Actions", "actions")]), ("draft", [("Actions", "actions")]),
     ("record", [("Events", "events")])],
)  # fmt: skip
def test_can_draft_and_record_help_list_every_name_they_accept(tmp_path: Path, command: str, lists) -> None:
    from tactful.language.loader import load_rules

    rules = load_rules("default")
    text = " ".join(ok(tmp_path, command, "--help", now=MAY4).stdout.split())
    for label, kind in lists:
        names = list(getattr(rules, kind))
        assert names and f"{label} (default rule set): {', '.join(names)}." in text, (label, text)


def test_edit_takes_no_rules_option_and_changes_nothing_when_given_one(tmp_path: Path) -> None:
    add_northwind(tmp_path)
    refused = run(tmp_path, "edit", "1", "--rules", "small-company", now=MAY4)
    assert refused.returncode == 2 and "No such option '--rules'" in refused.stderr.splitlines()[0], refused.stderr
    assert "--rules" not in ok(tmp_path, "edit", "--help", now=MAY4).stdout
    assert doc(tmp_path, "show", "1", now=MAY4)["rules"] == "default"
