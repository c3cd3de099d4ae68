"""Fixtures shared by the test modules."""

import pytest

from tactful import MemoryStore, SQLiteStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    """Each store tactful ships: the in-memory one and a real SQLite file."""
    if request.param == "memory":
        yield MemoryStore()
        return
    store = SQLiteStore(tmp_path / "tactful.sqlite3")
    yield store
    store.close()


@pytest.fixture(scope="session")
def dists(tmp_path_factory):
    """tactful's sdist and wheel, built once per test run (see tests/installs.py)."""
    from .installs import build_dists

    return build_dists(tmp_path_factory.mktemp("dists"))


@pytest.fixture(scope="session")
def wheel_install(dists, tmp_path_factory):
    """A fresh venv with tactful's wheel and the example third-party plugin tactful-webhook."""
    from .installs import make_install

    webhook = str(dists.source / "examples" / "tactful-webhook")
    return make_install(tmp_path_factory.mktemp("install-wheel"), "wheel", dists.source, str(dists.wheel), webhook)


@pytest.fixture(scope="session")
def editable_install(dists, tmp_path_factory):
    """A fresh venv with an editable install of the source copy."""
    from .installs import make_install

    return make_install(tmp_path_factory.mktemp("install-editable"), "editable", dists.source, "-e", str(dists.source))
