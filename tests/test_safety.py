"""Safe to share, safe to run: known attacks on a shared rule file and on the CLI's input.

Each payload is refused at load with ``file:line:col``, quickly and without a traceback; the
home is private; an internal error is exit 70 with a crash report.
"""

from __future__ import annotations

import os
import resource
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tactful import Engine, MemoryStore, RuleBook, RuleError, RuleErrors, load_rules
from tactful.testing import FakeClock

from .clirun import EXE, ok, run
from .helpers import at

NOW = "2026-05-06T10:00:00+00:00"


def errors_of(path: Path) -> list[str]:
    """The located messages loading ``path`` gives, within a second."""
    start = time.process_time()
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path))
    assert time.process_time() - start < 1.0, "a refusal must take under a second"
    return [str(e) for e in caught.value.errors]


def write(folder: Path, text: str, name: str = "mine.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


# -- 1. a rule file reaches only its own folder ------------------------------------------


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("/proc/self/environ", "is not inside the rule file's folder"),
        ("/etc/passwd", "is not inside the rule file's folder"),
        ("~/.bashrc", "is not inside the rule file's folder"),
        ("../secret.txt", "uses '..'"),
        ("inner/../../secret.txt", "uses '..'"),
        ("escape.txt", "leads outside the rule file's folder"),
    ],
)
def test_a_template_file_outside_the_rule_files_folder_is_refused(tmp_path, ref, message):
    (tmp_path / "secret.txt").write_text("SMTP_PASSWORD=hunter2\n")
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "escape.txt").symlink_to(tmp_path / "secret.txt")
    path = write(folder, f"extends: default\ntemplates:\n  call: {{file: {ref}}}\n")
    found = errors_of(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:3:16: ") and message in found[0], found
    assert "hunter2" not in found[0]


def test_a_template_file_inside_the_folder_is_read(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "call.txt").write_text("Hello {{ company }}")
    path = write(tmp_path, "extends: default\ntemplates:\n  call: {file: scripts/call.txt}\n")
    assert load_rules(str(path)).templates["call"].source == "Hello {{ company }}"


def test_a_fifo_or_device_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    path = write(tmp_path, "extends: default\ntemplates:\n  call: {file: pipe.txt}\n")
    assert any("is not a regular file" in e for e in errors_of(path))


def test_extends_from_a_file_names_only_rule_files(tmp_path):
    (tmp_path / "notes.txt").write_text("settings: {}\n")
    path = write(tmp_path, "extends: notes.txt\n")
    assert any("'notes.txt' is not a rule file" in e for e in errors_of(path))


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("/proc/self/environ", "is not inside the rule file's folder"),
        ("/dev/zero", "is not inside the rule file's folder"),
        ("/etc/passwd", "is not inside the rule file's folder"),
        ("~/base.yaml", "is not inside the rule file's folder"),
        ("../base.yaml", "uses '..'"),
        ("inner/../../base.yaml", "uses '..'"),
        ("escape.yaml", "leads outside the rule file's folder"),
    ],
)
def test_extends_outside_the_rule_files_folder_is_refused(tmp_path, ref, message):
    (tmp_path / "base.yaml").write_text("extends: default\nsettings:\n  max_calls: 1\n")
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "escape.yaml").symlink_to(tmp_path / "base.yaml")
    path = write(folder, f"extends: {ref}\n")
    found = errors_of(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:1:10: ") and message in found[0], found


def test_extends_reads_a_rule_file_inside_its_folder_and_a_shipped_set(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "base.yaml").write_text("extends: small-company\nsettings:\n  max_calls: 1\n")
    path = write(tmp_path, "extends: parts/base.yaml\n")
    assert load_rules(str(path)).settings["max_calls"] == 1


def test_extends_outside_the_folder_is_refused_by_the_cli_too(tmp_path):
    (tmp_path / "base.yaml").write_text("extends: default\n")
    (tmp_path / "shared").mkdir()
    path = write(tmp_path / "shared", "extends: ../base.yaml\n")
    done = run(tmp_path / "home", "rules", "validate", str(path), now=NOW)
    assert done.returncode == 2 and done.stderr.startswith(f"{path}:1:10: "), done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "home").exists()


