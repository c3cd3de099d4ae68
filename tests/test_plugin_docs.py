"""docs/plugins.md cannot drift from the hooks: each hook is there with the signature of its
specification and nothing else is, and every Python block in it runs (its plugins register
cleanly in a fresh plugin manager, its test passes)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
import tomllib
import types
from pathlib import Path

import pytest

from tactful import hookspecs
from tactful.hooks.pluginmanager import ENTRY_POINT_GROUP, get_plugin_manager
from tactful.language.yamltree import read_yaml

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
WEBHOOK = ROOT / "examples" / "tactful-webhook"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", GUIDE, re.S | re.M)


def specs() -> dict[str, str]:
    """Each hook specification, as the guide must write it: ``tactful_action_due(notice, key)``."""
    found = {}
    for name, spec in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("tactful_"):
            found[name] = f"{name}({', '.join(inspect.signature(spec).parameters)})"
    return found


def has_hooks(plugin: object) -> bool:
    return any(name.startswith("tactful_") and hasattr(getattr(plugin, name), "tactful_impl") for name in dir(plugin))


def test_every_hook_is_documented_with_the_signature_of_its_spec():
    documented = re.findall(r"^### (tactful_\w+\(.*\))$", GUIDE, re.M)
    assert sorted(documented) == sorted(specs().values())


def test_no_hook_is_mentioned_that_does_not_exist():
    mentioned = set(re.findall(r"\b(tactful_\w+)\(", GUIDE))
    assert mentioned and mentioned <= set(specs()), mentioned - set(specs())


def test_the_guide_names_the_tracing_variable_and_the_test_helpers():
    from tactful import testing
    from tactful.hooks.pluginmanager import TRACE_VARIABLE

    assert f"{TRACE_VARIABLE}=1" in GUIDE
    for helper in ("FakeClock", "MemoryStore", "RecordingPlugin"):
        assert helper in GUIDE and hasattr(testing, helper)
    assert "get_plugin_manager(entry_points=False)" in GUIDE


def test_every_python_block_runs_and_its_plugins_register(tmp_path, monkeypatch):
    """A block headed ``# NAME.py`` is a module (imported; a ``test_`` one has its tests run);
    any other block is run on its own. Each plugin among them goes into a fresh plugin
    manager, and check_pending() finds no misspelt hook."""
    code = blocks("python")
    assert len(code) >= 5
    files = tmp_path / "modules"
    files.mkdir()
    monkeypatch.syspath_prepend(str(files))
    modules, tests = [], []
    for number, block in enumerate(code, 1):
        named = re.match(r"# (\w+)\.py\n", block)
        if named:
            (files / f"{named.group(1)}.py").write_text(block, encoding="utf-8")
            (tests if named.group(1).startswith("test_") else modules).append(named.group(1))
            continue
        module = types.ModuleType(f"guide_block_{number}")
        exec(compile(block, f"docs/plugins.md (python block {number})", "exec"), module.__dict__)  # noqa: S102
        register_alone(module)
    for name in [*modules, *tests]:
        monkeypatch.delitem(sys.modules, name, raising=False)
        module = importlib.import_module(name)
        if name in modules:
            register_alone(module)
        for test_name, test in inspect.getmembers(module, inspect.isfunction):
            if test_name.startswith("test_"):
                folder = tmp_path / test_name
                folder.mkdir()
                test(**{"tmp_path": folder} if "tmp_path" in inspect.signature(test).parameters else {})
    assert modules == ["tactful_todo"] and tests == ["test_tactful_todo"]
    for name in [*modules, *tests]:
        sys.modules.pop(name, None)


def register_alone(module: types.ModuleType) -> None:
    if has_hooks(module):
        pm = get_plugin_manager(entry_points=False)
        pm.register(module, module.__name__)
        pm.check_pending()


def test_every_yaml_and_toml_block_parses():
    for block in blocks("yaml"):
        assert read_yaml(block, "docs/plugins.md") is not None
    [pyproject] = [tomllib.loads(block) for block in blocks("toml")]
    assert pyproject["project"]["entry-points"][ENTRY_POINT_GROUP] == {"todo": "tactful_todo"}


def test_the_guides_rule_file_compiles_only_with_the_function_the_guide_registers(tmp_path):
    from tactful import RuleErrors, load_rules
    from tactful.hooks.pluginmanager import rule_functions

    [function_block] = [b for b in blocks("python") if "def tactful_register_functions" in b]
    plugin = types.ModuleType("weekdays")
    exec(function_block, plugin.__dict__)  # noqa: S102
    pm = get_plugin_manager(entry_points=False)
    pm.register(plugin, "weekdays")
    [rule_block] = [b for b in blocks("yaml") if "weekdays_after" in b]
    path = tmp_path / "workdays.yaml"
    path.write_text(rule_block)
    with pytest.raises(RuleErrors, match="weekdays_after"):
        load_rules(str(path))
    assert "weekdays_after" in load_rules(str(path), functions=rule_functions(pm)).tree["derived"]["first_inquiry"]


def test_the_example_webhook_plugin_registers_cleanly():
    """examples/tactful-webhook: its entry point names its module, which registers with no stray hook."""
    pyproject = tomllib.loads((WEBHOOK / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"][ENTRY_POINT_GROUP] == {"webhook": "tactful_webhook"}
    spec = importlib.util.spec_from_file_location("tactful_webhook", WEBHOOK / "tactful_webhook.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pm = get_plugin_manager(entry_points=False)
    pm.register(module, "webhook")
    pm.check_pending()
    assert {impl.plugin_name for impl in pm.hook.tactful_action_due.get_hookimpls()} == {"webhook"}
    assert {impl.plugin_name for impl in pm.hook.tactful_transition.get_hookimpls()} == {"webhook"}
