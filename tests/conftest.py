"""Fixtures shared by the test modules."""

import pytest

from tactful import MemoryStore, SQLiteStore

from . import pgcluster

STORES = ["memory", "sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole session (see tests/pgcluster.py); its URL."""
    if pgcluster.bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql): .ci/run installs it")
    with pgcluster.cluster() as url:
        yield url


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a fresh, empty database in the session's cluster."""
    return pgcluster.fresh_database(pg_cluster)


def open_store(kind, tmp_path, request):
    """A new, empty store of ``kind`` (one of STORES)."""
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "tactful.sqlite3")
    from tactful.stores.postgres_store import PostgresStore

    return PostgresStore(request.getfixturevalue("pg_url"))


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    """Each store tactful ships: the in-memory one, a real SQLite file and a real PostgreSQL
    database."""
    store = open_store(request.param, tmp_path, request)
    yield store
    if hasattr(store, "close"):
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
