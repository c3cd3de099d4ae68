"""Choosing the database, and what goes wrong with one: a malformed URL, a server that is not
there, a user without rights, a store from a newer tactful. Each is one line on stderr and
exit 2, with nothing written and no password shown."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from tactful import Engine, InputError
from tactful.stores.postgres_store import PostgresStore
from tactful.testing import FakeClock, MemoryStore

from .clirun import doc, run
from .helpers import at

NOW = "2026-05-04T18:00:00+00:00"


def one_line_exit_2(done) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and done.stdout == "", done.stderr
    return lines[0]


def test_the_database_option_and_variable_choose_postgresql_over_the_home(tmp_path, pg_url):
    added = doc(tmp_path, "--database", pg_url, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    listed = doc(tmp_path, "list", now=NOW, env={"TACTFUL_DATABASE": pg_url})
    assert [a["id"] for a in listed] == [added["id"]] and listed[0]["company"] == "Northwind"
    assert doc(tmp_path, "list", now=NOW) == []  # the home's SQLite file is another store
    store = PostgresStore(pg_url)
    try:
        assert store.get(added["id"]).company == "Northwind"
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://me:s3cret@[oops/db", "is malformed"),
        ("mysql://me:s3cret@localhost/db", "unknown kind of database 'mysql://'"),
        ("postgresql://me:s3cret@127.0.0.1:1/db", "cannot use the database postgresql://me:***@127.0.0.1:1/db"),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_and_exit_2(tmp_path, url, says):
    line = one_line_exit_2(run(tmp_path, "--database", url, "list", now=NOW))
    assert says in line and "s3cret" not in line


def test_a_user_without_rights_on_the_database_is_told_so(tmp_path, pg_url):
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE ROLE visitor LOGIN")  # PostgreSQL 15: no CREATE on schema public
    visitor = pg_url.replace("postgresql://postgres@", "postgresql://visitor@")
    line = one_line_exit_2(run(tmp_path, "--database", visitor, "list", now=NOW))
    assert "refuses this user" in line and "permission denied" in line
    with psycopg.connect(pg_url) as admin:
        assert admin.execute("SELECT to_regclass('applications')").fetchone() == (None,)  # nothing half-made


def test_a_postgresql_database_from_a_newer_tactful_is_refused(tmp_path, pg_url):
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("INSERT INTO tactful_schema (version) VALUES (99)")
    line = one_line_exit_2(run(tmp_path, "--database", pg_url, "list", now=NOW))
    assert "written by a newer tactful (schema 99" in line


def test_an_sqlite_store_from_a_newer_tactful_is_refused_and_left_alone(tmp_path):
    doc(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    with sqlite3.connect(tmp_path / "tactful.sqlite3") as db:
        db.execute("PRAGMA user_version = 99")
    line = one_line_exit_2(run(tmp_path, "list", now=NOW))
    assert "written by a newer tactful (schema 99" in line
    with sqlite3.connect(tmp_path / "tactful.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone() == (99,)
        assert db.execute("SELECT count(*) FROM applications").fetchone() == (1,)


def test_library_errors_speak_of_the_api_and_the_cli_of_its_commands(tmp_path):
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 18:00")))
    with pytest.raises(InputError) as caught:
        engine.load(7)
    assert "tactful list" not in str(caught.value) and "Engine.applications()" in str(caught.value)
    line = one_line_exit_2(run(tmp_path, "show", "7", now=NOW))
    assert line == "tactful: no application with id 7; 'tactful list' shows them"
