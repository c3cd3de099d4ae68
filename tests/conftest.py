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