# -- 2. bounded cost -----------------------------------------------------------------------

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ALIAS_BOMB, "once its aliases are expanded"),
        ("a: " + "[" * 20_000 + "]" * 20_000 + "\n", "nested more than 64 levels"),
        ("".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "x: 1\n", "nested more than 64 levels"),
        ("description: '" + "x" * (1024 * 1024) + "'\n", "larger than 1024 KiB"),
    ],
    ids=["alias-bomb", "deep-flow", "deep-block", "large-file"],
)
def test_yaml_bombs_are_refused_before_anything_is_built(tmp_path, text, message):
    path = write(tmp_path, text)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found = errors_of(path)
    assert len(found) == 1 and found[0].startswith(str(path)) and message in found[0], found
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: under 100 MB


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("company" + " + company" * 400, "characters long; the most is 1,000"),
        ("not " * 40 + "rank", "nests more than 30 levels"),
        ("(" * 300 + "rank" + ")" * 300, "cannot read this expression"),
        ("rank + " + "-" * 100 + "1", "nests more than 30 levels"),
    ],
)
def test_expression_bombs_are_refused_at_load(tmp_path, expression, message):
    path = write(tmp_path, f"extends: default\nderived:\n  big: {expression}\n")
    found = errors_of(path)
    assert any(e.startswith(f"{path}:3:") and message in e for e in found), found


def test_a_chain_of_derived_names_doubling_a_text_stops_at_the_value_bound(tmp_path):
    chain = "".join(f"  d{i + 1}: d{i} + d{i}\n" for i in range(40))
    path = write(tmp_path, f"extends: default\nderived:\n  d0: company\n{chain}states:\n"
                           "  interviewed:\n    on:\n      news: [{to: interviewed, when: d40 == 'x'}]\n")  # fmt: skip
    home = tmp_path / "home"
    ok(home, "add", "Acme", "--interviewed", "2026-05-04", "--rules", str(path), now=NOW)
    done = run(home, "record", "1", "news", "--text", "hello", now=NOW)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"{path}:" in done.stderr and "the most an expression may make is 100,000" in done.stderr


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'a' * 1000000000 }}", "the number 1,000,000,000 is too large"),
        ("{{ company|center(1000000000) }}", "the number 1,000,000,000 is too large"),
        ("{{ '%0999999999d' % 1 }}", "a format width that large"),
        ("{{ '{:>999999999}'.format(1) }}", "a format width that large"),
        ("{{ 2 ** 64 }}", "'**' is not allowed"),
        ("{{ company.__class__.__mro__ }}", "reaches internals"),
        ("{% include '/etc/passwd' %}", "cannot include"),
    ],
)
def test_sandbox_escapes_and_template_bombs_are_refused_at_load(tmp_path, template, message):
    path = write(tmp_path, f'extends: default\ntemplates:\n  call: "{template}"\n')
    found = errors_of(path)
    assert any(e.startswith(f"{path}:3:") and message in e for e in found), found


#: Ten billion turns of a loop that writes nothing, so only the render's own clock stops it.
LONG_LOOP = "{% for i in 'x' * 100000 %}{% for j in 'x' * 100000 %}{% endfor %}{% endfor %}"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{% set n = 99999 + 99999 %}{{ company.center(n) }}", "the number 199,998 is too large"),
        (
            "{% set a = company ~ company ~ company ~ company %}{% set b = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"
            "{% set c = b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b %}{% set d = c ~ c ~ c ~ c ~ c ~ c ~ c ~ c ~ c ~ c %}"
            "{% set e = d ~ d ~ d ~ d ~ d ~ d ~ d ~ d ~ d ~ d %}{{ e }}",
            "'~' would make a text of more than 100,000",
        ),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "it calls itself without end"),
        ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "it calls itself without end"),
        (LONG_LOOP, "it took more than 1 second to render"),
        ("{% set a = 'a' * 50000 %}{% set b = [a, a, a] %}{{ b }}", "it makes a value of more than 100,000"),
        ("{{ ('a' * 50000)|replace('a', 'bbb') }}", "'replace' would make a text of more than 100,000"),
        ("{{ ('a' * 1000).join('b' * 1000) }}", "'join' would make a text of more than 100,000"),
        ("{% set l = [1] %}{% for i in l %}{{ l.append(i) }}{% endfor %}", "attribute 'append' of 'list'"),
    ],
    ids=[
        "computed-width",
        "join-chain",
        "recursive-macro",
        "recursive-loop",
        "long-loop",
        "nested-list",
        "replace",
        "str-join",
        "append",
    ],
)
def test_a_template_that_grows_at_run_time_fails_its_draft_with_a_located_error(tmp_path, template, message):
    path = write(tmp_path, f'extends: default\ntemplates:\n  call: "{template}"\n')
    home = tmp_path / "home"
    ok(home, "add", "Acme", "--interviewed", "2026-05-04", "--rules", str(path), now=NOW)
    started = time.monotonic()
    done = run(home, "draft", "1", "call", now=NOW)
    assert time.monotonic() - started < 30
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"{path}:3:") and message in done.stderr, done.stderr


