"""The shipped rule sets are found after a plain `pip install` of the wheel in a fresh venv,
and after an editable install; the wheel installs the `tactful` package only, with its rule
sets, their scenarios and the licence; the sdist builds that wheel and ships no tests.

The builds and venvs are made once per run (tests/installs.py, fixtures in conftest.py). The
wheel's venv also holds the example third-party plugin, tactful-webhook, with no section in
any config.yaml here: these commands must not mind it.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from .installs import INSTALLS, Dists, Install

pytestmark = [pytest.mark.slow, INSTALLS]


@pytest.fixture(params=["wheel", "editable"])
def install(request: pytest.FixtureRequest) -> Install:
    """tactful installed from the built wheel, or editable from the source copy."""
    found: Install = request.getfixturevalue(f"{request.param}_install")
    return found


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
        for asset in ("templates/board.html", "templates/application.html", "static/style.css", "static/tactful.js"):
            assert (purelib / "tactful" / "web" / asset).is_file(), f"the board's {asset} is not in the wheel"
    else:
        assert where == (install.source / "engine" / "__init__.py").resolve()
        assert not (purelib / "tactful").exists()


def test_the_wheel_holds_the_licence_and_the_shipped_scenarios(dists: Dists) -> None:
    """LICENSE is in the wheel's metadata, and rules/scenarios (which the docs point to) is installed."""
    names = set(zipfile.ZipFile(dists.wheel).namelist())
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names), sorted(names)
    assert {"tactful/rules/scenarios/default.yaml", "tactful/rules/scenarios/small-company.yaml"} <= names
    metadata = zipfile.ZipFile(dists.wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "Classifier: Typing :: Typed" in metadata


def test_the_sdist_holds_the_licence_and_changelog_and_no_tests(dists: Dists) -> None:
    """The sdist ships what users read and what builds the wheel; the tests, which need the whole
    checkout, stay out rather than ship half-runnable."""
    with tarfile.open(dists.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "rules/scenarios/default.yaml"} <= names
    assert not any(name.startswith("tests/") for name in names), sorted(n for n in names if n.startswith("tests"))


def test_installed_scenarios_pass_against_the_installed_rule_sets(wheel_install: Install) -> None:
    """`tactful rules test` runs the shipped scenarios from the install, not from a checkout."""
    path = wheel_install.python_says("import importlib.resources as r; print(r.files('tactful.rules') / 'scenarios')")
    done = wheel_install.run(wheel_install.tactful, "rules", "test", path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed, 0 failed" in done.stdout
