"""The public import paths stay put: every one the README and docs name resolves, and
``import tactful`` costs nothing until a name is used."""

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tactful

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FROM_IMPORT = re.compile(r"^\s*from (tactful[\w.]*) import ([\w, ]+)$", re.MULTILINE)
DOTTED = re.compile(r"`(tactful(?:\.\w+)+)`")


def named_in_docs() -> list[tuple[str, str]]:
    """(module, name) for each ``from tactful… import name`` and each `tactful.x.y` in the docs."""
    found = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for module, names in FROM_IMPORT.findall(text):
            found.update((module, name.strip()) for name in names.split(",") if name.strip())
        for dotted in DOTTED.findall(text):
            found.add(tuple(dotted.rsplit(".", 1)))
    return sorted(found)


@pytest.mark.parametrize(("module", "name"), named_in_docs())
def test_every_import_path_the_docs_name_resolves(module, name):
    try:
        target = importlib.import_module(f"{module}.{name}")
    except ModuleNotFoundError:
        target = getattr(importlib.import_module(module), name)
    assert target is not None


def test_the_docs_name_the_public_paths_plugin_authors_and_embedders_use():
    named = {f"{module}.{name}" for module, name in named_in_docs()}
    wanted = ["tactful.Engine", "tactful.hookspecs.hookimpl", "tactful.hookspecs.YMap", "tactful.hookspecs.Notice",
              "tactful.testing.FakeClock", "tactful.testing.deliver", "tactful.testing.get_plugin_manager"]  # fmt: skip
    assert [path for path in wanted if path not in named] == []


def test_every_name_in_all_resolves_and_nothing_else_is_offered():
    for name in tactful.__all__:
        assert getattr(tactful, name) is not None
    assert set(dir(tactful)) == {*tactful.__all__, "__version__"}
    with pytest.raises(AttributeError, match="no attribute 'core'"):
        _ = tactful.core


def test_import_tactful_loads_no_wing_until_a_name_is_used():
    code = "import sys, tactful; print(' '.join(sorted(m for m in sys.modules if m.startswith('tactful'))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["tactful", "tactful.vocabulary", "tactful.vocabulary.version"]


def test_python_dash_m_tactful_is_the_command_line():
    done = subprocess.run([sys.executable, "-m", "tactful", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"tactful, version {tactful.__version__}"