def test_the_render_time_limit_holds_in_worker_threads_at_once(tmp_path):
    """An embedding app (or the web server) drafts in its own threads: no signal reaches them,
    so the sandbox's own hooks stop each runaway render at its limit, and a good draft beside it
    is untouched."""
    path = write(tmp_path, f'extends: default\ntemplates:\n  call: "{LONG_LOOP}"\n')
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")))
    slow = engine.add("Acme", interviewed="2026-05-04", rules=str(path))
    good = engine.add("Globex", interviewed="2026-05-04")
    outcome: dict[str, object] = {}

    def draft(name: str, app_id: int) -> None:
        started = time.monotonic()
        try:
            outcome[name] = engine.drafts(app_id, "call")[0].body
        except RuleErrors as err:
            outcome[name] = str(err.errors[0])
        outcome[name + " seconds"] = time.monotonic() - started

    workers = [threading.Thread(target=draft, args=(f"slow{n}", slow.id)) for n in range(2)]
    workers.append(threading.Thread(target=draft, args=("good", good.id)))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    for name in ("slow0", "slow1"):
        assert str(outcome[name]).startswith(f"{path}:3:") and "took more than 1 second" in str(outcome[name])
        assert 0.9 < float(str(outcome[name + " seconds"])) < 5, outcome
    assert "Globex" in str(outcome["good"]), outcome


# -- 3. types checked at load --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("interviewed + company", "cannot add a moment and text"),
        ("interviewed + 3", "cannot add a moment and a number"),
        ("company - grace", "cannot take a duration from text"),
        ("interviewed < rank", "cannot compare a moment with a number"),
        ("-company", "cannot negate text"),
    ],
)
def test_expressions_are_type_checked_at_load(tmp_path, expression, message):
    path = write(tmp_path, f"extends: default\nderived:\n  first_inquiry: {expression}\n")
    found = errors_of(path)
    assert any(e.startswith(f"{path}:3:") and message in e for e in found), found


def test_a_derived_names_kind_carries_into_its_uses(tmp_path):
    path = write(
        tmp_path, "extends: default\nderived:\n  label: company + ' (' + role + ')'\n  when: interviewed + label\n"
    )
    assert any(e.startswith(f"{path}:4:9: ") and "cannot add a moment and text" in e for e in errors_of(path))


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "events:\n  called:\n    refuse:\n      - when: callback_at > outcome\n        because: never\n",
            "5:15: cannot compare a moment with text",
        ),
        (
            "events:\n  called:\n    require:\n      - that: decision_by + outcome\n        says: never\n",
            "5:15: cannot add a moment and text",
        ),
        (
            "events:\n  thank_you_sent:\n    set: {last_contact: company}\n",
            "4:25: 'last_contact' is a moment; this gives text",
        ),
        (
            "states:\n  interviewed:\n    on:\n      called: [{to: interviewed, when: callback_at + outcome}]\n",
            "5:40: cannot add a moment and text",
        ),
        (
            "policies:\n  call:\n    - deny: next_due + company\n      because: never\n",
            "4:13: cannot add a moment and text",
        ),
        (
            "policies:\n  call:\n    - deny: holiday > due\n      because: never\n",
            "4:13: cannot compare text with true/false",
        ),
        ("invariants:\n  - holds: can_call + 1\n    says: never\n", "3:12: cannot add true/false and a number"),
    ],
    ids=["param-compare", "param-add", "set-kind", "branch-param", "policy-name", "policy-holiday", "can"],
)
def test_event_parameters_policy_names_and_set_are_typed_at_load(tmp_path, section, message):
    path = write(tmp_path, "extends: default\n" + section)
    found = errors_of(path)
    assert any(e.startswith(f"{path}:{message.split(' ')[0]} ") and message.split(" ", 1)[1] in e for e in found), found


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "events:\n  called:\n    refuse:\n      - when: \"'voicemial' == outcome\"\n        because: no\n",
            "5:15: outcome is never 'voicemial'; did you mean 'voicemail'?",
        ),
        (
            "events:\n  called:\n    refuse:\n      - when: outcome in ('voicemial', 'no_answer')\n"
            "        because: no\n",
            "5:27: outcome is never 'voicemial'; did you mean 'voicemail'?",
        ),
        (
            "states:\n  interviewed:\n    on:\n      called: [{to: interviewed, when: \"outcome != 'x'\"}]\n",
            "5:51: outcome is never 'x'; it is one of callback_requested, no_answer, noncommittal, voicemail",
        ),
    ],
    ids=["equal-reversed", "in", "branch"],
)
def test_a_text_compared_with_a_one_of_parameter_must_be_one_of_its_words(tmp_path, section, message):
    path = write(tmp_path, "extends: default\n" + section)
    where, text = message.split(" ", 1)
    assert any(e.startswith(f"{path}:{where} ") and text in e for e in errors_of(path)), errors_of(path)


