"""Fixtures shared by the test modules, and two settings of the run itself (see pytest_configure)."""

import os
import shutil
import tempfile

import pytest

from tactful import MemoryStore, SQLiteStore

from . import pgcluster

STORES = ["memory", "sqlite", "postgres"]


def pytest_configure(config: pytest.Config) -> None:
    """Cache bytecode for the run, in a temp folder, for every Python the tests start.

    A thousand `tactful` subprocesses run per session. With ``PYTHONDONTWRITEBYTECODE`` set (as
    it is on some machines) and an editable install, each would compile tactful's modules from
    source again, a third of its start-up; an installed tactful has its bytecode cached, so the
    tests run it that way. The cache lives outside the source tree and goes with the run. Set
    by the controlling process only (or the lone one, without xdist): workers inherit it.
    """
    if hasattr(config, "workerinput"):
        return
    cache = tempfile.mkdtemp(prefix="tactful-pycache-")
    config.add_cleanup(lambda: shutil.rmtree(cache, ignore_errors=True))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = cache


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep ``xdist_group`` working: the tests of a group run on one worker, in order.

    ``--dist loadgroup`` finds a test's group in an ``@group`` suffix of its node id, which
    pytest-xdist 3.8 writes to an attribute that pytest 9.2 no longer reads (pytest-xdist
    issue 1386), so the groups were silently spread over the workers: the installs were built
    twice and the kill tests' shared store was split. Where xdist's suffix did not take, this
    writes it where pytest 9.2 keeps the id; older pytest versions need nothing.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        marks = item.iter_markers("xdist_group")
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks}
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(item.nodeid + suffix)


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
