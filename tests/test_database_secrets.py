"""The PostgreSQL password never shows: not in an error line, a log line, a crash report or a
file name, whatever shape the database location takes (the 28 shapes an attack tried, and
more). Each bad one is one line and exit 2, nothing written; each good one that cannot
connect names the database with its password hidden.

Every password here is made of tokens that begin with ``Qx7``: finding ``Qx7`` anywhere is a
leak, of the whole password or of any part of it.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import psycopg
import pytest

from tactful.stores.pgurl import PostgresURL, secret_forms

from .clirun import EXE
from .test_database import _cut_at

SECRET = "Qx7"
NOW = "2026-06-15T10:00:00+00:00"
MALFORMED = "the database URL postgresql://… is malformed"
KEYWORDS = "the database location is a keyword connection string"
UNUSABLE = "cannot use the database"

#: A URL's start and end around a password, and the line a URL that reads but cannot connect gives.
ME, HOST = "postgresql://me:", "@127.0.0.1:{port}/db"
SHOWN = f"{UNUSABLE} postgresql://me:***@127.0.0.1:{{port}}/db: "
SOCKET = "/nonexistent/tactful"
#: (shape, location with {port} for a port nothing listens on, what the one line says).
SHAPES = [
    ("bad-percent", f"{ME}Qx7a%zzQx7b{HOST}", f"{MALFORMED}: the password has a '%'"),
    ("percent-cut-short", f"{ME}Qx7a%2{HOST}", f"{MALFORMED}: the password has a '%'"),
    ("percent-not-utf8", f"{ME}Qx7a%FF{HOST}", f"{MALFORMED}: the password is not UTF-8"),
    ("space", f"{ME}Qx7a Qx7b{HOST}", f"{MALFORMED}: it holds a space"),
    ("tab", f"{ME}Qx7a\tQx7b{HOST}", f"{MALFORMED}: it holds a space"),
    ("newline", f"{ME}Qx7a\nQx7b{HOST}", f"{MALFORMED}: it holds a space"),
    ("query-password", "postgresql://me@127.0.0.1:{port}/db?password=Qx7a",
     f"{UNUSABLE} postgresql://me@127.0.0.1:{{port}}/db?password=***: "),
    ("query-password-encoded", "postgresql://me@127.0.0.1:{port}/db?password=Qx7a%40Qx7b",
     f"{UNUSABLE} postgresql://me@127.0.0.1:{{port}}/db?password=***: "),
    ("query-password-bad-percent", "postgresql://me@127.0.0.1:{port}/db?password=Qx7a%zz", f"{MALFORMED}: "),
    ("query-encoded-key", "postgresql://me@127.0.0.1:{port}/db?pass%77ord=Qx7a",
     f"{UNUSABLE} postgresql://me@127.0.0.1:{{port}}/db?pass%77ord=***: "),
    ("query-sslpassword", "postgres://me@127.0.0.1:{port}/db?sslmode=disable&sslpassword=Qx7a",
     f"{UNUSABLE} postgres://me@127.0.0.1:{{port}}/db?sslmode=disable&sslpassword=***: "),
    ("query-and-userinfo", f"{ME}Qx7a{HOST}?password=Qx7b",
     f"{UNUSABLE} postgresql://me:***@127.0.0.1:{{port}}/db?password=***: "),
    ("query-unknown-key", f"{ME}Qx7a{HOST}?Qx7b=1", f"{MALFORMED}: a parameter is not"),
    ("query-no-value", f"{ME}Qx7a{HOST}?Qx7b", f"{MALFORMED}: a parameter after '?'"),
    ("keywords", "host=127.0.0.1 port={port} password=Qx7a", KEYWORDS),
    ("keywords-quoted", "password='Qx7a Qx7b' host=127.0.0.1 port={port}", KEYWORDS),
    ("keywords-dbname-first", "dbname=db password=Qx7a", KEYWORDS),
    ("raw-at", f"{ME}Qx7a@Qx7b{HOST}", SHOWN),
    ("raw-ats", f"{ME}Qx7a@Qx7b@Qx7c{HOST}", SHOWN),
    ("raw-colon", f"{ME}Qx7a:Qx7b{HOST}", SHOWN),
    ("raw-slash", f"{ME}Qx7a/Qx7b{HOST}", f"{MALFORMED}: it has an '@' after its host"),
    ("raw-question-mark", f"{ME}Qx7a?Qx7b{HOST}", f"{MALFORMED}: it has an '@' after its host"),
    ("raw-hash", f"{ME}Qx7a#Qx7b{HOST}", f"{MALFORMED}: it has an '@' after its host"),
    ("raw-slash-and-at", f"{ME}Qx7a@Qx7b/Qx7c{HOST}", f"{MALFORMED}: it has an '@' after its host"),
    ("encoded-specials", f"{ME}Qx7a%40Qx7b%2FQx7c%20Qx7d{HOST}", SHOWN),
    ("quote-and-backslash", f"{ME}Qx7a'Qx7b\\Qx7c{HOST}", SHOWN),
    ("non-ascii", f"{ME}Qx7aé€Qx7b{HOST}", SHOWN),
    ("ipv6", f"{ME}Qx7a@[::1]:{{port}}/db", f"{UNUSABLE} postgresql://me:***@[::1]:{{port}}/db: "),
    ("ipv6-unclosed", f"{ME}Qx7a@[::1/db", f"{MALFORMED}: "),
    ("ipv6-without-brackets", f"{ME}Qx7a@::1:{{port}}/db", f"{MALFORMED}: "),
    ("unix-socket-host", f"{ME}Qx7a@%2Fnonexistent%2Ftactful/db",
     f"{UNUSABLE} postgresql://me:***@%2Fnonexistent%2Ftactful/db: "),
    ("unix-socket-query", f"postgresql:///db?host={SOCKET}&password=Qx7a",
     f"{UNUSABLE} postgresql:///db?host={SOCKET}&password=***: "),
    ("empty-password", f"{ME}{HOST}", SHOWN),
    ("port-is-the-password", f"{ME}Qx7a@127.0.0.1:Qx7b/db", f"{MALFORMED}: a port is not a number"),
    ("no-host-after-password", f"{ME}Qx7a/db", f"{MALFORMED}: a port is not a number"),
    ("no-scheme", "me:Qx7a@127.0.0.1:{port}/db", "the database location is a database URL without its scheme"),
    ("no-slashes", "postgresql:me:Qx7a@127.0.0.1/db", "the database location is a PostgreSQL URL without the '//'"),
    ("unknown-scheme", "mysql://me:Qx7a@127.0.0.1:{port}/db", "unknown kind of database 'mysql://'"),
    ("garbage-scheme", "me:Qx7a@127.0.0.1://db", "unknown kind of database; give postgresql://"),
]  # fmt: skip


@pytest.fixture(scope="module")
def closed_port() -> int:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tactful(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``tactful ARGS`` from an empty folder of its own, logging everything (debug)."""
    folder = tmp_path / "cwd"
    folder.mkdir(exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    base.update(TACTFUL_HOME=str(tmp_path / "home"), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC", TACTFUL_LOG_LEVEL="debug",
                **env)  # fmt: skip
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=base, timeout=120, cwd=folder,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def assert_nothing_leaked(tmp_path: Path, done: subprocess.CompletedProcess[str]) -> None:
    assert SECRET not in done.stdout + done.stderr, done.stderr
    for path in tmp_path.rglob("*"):
        assert SECRET not in path.name, path
        if path.is_file() and path.parent.name == "crash":
            assert SECRET not in path.read_text(), path


def one_line(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The command's one line (the last; the debug log's lines come before it)."""
    said = [line for line in done.stderr.splitlines() if line.startswith("tactful:")]
    assert done.returncode == code and len(said) == 1 and done.stdout == "", (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines()[-1] == said[0] and "Traceback" not in done.stderr, done.stderr
    return said[0]


@pytest.mark.parametrize(("shape", "location", "says"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_database_location_of_any_shape_never_shows_its_password(tmp_path, closed_port, shape, location, says):
    given = location.format(port=closed_port)
    done = tactful(tmp_path, "--database", given, "list")
    assert_nothing_leaked(tmp_path, done)
    line = one_line(done, 2)
    assert line.startswith(f"tactful: {says.format(port=closed_port)}"), line
    assert list((tmp_path / "cwd").iterdir()) == [] and not (tmp_path / "home" / "tactful.sqlite3").exists()


@pytest.mark.parametrize("shape", ["bad-percent", "space", "query-password", "keywords", "raw-at", "raw-slash"])
def test_the_same_holds_for_tactful_database(tmp_path, closed_port, shape):
    [(location, says)] = [(loc, says) for name, loc, says in SHAPES if name == shape]
    done = tactful(tmp_path, "tick", TACTFUL_DATABASE=location.format(port=closed_port))
    assert_nothing_leaked(tmp_path, done)
    assert one_line(done, 2).startswith(f"tactful: {says.format(port=closed_port)}")


def _with_password(url: str, password: str) -> str:
    """The cluster's URL (which trusts every login) with a password in it."""
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")


def test_a_crash_report_names_the_command_and_never_the_password(tmp_path, pg_url):
    url = _with_password(pg_url, "Qx7a%40Qx7b")
    added = tactful(tmp_path, "--database", url, "add", "Northwind", "--interviewed", "2026-05-04")
    assert added.returncode == 0, added.stderr
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP TABLE history")  # a defect: tactful's table is gone
    for args, env in ((("--database", url, "show", "1"), {}),
                      (("show", "1"), {"TACTFUL_DATABASE": pg_url + "?password=Qx7c"})):  # fmt: skip
        done = tactful(tmp_path, *args, **env)
        assert "internal error" in one_line(done, 70)
        assert_nothing_leaked(tmp_path, done)
    reports = sorted((tmp_path / "home" / "crash").glob("crash-*.txt"))
    assert len(reports) == 2 and all(", command: show\n" in r.read_text().splitlines(True)[0] for r in reports)


def test_a_connection_cut_mid_tick_is_logged_without_the_password(tmp_path, pg_url):
    url = _with_password(pg_url, "Qx7a@Qx7b")
    for n in range(3):
        assert tactful(tmp_path, "--database", url, "add", f"C{n}", "--interviewed", "2026-05-04").returncode == 0
    _cut_at(pg_url, 2)
    done = tactful(tmp_path, "--database", url, "tick")
    assert done.returncode == 0, done.stderr
    [warning] = [line for line in done.stderr.splitlines() if "database unavailable; trying again" in line]
    assert "the connection to postgresql://***@127.0.0.1:" in warning, warning
    assert_nothing_leaked(tmp_path, done)


def test_the_parsed_url_gives_libpq_its_parts_and_people_a_url_without_the_password():
    url = PostgresURL.parse("postgresql://me:Qx7a%40b@[::1]:5433,db2:5434/tactful?sslmode=require&password=Qx7c")
    assert dict(url.params) == {"user": "me", "password": "Qx7c", "host": "::1,db2", "port": "5433,5434",
                                "dbname": "tactful", "sslmode": "require"}  # fmt: skip
    assert url.shown == "postgresql://me:***@[::1]:5433,db2:5434/tactful?sslmode=require&password=***"
    assert url.hide("a 'Qx7a@b' and Qx7a%40b and Qx7c") == "a '***' and *** and ***"
    assert {"Qx7a%40b", "Qx7a@b", "Qx7c"} <= secret_forms("postgresql://me:Qx7a%40b@h/d?password=Qx7c")
    assert "Qx7 a" in secret_forms("host=h password='Qx7 a' port=5432")
