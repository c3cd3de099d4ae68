"""The shipped rule sets are found after a plain `pip install .` in a fresh venv, and after an
editable install; the wheel installs the `tactful` package only.

Each install mode gets its own copy of the source tree (so a build never writes into the
checkout) and its own fresh venv. Every command runs from an empty folder, so nothing is
imported from the current directory by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
#: Signs in pip's output that the package index could not be reached.
OFFLINE = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
           "Network is unreachable", "No matching distribution found for setuptools")  # fmt: skip
SKIP_COPYING = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                                      ".*_cache", ".hypothesis")  # fmt: skip


@dataclass(frozen=True)
class Install:
    """A fresh venv with tactful installed one way, and a folder to run commands from."""

    mode: str
    venv: Path
    source: Path
    workdir: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def tactful(self) -> Path:
        return self.venv / "bin" / "tactful"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("TACTFUL_")}  # fmt: skip
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return {**env, **extra}

    def run(self, *args: str | Path, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], cwd=self.workdir, env=self.env(**extra),
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    def python_says(self, code: str) -> str:
        done = self.run(self.python, "-c", code)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()


@pytest.fixture(scope="module", params=["wheel", "editable"])
def install(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Install:
    """tactful installed into a fresh venv from a copy of this source tree."""
    mode: str = request.param
    base = tmp_path_factory.mktemp(f"install-{mode}")
    source = base / "tactful-src"
    shutil.copytree(REPO, source, ignore=SKIP_COPYING)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True, timeout=300)
    workdir = base / "work"
    workdir.mkdir()
    done = Install(mode, venv, source, workdir)
    target = ["-e", str(source)] if mode == "editable" else [str(source)]
    pip = done.run(done.python, "-m", "pip", "install", "--no-input", *target)
    if pip.returncode != 0:
        output = pip.stdout + pip.stderr
        if any(sign in output for sign in OFFLINE):
            pytest.skip(f"pip could not reach the package index to build tactful: {output[-500:]}")
        pytest.fail(f"pip install {' '.join(target)} failed:\n{output[-4000:]}")
    return done


def test_shipped_rule_set_is_found_by_name_after_install(install: Install) -> None:
    """`tactful rules show small-company` finds the shipped file and merges it over default."""
    done = install.run(install.tactful, "rules", "show", "small-company")
    assert done.returncode == 0, done.stderr
    assert "name: small-company" in done.stdout
    assert "decision_window: 7 days" in done.stdout
    assert "max_calls: 2" in done.stdout  # inherited from the shipped default


def test_installed_default_rule_file_validates(install: Install) -> None:
    """The default.yaml that importlib.resources finds in the install exists and validates."""
    path = install.python_says("import importlib.resources as r; print(r.files('tactful.rules') / 'default.yaml')")
    assert Path(path).is_file()
    done = install.run(install.tactful, "rules", "validate", path)
    assert done.returncode == 0, done.stderr
    assert f"{path}: ok" in done.stderr


def test_add_then_show_with_shipped_rule_set_after_install(install: Install, tmp_path: Path) -> None:
    """An application added with --rules small-company is shown with that set's shorter timeline."""
    env = {"TACTFUL_HOME": str(tmp_path / "home"), "TACTFUL_NOW": "2026-05-05T10:00:00+00:00", "TACTFUL_TZ": "UTC"}
    added = install.run(install.tactful, "add", "Northwind", "--interviewed", "2026-05-04",
                        "--rules", "small-company", "--json", **env)  # fmt: skip
    assert added.returncode == 0, added.stderr
    app_id = json.loads(added.stdout)["id"]

    shown = install.run(install.tactful, "show", str(app_id), "--json", **env)
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert (doc["company"], doc["state"], doc["rules"]) == ("Northwind", "interviewed", "small-company")
    # 7-day decision window + 2 days' grace after 2026-05-04 09:00 (UTC), not default's 14 + 3.
    assert {"action": "call", "due": "2026-05-13T09:00:00+00:00"}.items() <= next(
        a for a in doc["next"] if a["action"] == "call"
    ).items()
    assert (tmp_path / "home" / "tactful.sqlite3").is_file()


def test_install_provides_tactful_packages_and_no_top_level_engine_plugins_or_rules(install: Install) -> None:
    """tactful, tactful.cli, tactful.plugins, tactful.rules import; engine, plugins and rules do not."""
    found = json.loads(install.python_says(
        "import importlib.util as u, json, sysconfig, tactful, tactful.cli, tactful.plugins, tactful.rules\n"
        "print(json.dumps({'tactful': tactful.__file__, 'purelib': sysconfig.get_paths()['purelib'],\n"
        "                  'strays': [n for n in ('engine', 'plugins', 'rules') if u.find_spec(n) is not None]}))"
    ))  # fmt: skip
    purelib = Path(found["purelib"])
    assert found["strays"] == []
    for stray in ("engine", "plugins", "rules"):
        assert not (purelib / stray).exists(), f"{stray} was installed as a top-level package"
    where = Path(found["tactful"]).resolve()
    if install.mode == "wheel":
        assert where == (purelib / "tactful" / "__init__.py").resolve()
        assert (purelib / "tactful" / "rules" / "small-company.yaml").is_file()
        assert (purelib / "tactful" / "py.typed").is_file()
    else:
        assert where == (install.source / "engine" / "__init__.py").resolve()
        assert not (purelib / "tactful").exists()
