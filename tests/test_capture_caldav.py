"""Interview invitations on the CalDAV calendar the calendar plugin is configured with
(Radicale on 127.0.0.1, tests/davserver.py): `tactful sync` proposes `edit` for a tracked
company and `add` for a new one; tactful's own pushed events are left out; a server that is
down is one warning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("caldav")
pytest.importorskip("radicale")

from tests.clirun import doc, run  # noqa: E402
from tests.davserver import free_port, radicale  # noqa: E402
from tests.test_capture_invites import ics  # noqa: E402

NOW = "2026-05-12T12:00:00+00:00"
LOGIN = {"TACTFUL_CALDAV_USERNAME": "alice", "TACTFUL_CALDAV_PASSWORD": "not-a-real-secret"}


@pytest.fixture
def dav(tmp_path: Path) -> Iterator[str]:
    with radicale(tmp_path / "radicale") as url:
        yield url


def put(url: str, *calendars: str) -> None:
    from caldav.davclient import DAVClient

    with DAVClient(url=url, username="alice", password="x") as client:
        calendar = client.principal().make_calendar(name="Work")  # type: ignore[no-untyped-call]
        for text in calendars:
            calendar.save_event(text)


def home_for(tmp_path: Path, url: str) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(f"calendar:\n  caldav:\n    url: {url}\n")
    doc(home, "add", "Northwind", "--interviewed", "2026-05-04", "--email", "jane@northwind.example",
        now="2026-05-04T17:00:00+00:00")  # fmt: skip
    return home


def test_invitations_on_the_caldav_calendar_propose_edit_and_add(tmp_path: Path, dav: str) -> None:
    put(dav, ics("Second interview", "20260520T140000", "Europe/Paris", "jane@northwind.example", "Jane Roe"),
        ics("Interview at Contoso", "20260521T100000", "America/New_York", "sam@gmail.com", "Sam Lee"),
        ics("call Northwind", "20260522T090000", "UTC", "me@home.example", "Me").replace(
            "UID:call-Northwind@test", "UID:1-call@tactful"))  # the plugin's own event  # fmt: skip
    home = home_for(tmp_path, dav)
    synced = doc(home, "sync", now=NOW, env=LOGIN)
    assert synced["warnings"] == []
    found = sorted((p["event"], p["application"], p["at"]) for p in synced["proposed"])
    assert found == [("add", None, "2026-05-21T10:00:00-04:00"), ("edit", 1, "2026-05-20T14:00:00+02:00")]
    assert doc(home, "sync", now=NOW, env=LOGIN)["proposed"] == []  # once


def test_a_caldav_server_that_is_down_is_one_warning(tmp_path: Path) -> None:
    home = home_for(tmp_path, f"http://127.0.0.1:{free_port()}/")
    done = run(home, "sync", now=NOW, env=LOGIN)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "the CalDAV calendar http://127.0.0.1:" in done.stderr and "the rest of the sync goes on" in done.stderr
    assert LOGIN["TACTFUL_CALDAV_PASSWORD"] not in done.stderr
