"""Every code block of README.md and docs/*.md is run, or checked for what it is, by a test.

A block is named by its file and line (`README.md:334`), so a failure points at it. Console
blocks (`$ tactful ...` with the output shown) are run by the tests of what they show
(tests/test_editing.py, test_plan.py, test_scenarios.py, test_versioned_rules.py), and the
Python blocks of docs/plugins.md by tests/test_plugin_docs.py; the rest are run here:

- ``python``: executed like a REPL session; a trailing comment that shows a value
  (``# [Draft(action="send_thank_you", …)]``) must match the value's type and the fields it names;
- ``sh``: run by bash, in a throwaway tactful home holding one application, against the
  ``tactful`` of this venv (the install steps of the quick start are checked, not rerun);
- ``cron`` and ``ini`` (systemd units): the command they run is run, the units parsed;
- ``yaml``: parsed, and a config.yaml section is loaded by `tactful plugins`; ``toml``: parsed;
- the console blocks of docs/data.md: run on the files the text before them describes;
- ``sql`` (row-level security in docs/embedding.md): run on PostgreSQL by tests/test_row_security.py.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tactful.language.yamltree import read_yaml

from .clirun import EXE

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOW = "2026-05-05T10:00:00+00:00"
#: Blocks that show output or a diagram, not something to run; console blocks are run elsewhere.
NOT_CODE = {"text", "console", "mermaid"}
#: Blocks checked by another test, by the text they start with.
EMBEDDING_GUIDE = "from datetime import datetime, timezone\n\nfrom tactful import Engine, MemoryStore, RuleBook"
RUN_ELSEWHERE = {"python": ("# tactful_todo.py", EMBEDDING_GUIDE, "# test_tactful_todo.py")}


class Block(NamedTuple):
    path: Path
    line: int
    lang: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks() -> list[Block]:
    """Every fenced block of the docs, with the line its fence opens on."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
            found.append(Block(path, text.count("\n", 0, match.start()) + 1, match.group(1), match.group(2)))
    return found


#: The comment that marks a block a test cannot run here, with the reason, on the line just
#: before its fence: ``<!-- not run: needs a PostgreSQL server; tests/test_database.py runs it -->``.
NOT_RUN = re.compile(r"<!-- not run: (.+?) -->\s*$")


def not_run(block: Block) -> str | None:
    """Why ``block`` is not run, as its marker says, or None."""
    lines = block.path.read_text(encoding="utf-8").splitlines()
    before = lines[block.line - 2] if block.line >= 2 else ""
    found = NOT_RUN.search(before)
    return found.group(1) if found else None


def of(*langs: str) -> list[Any]:
    params = []
    for b in blocks():
        if b.lang in langs:
            reason = not_run(b)
            params.append(pytest.param(b, id=b.name, marks=[pytest.mark.skip(reason=reason)] if reason else []))
    return params


def test_every_block_says_its_language_and_has_a_runner():
    runners = {"python", "sh", "cron", "ini", "yaml", "toml", "json", "csv", "sql"} | NOT_CODE
    assert [b.name for b in blocks() if b.lang not in runners] == []


# -- python ----------------------------------------------------------------------------------------