def weekdays_after(moment: datetime | None, days: int) -> datetime | None:
    """A plugin's function, with the annotations a rule file is checked against."""
    return None if moment is None else moment + timedelta(days=days)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("weekdays_after(interviewed)", "3:18: 'weekdays_after' takes 2 arguments, not 1"),
        ("weekdays_after(interviewed, 1, 2)", "3:18: 'weekdays_after' takes 2 arguments, not 3"),
        ("weekdays_after(company, 3)", "3:33: argument 1 of 'weekdays_after' is a moment, not text"),
        ("weekdays_after(interviewed, grace)", "3:46: argument 2 of 'weekdays_after' is a number, not a duration"),
        ("weekdays_after(interviewed, 3) + company", "3:18: cannot add a moment and text"),
        ("company < weekdays_after(interviewed, 3)", "3:18: cannot compare text with a moment"),
    ],
)
def test_plugin_functions_are_checked_against_their_annotations_at_load(tmp_path, expression, message):
    path = write(tmp_path, f"extends: default\nderived:\n  first_inquiry: {expression}\n")
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path), functions={"weekdays_after": weekdays_after})
    where, text = message.split(" ", 1)
    assert any(str(e).startswith(f"{path}:{where} ") and text in str(e) for e in caught.value.errors), caught.value


def test_a_plugin_function_without_annotations_is_accepted_and_its_failure_is_located(tmp_path):
    path = write(tmp_path, "extends: default\nderived:\n  first_inquiry: broken(interviewed) + 1 day\n")
    assert load_rules(str(path), functions={"broken": lambda moment: moment.no_such_thing})
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")),
                    RuleBook(functions={"broken": lambda moment: moment.no_such_thing}))  # fmt: skip
    with pytest.raises(RuleError) as caught:
        engine.add("Acme", interviewed="2026-05-04", rules=str(path))
        engine.agenda(at("2026-05-20 09:00"))
    assert str(caught.value).startswith(f"{path}:3:18: 'broken(interviewed) + 1 day' could not be evaluated: ")
    assert "no_such_thing" in str(caught.value)


# -- 5. no traceback: bad input is exit 2, a defect exit 70 ------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("add", "Acme", "--interviewed", "2026-05-04", "--now", "0001-01-01T00:00+14:00"),
        ("list", "--now", "9999-12-31T23:59-14:00"),
        ("show", "99999999999999999999999"),
        ("add", "Acme", "--interviewed", "9999-12-31"),
        ("add", "Acme", "--interviewed", "2026-05-04", "--decision-by", "9999-12-31"),
        ("add", "Acme", "--interviewed", "2026-05-04", "--timezone", "A" * 5000),
        ("add", "Acme", "--interviewed", "2026-05-04", "--timezone", "Europe/\x1b[31mParis"),
    ],
    ids=["early-now", "late-now", "huge-id", "late-interview", "late-decision", "long-zone", "escape-zone"],
)
def test_extreme_input_is_one_line_and_exit_2(tmp_path, args):
    done = run(tmp_path, *args, now=NOW)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and len(lines[0]) < 300, lines
    assert "\x1b" not in done.stderr
    assert ok(tmp_path, "list", "--json", now=NOW).stdout.strip() == "[]"


