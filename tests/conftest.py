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