def run_python(block: Block, tmp_path: Path) -> list[tuple[int, Any]]:
    """Run ``block`` statement by statement in ``tmp_path``; the value of each expression, by line."""
    tree = ast.parse(block.text, block.name)
    namespace: dict[str, Any] = {"__name__": "__doc_block__"}
    values = []
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for statement in tree.body:
            if isinstance(statement, ast.Expr):
                code = compile(ast.Expression(statement.value), block.name, "eval")
                values.append((statement.lineno, eval(code, namespace)))  # noqa: S307 - our own docs
            else:
                exec(compile(ast.Module([statement], []), block.name, "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(cwd)
    return values


def shown(comment: str) -> tuple[bool, str, dict[str, object]]:
    """What a comment like ``[Draft(action="x", allowed=False, …)]`` shows: a list or not, the
    type's name, and the fields given with a plain value."""
    kind = re.match(r"\s*(\[)?\s*(\w+)\(", comment)
    assert kind, comment
    fields: dict[str, object] = {k: v for k, v in re.findall(r'(\w+)="([^"…]*)"', comment)}
    fields.update({k: v == "True" for k, v in re.findall(r"(\w+)=(True|False)\b", comment)})
    return bool(kind.group(1)), kind.group(2), fields


@pytest.mark.parametrize("block", of("python"))
def test_python_block_runs_and_shows_what_it_returns(block, tmp_path):
    if block.text.startswith(RUN_ELSEWHERE["python"]):
        pytest.skip("run by tests/test_plugin_docs.py")
    lines = block.text.splitlines()
    for line, value in run_python(block, tmp_path):
        comment = lines[line - 1].partition("  # ")[2]
        if not comment.lstrip().startswith(("[", *[c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])):
            continue
        is_list, kind, fields = shown(comment)
        if is_list:
            assert isinstance(value, list) and value, f"{block.name}: line {line} shows a list, got {value!r}"
            value = value[0]
        assert type(value).__name__ == kind, f"{block.name}: line {line}: {value!r}"
        for field, expected in fields.items():
            assert getattr(value, field) == expected, f"{block.name}: line {line}: {field} is {getattr(value, field)!r}"


# -- sh, cron, systemd ------------------------------------------------------------------------------


def shell(script: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with bash -e in a home holding one application (id 1), with this venv first on PATH."""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(PATH=f"{EXE.parent}{os.pathsep}{env['PATH']}", TACTFUL_HOME=str(home), TACTFUL_NOW=NOW,
               TACTFUL_TZ="UTC", HOME=str(tmp_path), **extra)  # fmt: skip
    home.mkdir(exist_ok=True)
    seeded = subprocess.run([str(EXE), "add", "Northwind", "--interviewed", "2026-05-04", "--interviewer",
                             "Ms. Rivera"], env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    return subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip


#: The first steps of the quick start and of the test command: a venv and an install.
INSTALL = ("python3 -m venv .venv", ". .venv/bin/activate")


def without_install(block: Block) -> str:
    """The block's commands after its install steps (checked here: the venv, then pip)."""
    steps = block.text.strip().split(" && ")
    if tuple(steps[:2]) != INSTALL:
        return block.text
    assert re.match(r'pip install (-e )?"?\.', steps[2]), f"{block.name}: the install step is {steps[2]!r}"
    return " && ".join(steps[3:])


@pytest.mark.parametrize("block", of("sh"))
def test_shell_block_runs(block, tmp_path):
    script = without_install(block)
    if script.strip() == "python -m pytest":
        ci = (ROOT / ".ci" / "run").read_text()
        assert 'pip install --quiet -e ".[test,web,webtest]"' in ci and "\npython -m pytest\n" in ci  # what CI runs
        return
    done = shell(script, tmp_path)
    assert done.returncode == 0, f"{block.name} exited {done.returncode}:\n{done.stderr}"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("block", of("cron"))
def test_cron_line_is_a_schedule_and_a_command_that_runs(block, tmp_path):
    [line] = [line for line in block.text.splitlines() if line.strip() and not line.startswith("#")]
    fields = line.split(None, 5)
    assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5]), line
    command = fields[5].replace("/path/to/.venv/bin/", f"{EXE.parent}/")
    assert "mkdir -p ~/.local/state" in (ROOT / "README.md").read_text()  # as the README says before the block
    done = shell(f"mkdir -p ~/.local/state && {command}", tmp_path)
    assert done.returncode == 0, done.stderr
    log = Path(shlex.split(command.replace("~", str(tmp_path)))[3])  # tactful tick >> LOG 2>&1
    assert log.is_file()


@pytest.mark.parametrize("block", of("ini"))
def test_systemd_unit_parses_and_its_command_runs(block, tmp_path):
    unit = configparser.ConfigParser(strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    unit.read_string(block.text, block.name)
    assert unit.sections()[0] == "Unit" and {"Service", "Timer"} & set(unit.sections()), unit.sections()
    if unit.has_section("Service"):
        command = unit["Service"]["ExecStart"].replace("/path/to/.venv/bin/", f"{EXE.parent}/")
        done = shell(command, tmp_path)
        assert done.returncode == 0, done.stderr
    else:
        assert unit["Timer"]["OnCalendar"] and unit["Install"]["WantedBy"] == "timers.target"


# -- yaml, toml -------------------------------------------------------------------------------------


PLUGIN_SECTIONS = {"email", "sms", "calendar", "todo"}


@pytest.mark.parametrize("block", of("yaml"))
def test_yaml_block_parses_and_a_config_section_loads(block, tmp_path):
    tree = read_yaml(block.text, block.name)
    if tree is None:  # a comment line to copy, such as the schema modeline
        assert block.text.lstrip().startswith("#"), block.name
        return
    if not (isinstance(tree, dict) and set(tree) <= PLUGIN_SECTIONS) or "todo" in tree:
        return  # a rule file or a fragment of one (their keys are checked by test_docs.py), or the guide's example
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(block.text)
    done = subprocess.run([str(EXE), "plugins"], env={**os.environ, "TACTFUL_HOME": str(home)}, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, f"{block.name}: {done.stderr}"
    for name in tree:
        assert re.search(rf"^{name}\s+loaded", done.stdout, re.M), done.stdout


@pytest.mark.parametrize("block", of("toml"))
def test_toml_block_parses(block):
    assert tomllib.loads(block.text)


@pytest.mark.parametrize("block", of("json"))
def test_json_block_parses(block):
    assert json.loads(block.text)


@pytest.mark.parametrize("block", of("csv"))
def test_csv_block_imports_into_a_fresh_home(block, tmp_path):
    (tmp_path / "rows.csv").write_text(block.text, encoding="utf-8")
    done = subprocess.run([EXE, "--home", str(tmp_path / "home"), "--now", NOW, "import", str(tmp_path / "rows.csv")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, f"{block.name} exited {done.returncode}:\n{done.stderr}"
    assert re.match(r"Imported \d+ applications", done.stdout)


def test_the_blocks_are_found_where_they_are():
    """The runner sees every fence: as many blocks as opening fences with a language."""
    for path in DOCS:
        fences = re.findall(r"^```\w+$", path.read_text(encoding="utf-8"), re.M)
        assert len([b for b in blocks() if b.path == path]) == len(fences), path
    assert sys.version_info >= (3, 11)


def service_lines(block: Block) -> list[tuple[str, str]]:
    """The ``Key=value`` lines of a systemd unit's [Service] section, in order (systemd allows a
    key more than once, as ``Environment=`` is, which configparser does not)."""
    section, found = "", []
    for line in block.text.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line:
            key, _, value = line.partition("=")
            found.append((key, value))
    return found


def test_the_readmes_worker_unit_runs_its_worker_on_postgresql_and_stops_on_its_kill_signal(pg_url, tmp_path):
    """The README's tactful-worker@.service, with its database and home swapped for a throwaway
    cluster's and a temporary folder: the worker starts, fires what is due, logs JSON lines and
    exits 0 on the unit's KillSignal. (Its info level is added here to see each pass.)"""
    import signal
    import threading

    (unit,) = [b for b in blocks() if b.lang == "ini" and "tactful worker" in b.text]
    lines = service_lines(unit)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    for key, value in lines:
        if key == "Environment":
            name, _, setting = value.partition("=")
            env[name] = setting
    assert env["TACTFUL_DATABASE"].startswith("postgresql://") and env["TACTFUL_LOG_FORMAT"] == "json", unit.name
    env.update(
        TACTFUL_DATABASE=pg_url,
        TACTFUL_HOME=str(tmp_path),
        TACTFUL_NOW=NOW,
        TACTFUL_TZ="UTC",
        TACTFUL_LOG_LEVEL="debug",
    )  # fmt: skip (a pass is logged at debug)
    added = subprocess.run([str(EXE), "add", "Northwind", "--interviewed", "2026-04-01"], env=env,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert added.returncode == 0, added.stderr
    service = dict(lines)
    command = shlex.split(service["ExecStart"].replace("/opt/tactful/.venv/bin/", f"{EXE.parent}/"))
    with subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as worker:  # fmt: skip
        guard = threading.Timer(120, worker.kill)  # a worker that never passes must not hang the run
        guard.start()
        try:
            assert worker.stderr is not None
            said = []
            for line in worker.stderr:
                said.append(json.loads(line))
                if said[-1]["event"] == "worker pass":
                    break
            assert said and said[-1]["event"] == "worker pass" and said[-1]["fired"] == 1, said
            worker.send_signal(getattr(signal, service["KillSignal"]))
            assert worker.wait(timeout=int(service["TimeoutStopSec"])) == 0
            rest = worker.stderr.read().splitlines()
        finally:
            guard.cancel()
    assert [json.loads(line)["event"] for line in rest][-1] == "worker stopped", rest


#: The files the console blocks of docs/data.md read, made as the text before each block says:
#: search.json is an export of the home, apps.csv has a misspelt column and a bad date on line 3.
DATA_INPUTS = {
    "apps.csv": "company,interviewd,decision_by\nFabrikam,2026-05-04,2026-05-20\nContoso,2026-05-04,2026-02-30\n",
}


def test_the_data_guides_console_blocks_print_what_they_show(tmp_path):
    """docs/data.md's `$ tactful import …` examples, run in a home that holds the application
    they speak of, print exactly the lines shown, and exit 2."""
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    examples = re.findall(r"```console\n\$ (tactful .*?)\n(.*?)```", text, re.S)
    assert len(examples) == len(re.findall(r"^```console$", text, re.M)) == 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path / "home"), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC")
    seeded = subprocess.run([str(EXE), "add", "Northwind", "--interviewed", "2026-05-04"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    export = subprocess.run([str(EXE), "export", "--format", "json"], env=env, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    (tmp_path / "search.json").write_text(export.stdout)
    for name, content in DATA_INPUTS.items():
        (tmp_path / name).write_text(content)
    for command, shown in examples:
        argv = shlex.split(command)
        done = subprocess.run([str(EXE), *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
        assert (done.returncode, done.stdout, done.stderr) == (2, "", shown), command


def test_the_quick_start_shows_a_newcomer_the_thank_you_note_due_tomorrow(tmp_path):
    """The README's quick start, after its install steps, in an empty home: its first screen is
    the thank-you note due tomorrow, and nothing is overdue."""
    (quick,) = [b for b in of("sh") if b.values[0].path.name == "README.md" and "pip install . &&" in b.values[0].text]
    script = without_install(quick.values[0])
    assert script != quick.values[0].text and "--interviewed today" in script
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(PATH=f"{EXE.parent}{os.pathsep}{env['PATH']}", TACTFUL_HOME=str(tmp_path / "home"),
               TACTFUL_NOW=NOW, TACTFUL_TZ="UTC", HOME=str(tmp_path))  # fmt: skip
    done = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    rows = [line for line in done.stdout.splitlines() if re.search(r"\d{4}-\d\d-\d\d", line)]
    assert [row.split()[:5] for row in rows] == [["Wed", "2026-05-06", "09:00", "1", "Northwind"]], done.stdout
    assert "send thank you" in done.stdout and "now" not in done.stdout.split()