def test_an_edit_to_an_extreme_date_is_refused_and_changes_nothing(tmp_path):
    ok(tmp_path, "add", "Acme", "--interviewed", "2026-05-04", now=NOW)
    before = ok(tmp_path, "show", "1", "--json", now=NOW).stdout
    done = run(tmp_path, "edit", "1", "--decision-by", "9999-12-31", now=NOW)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "--decision-by" in done.stderr
    assert ok(tmp_path, "show", "1", "--json", now=NOW).stdout == before


# Linux keeps a process's peak memory across exec, so a child forked from this (large) test
# process would report the test's own peak. A small Python in between starts the CLI as its
# child and reports that grandchild's CPU and peak, which start from nothing.
_GAUGE = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def _measured(home: Path, *args: str) -> tuple[int, str, float, int]:
    """``tactful ARGS``: its exit code, its stderr, the CPU seconds and the most memory (KiB) it took."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC")
    done = subprocess.run([sys.executable, "-S", "-c", _GAUGE, str(EXE), *args], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True)  # fmt: skip
    code, seconds, kib = done.stdout.split()
    return int(code), done.stderr, float(seconds), int(kib)


PAYLOADS = {
    "proc-environ": ("extends: default\ntemplates:\n  call: {file: /proc/self/environ}\n", "3:16", "not inside"),
    "alias-bomb": (ALIAS_BOMB, "", "once its aliases are expanded"),
    "12-MB-file": ("description: '" + "x" * (12 * 1024 * 1024) + "'\n", "1:1", "larger than 1024 KiB"),
    "deep-nesting": ("a: " + "[" * 20_000 + "]" * 20_000 + "\n", "1:", "nested more than 64 levels"),
    "template-bomb": ("extends: default\ntemplates:\n  call: \"{{ 'a' * 1000000000 }}\"\n", "3:", "too large"),
    "date-plus-text": ("extends: default\nderived:\n  first_inquiry: interviewed + company\n", "3:18",
                       "cannot add a moment and text"),
    "contact-hours": ("extends: default\nsettings:\n  contact_hours: 9-5\n", "3:18", "not a span of hours"),
    "extends-out": ("extends: /etc/passwd\n", "1:10", "not inside the rule file's folder"),
}  # fmt: skip


@pytest.mark.parametrize("name", PAYLOADS)
def test_each_payload_is_refused_by_the_cli_in_a_fresh_home_quickly_and_writing_nothing(tmp_path, name):
    text, where, message = PAYLOADS[name]
    path = write(tmp_path, text)
    home = tmp_path / "home"
    commands = [("rules", "validate", str(path)), ("add", "Acme", "--interviewed", "2026-05-04", "--rules", str(path))]
    for args in commands[: 1 if name == "template-bomb" else 2]:  # templates are checked when drafted, not at add
        code, err, seconds, kib = _measured(home, *args)
        assert code == 2 and "Traceback" not in err and len(err.splitlines()) == 1, err
        assert err.startswith(f"{path}:{where}") and message in err, err
        assert seconds < 1.0 and kib < 100 * 1024, (seconds, kib)
    assert ok(home, "list", "--json", now=NOW).stdout.strip() == "[]"  # nothing added on exit 2


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("contact_hours: 9-5", "'9-5' is not a span of hours"),
        ("contact_hours: 25:00-17:00", "names an hour that does not exist"),
        ("contact_hours: 17:00-09:00", "ends before it starts"),
        ("contact_hours: 900", "is not a span of hours; quote it"),
        ("contact_days: [mon, tues]", "unknown day 'tues'; did you mean 'tue'?"),
        ("max_calls: 0", "write a whole number from 1 to 100"),
        ("max_calls: -1", "write a whole number from 1 to 100"),
        ("reply_wait: 0 days", "is no time at all"),
        ("grace: 999999999 weeks", "is too long; a duration is at most 3650 days"),
    ],
)
def test_malformed_settings_are_located_errors(tmp_path, setting, message):
    path = write(tmp_path, f"extends: default\nsettings:\n  {setting}\n")
    found = errors_of(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:3:") and message in found[0], found


def test_full_day_names_are_contact_days(tmp_path):
    path = write(tmp_path, "extends: default\nsettings:\n  contact_days: [Monday, tue, WEDNESDAY]\n")
    assert load_rules(str(path)).calendar.days == frozenset({0, 1, 2})


def test_an_internal_error_is_exit_70_with_a_crash_report_in_the_home(tmp_path):
    """A defect (here: a store whose table lost a column) is one line, a private crash report, exit 70."""
    home = tmp_path / "home"
    ok(home, "add", "Acme", "--interviewed", "2026-05-04", now=NOW)
    with sqlite3.connect(home / "tactful.sqlite3") as db:
        db.execute("DROP TABLE applications")
    done = run(home, "list", now=NOW)
    assert done.returncode == 70, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("tactful: internal error (") and "Traceback" not in lines[0]
    reports = list((home / "crash").glob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in lines[0]
    assert "Traceback" in reports[0].read_text() and stat.S_IMODE(reports[0].stat().st_mode) == 0o600


# -- 6. private by default -----------------------------------------------------------------


def test_the_home_is_private_whatever_the_umask(tmp_path):
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC")
    command = f"umask 000 && exec {EXE} add Acme --interviewed 2026-05-04"
    subprocess.run(["/bin/sh", "-c", command], env=env, check=True, capture_output=True, timeout=120)
    (home / "config.yaml").write_text("{}\n")
    (home / "config.yaml").chmod(0o644)
    ok(home, "tick", now=NOW)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    files = [p for p in home.rglob("*") if p.is_file()]
    assert home / "tactful.sqlite3" in files and home / "config.yaml" in files
    assert any(p.parent.name == "cache" for p in files)
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {p.name: "0o600" for p in files}
    folders = [p for p in home.rglob("*") if p.is_dir()]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders), folders


# -- 8. terminal output is safe ------------------------------------------------------------


def test_control_characters_in_names_are_escaped_for_people(tmp_path):
    home = tmp_path / "home"
    ok(home, "add", "Evil\x1b[2J\x1b]0;owned\x07Corp\u202e", "--interviewed", "2026-05-04", now=NOW)
    for args in (("list",), ("show", "1"), ("agenda",)):
        out = ok(home, *args, now=NOW).stdout
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, out
    assert "Evil\\x1b[2J" in ok(home, "list", now=NOW).stdout
    done = run(home, "show", "\x1b[31m" + "9" * 200, now=NOW)
    assert done.returncode == 2 and "\x1b" not in done.stderr and len(done.stderr) < 200, done.stderr


# -- the limits are documented -------------------------------------------------------------


def test_every_limit_is_documented_with_its_value():
    from tactful.language import bounded, durations, expr, yamltree

    doc = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text()
    section = doc[doc.index("## Sharing rule files safely") :]
    rows = {
        "a rule, template or `config.yaml` file": f"{yamltree.MAX_FILE_BYTES // (1024 * 1024)} MiB",
        "YAML nesting": f"{yamltree.MAX_DEPTH} levels",
        "YAML values once aliases": f"{yamltree.MAX_NODES:,}",
        "an expression's length": f"{expr.MAX_LENGTH:,} characters",
        "an expression's nesting": f"{expr.MAX_NESTING} levels",
        "a text or list an expression makes": f"{expr.MAX_VALUE:,} characters",
        "a number an expression makes": f"10^{len(str(expr.MAX_NUMBER)) - 1}",
        "a duration, in a setting": f"{durations.MAX_DURATION.days} days",
        "a number in a template": f"{bounded.MAX_TEMPLATE_VALUE:,}",
        "any value a template makes": f"{bounded.MAX_TEMPLATE_VALUE:,} characters",
        "a template's render time": f"{bounded.RENDER_SECONDS:g} second",
    }
    for row, value in rows.items():
        line = next((text for text in section.splitlines() if text.startswith(f"| {row}")), "")
        assert value in line, (row, value, line)
