"""Every hook has a test, and the rule and command hooks work through the real CLI.

A third-party plugin is made visible to `tactful` subprocesses the way an installed one is:
a module and a ``.dist-info`` folder with a ``tactful`` entry point, in a folder put on
PYTHONPATH (``importlib.metadata`` finds distributions on ``sys.path``).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import Engine, InputError, MemoryStore, RuleBook, RuleErrors
from tactful import hookspecs as specs
from tactful.hooks import entrypoints
from tactful.hooks.config import load_config
from tactful.hooks.entrypoints import installed_plugins
from tactful.hooks.pluginmanager import get_plugin_manager, rule_functions, rules_announcer
from tactful.hookspecs import hookimpl
from tactful.testing import FakeClock

from .clirun import EXE, doc, ok, run
from .helpers import at

TESTS = Path(__file__).resolve().parent
ADDED = "2026-05-04T17:00:00+00:00"
THURSDAY = "2026-05-21T12:00:00+00:00"  # the first inquiry call is due (09:00 UTC)
FRIDAY = "2026-05-22T12:00:00+00:00"

PLUGIN = '''
"""A third-party plugin for the tests: a rule function, a command, and a note of every call."""
import json

import click

from tactful import RuleError, RuleErrors
from tactful.hookspecs import hookimpl

_out = None


def _note(*line):
    if _out:
        with open(_out, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\\n")


@hookimpl
def tactful_configure(config):
    global _out
    out = config.get("out")
    if out is not None and not isinstance(out, str):
        raise RuleErrors([RuleError(config.where("out"), "out: the path of a file to note calls in")])
    _out = out
    _note("configure", sorted(config))


@hookimpl
def tactful_register_functions(register):
    register("is_friday", lambda moment: moment is not None and moment.weekday() == 4)


@hookimpl
def tactful_rules_loaded(rules):
    _note("rules_loaded", rules.name, sorted(rules.events))


@hookimpl
def tactful_register_commands(cli):
    @click.command()
    @click.option("--name", default="world")
    def hello(name):
        """Say hello, from a plugin."""
        click.echo(f"hello, {name}, from a plugin")

    cli.add_command(hello)


@hookimpl
def tactful_schedule(schedule, now):
    _note("schedule", now.isoformat(), [[n.company, n.action] for n in schedule])
'''

RULES = """\
extends: default
events:
  called:
    refuse:
      - when: is_friday(at)
        because: no follow-up calls on a Friday
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the plugin 'hello' as the distribution hello-tactful 0.1."""
    folder = tmp_path / "site"
    info = folder / "hello_tactful-0.1.dist-info"
    info.mkdir(parents=True)
    (folder / "hello_tactful.py").write_text(PLUGIN)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hello-tactful\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[tactful]\nhello = hello_tactful\n")
    return folder


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def notes(path: Path) -> list[list[object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- Every hook has a test ----------------------------------------------------------------


def hook_names() -> list[str]:
    return sorted(name for name, _ in inspect.getmembers(specs, inspect.isfunction) if name.startswith("tactful_"))


def collect_tests() -> dict[str, str]:
    """Each ``test_*`` function in tests/ (but this file's own coverage check): its name and source."""
    found = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                found[f"{path.name}::{node.name}"] = ast.get_source_segment(source, node) or ""
    found.pop(f"{Path(__file__).name}::test_every_hook_has_a_test", None)
    return found


def test_every_hook_has_a_test():
    """Like datasette's: a hook that no test function names, in its name or body, fails here."""
    tests = collect_tests()
    untested = [hook for hook in hook_names() if not any(hook in source for source in tests.values())]
    assert hook_names() and not untested, f"hooks without a test: {untested}"


# -- tactful_register_functions, tactful_rules_loaded -------------------------------------


def test_tactful_register_functions_lets_a_rule_guard_call_a_plugin_function(tmp_path, home, site):
    rules = tmp_path / "fridays.yaml"
    rules.write_text(RULES)
    without = run(home, "rules", "validate", str(rules), now=ADDED)
    assert without.returncode == 2 and "is_friday" in without.stderr

    env = {"PYTHONPATH": str(site)}
    assert "ok" in ok(home, "rules", "validate", str(rules), now=ADDED, env=env).stderr
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", "--rules", str(rules), now=ADDED, env=env)
    refused = run(home, "record", "1", "called", "--outcome", "noncommittal", now=FRIDAY, env=env)
    assert refused.returncode == 1 and "no follow-up calls on a Friday" in refused.stderr
    ok(home, "record", "1", "called", "--outcome", "noncommittal", now=THURSDAY, env=env)


def test_tactful_rules_loaded_hears_of_each_rule_set_the_cli_loads(tmp_path, home, site):
    out = tmp_path / "notes.jsonl"
    (home / "config.yaml").write_text(f"hello:\n  out: {out}\n")
    rules = tmp_path / "fridays.yaml"
    rules.write_text(RULES)
    env = {"PYTHONPATH": str(site)}
    ok(home, "rules", "validate", str(rules), now=ADDED, env=env)
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", now=ADDED, env=env)
    ok(home, "agenda", now=ADDED, env=env)
    loaded = [line[1] for line in notes(out) if line[0] == "rules_loaded"]
    assert loaded == [str(rules), "default", "default"]  # one load per command


def test_tactful_rules_loaded_and_functions_in_process():
    """An embedding app wires the same hooks itself: RuleBook(functions=…, on_load=…)."""
    seen = []

    class Plugin:
        @hookimpl
        def tactful_register_functions(self, register):
            register("double", lambda n: n * 2)

        @hookimpl
        def tactful_rules_loaded(self, rules):
            seen.append(rules.name)

    pm = get_plugin_manager(entry_points=False)
    pm.register(Plugin(), "plugin")
    book = RuleBook(functions=rule_functions(pm), on_load=rules_announcer(pm))
    assert set(book.functions) == {"double"}
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")), book)
    engine.add("Northwind", interviewed="2026-05-04")
    assert seen == ["default"]


@pytest.mark.parametrize(
    ("name", "function", "message"),
    [
        ("earliest", min, "two functions for rules are named 'earliest'"),
        ("_hidden", min, "named '_hidden'"),
        ("not a name", min, "named 'not a name'"),
        ("answer", 42, "not a function"),
    ],
)
def test_tactful_register_functions_refuses_a_bad_registration(name, function, message):
    class Plugin:
        @hookimpl
        def tactful_register_functions(self, register):
            register(name, function)

    pm = get_plugin_manager(entry_points=False)
    pm.register(Plugin(), "plugin")
    with pytest.raises(InputError, match=message):
        rule_functions(pm)


# -- tactful_register_commands, tactful_configure, tactful_schedule ------------------------


def test_tactful_register_commands_adds_a_command(home, site):
    env = {"PYTHONPATH": str(site)}
    assert ok(home, "hello", "--name", "Ada", now=ADDED, env=env).stdout == "hello, Ada, from a plugin\n"
    assert "hello" in ok(home, "--help", now=ADDED, env=env).stdout
    unknown = run(home, "hello", now=ADDED)  # without the plugin
    assert unknown.returncode == 2 and "No such command 'hello'" in unknown.stderr


def test_tactful_plugins_lists_a_third_party_plugin_with_its_distribution(home, site):
    listed = doc(home, "plugins", now=ADDED, env={"PYTHONPATH": str(site)})
    [hello] = [p for p in listed if p["name"] == "hello"]
    assert (hello["status"], hello["source"]) == ("loaded", "hello-tactful 0.1")
    assert set(hello["hooks"]) == {"tactful_configure", "tactful_register_functions", "tactful_rules_loaded",
                                   "tactful_register_commands", "tactful_schedule"}  # fmt: skip


def test_tactful_configure_gets_the_section_and_its_errors_are_located(tmp_path, home, site):
    out = tmp_path / "notes.jsonl"
    env = {"PYTHONPATH": str(site)}
    (home / "config.yaml").write_text(f"hello:\n  out: {out}\n")
    ok(home, "plugins", now=ADDED, env=env)
    assert ["configure", ["out"]] in notes(out)
    (home / "config.yaml").write_text("hello:\n  out: 5\n")
    bad = run(home, "plugins", now=ADDED, env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip() == f"{home / 'config.yaml'}:2:8: out: the path of a file to note calls in"


def test_tactful_configure_runs_once_per_command(tmp_path, home, site):
    """A tick both reads rules (the plugin's functions) and delivers: the plugin is configured once."""
    out = tmp_path / "notes.jsonl"
    env = {"PYTHONPATH": str(site)}
    (home / "config.yaml").write_text(f"hello:\n  out: {out}\n")
    for args, now in ((("add", "Northwind", "--interviewed", "2026-05-04"), ADDED), (("tick",), THURSDAY)):
        before = len(notes(out))
        ok(home, *args, now=now, env=env)
        assert [line[0] for line in notes(out)[before:]].count("configure") == 1, args


def test_every_config_error_is_reported_at_once_each_at_its_own_place(home, site):
    (home / "config.yaml").write_text("hello:\n  out: 5\nemial:\n  host: x\nemail:\n  hots: x\n  to: a@b.org\n")
    config = home / "config.yaml"
    plugins = run(home, "plugins", now=ADDED, env={"PYTHONPATH": str(site)})
    assert plugins.returncode == 2
    assert plugins.stderr.splitlines() == [
        f"{config}:2:8: out: the path of a file to note calls in",
        f"{config}:3:1: unknown plugin 'emial'; did you mean 'email'?",
        f"{config}:6:3: unknown setting 'hots' in the email section; did you mean 'host'?",
    ]
    added = run(home, "add", "Northwind", "--interviewed", "2026-05-04", now=ADDED, env={"PYTHONPATH": str(site)})
    assert (added.returncode, added.stderr) == (0, "")  # a command that does not deliver is unaffected


def test_tactful_schedule_gets_the_whole_schedule_after_a_tick(tmp_path, home, site):
    out = tmp_path / "notes.jsonl"
    env = {"PYTHONPATH": str(site)}
    (home / "config.yaml").write_text(f"hello:\n  out: {out}\n")
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", now=ADDED, env=env)
    ok(home, "record", "1", "thank_you_sent", now=ADDED, env=env)
    ok(home, "tick", now=THURSDAY, env=env)
    [schedule] = [line for line in notes(out) if line[0] == "schedule"]
    assert schedule[1:] == [THURSDAY, [["Northwind", "call"]]]


def test_tactful_configure_gets_each_plugin_its_own_section_in_process(tmp_path, site, monkeypatch):
    out = tmp_path / "notes.jsonl"
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "hello_tactful", raising=False)
    pm = get_plugin_manager({"hello": {"out": str(out)}})
    assert pm.has_plugin("hello") and not pm.has_plugin("sms")  # a built-in only with its section
    assert notes(out) == [["configure", ["out"]]]
    sys.modules.pop("hello_tactful", None)


def test_a_builtin_section_without_its_extra_is_one_located_config_error(tmp_path, monkeypatch):
    """Not a silent skip: with `sms:` written and Apprise missing, tick would send nothing."""
    import tactful.hooks.pluginmanager as manager

    (tmp_path / "config.yaml").write_text("email:\n  host: h.example.org\n  to: a@b.org\nsms:\n")
    monkeypatch.setattr(manager, "available", lambda name: name != "sms")
    with pytest.raises(RuleErrors) as caught:
        get_plugin_manager(load_config(tmp_path), entry_points=False)
    path = tmp_path / "config.yaml"
    assert str(caught.value) == f"{path}:4:1: the 'sms' section needs Apprise: pip install 'tactful[sms]'"
    assert get_plugin_manager(load_config(tmp_path), entry_points=False, builtins=False)  # rule hooks only


def test_a_plugin_without_a_section_still_gets_a_mapping_that_knows_the_file(tmp_path):
    from tactful.hooks.pluginmanager import _section

    (tmp_path / "config.yaml").write_text("\nemail:\n  host: h.example.org\n  to: a@b.org\n")
    section = _section(load_config(tmp_path), "todo")
    assert section == {} and str(section.where("path")) == f"{tmp_path / 'config.yaml'}:2:1"
    assert str(_section(load_config(tmp_path / "nowhere"), "todo").where("path")).endswith("config.yaml:1:1")


def test_tracing_shows_hook_calls_on_stderr(home, site):
    done = ok(home, "hello", now=ADDED, env={"PYTHONPATH": str(site), "TACTFUL_TRACE_PLUGINS": "1"})
    assert done.stdout == "hello, world, from a plugin\n"
    assert "tactful: trace:" in done.stderr and "tactful_register_commands" in done.stderr


# -- The check for installed plugins ---------------------------------------------------------


def test_installed_plugins_are_found_and_the_answer_is_cached(tmp_path, site, monkeypatch):
    cache = tmp_path / "home" / "cache"
    (tmp_path / "home").mkdir()
    assert installed_plugins(cache) == ()
    assert json.loads((cache / entrypoints.cache_name()).read_text())["names"] == []
    monkeypatch.syspath_prepend(str(site))
    assert installed_plugins(cache) == ("hello",)  # sys.path changed: scanned again
    (site / "hello_tactful-0.1.dist-info" / "entry_points.txt").unlink()
    (site / "hello_tactful-0.1.dist-info").rename(site / "gone")  # an uninstall changes the folder
    assert installed_plugins(cache) == ()


def test_two_environments_sharing_a_home_keep_their_own_answers(tmp_path, site, monkeypatch):
    """The CLI's venv and an embedding app (another sys.path) do not throw each other's answer away."""
    cache = tmp_path / "home" / "cache"
    (tmp_path / "home").mkdir()
    scans = []
    real_scan = entrypoints._scan
    monkeypatch.setattr(entrypoints, "_scan", lambda: scans.append(1) or real_scan())
    plain_path = list(sys.path)
    assert installed_plugins(cache) == ()  # the first environment scans
    monkeypatch.setattr(sys, "path", [str(site), *plain_path])
    assert installed_plugins(cache) == ("hello",)  # the second one scans too
    monkeypatch.setattr(sys, "path", plain_path)
    assert installed_plugins(cache) == ()  # the first one's answer is still there
    monkeypatch.setattr(sys, "path", [str(site), *plain_path])
    assert installed_plugins(cache) == ("hello",)
    assert len(scans) == 2 and len(list(cache.glob("entry-points-*.json"))) == 2


def test_a_command_that_reads_rules_loads_no_plugin_when_none_is_installed(home):
    """The cached answer: no `tactful` entry point, so nothing of pluggy or importlib.metadata is imported."""
    if installed_plugins():
        pytest.skip(f"this environment has tactful plugins installed: {installed_plugins()}")
    ok(home, "add", "Northwind", "--interviewed", "2026-05-04", now=ADDED)  # scans once, keeps the answer
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=ADDED, TACTFUL_TZ="UTC")
    done = subprocess.run([sys.executable, "-X", "importtime", str(EXE), "agenda"], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "tactful.cli.main" in imported
    assert imported.isdisjoint({"pluggy", "importlib.metadata", "tactful.hooks.pluginmanager"})
