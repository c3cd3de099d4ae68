"""Company news: `tactful sync` reads each application's --news-feed from a real HTTP server on
127.0.0.1 (tests/feedserver.py) and proposes a `news` event per item since the interview; the
hostile feeds of issue 20 are a warning each, and the rest of the sync is done."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirun import doc, ok, run
from tests.feedserver import FeedServer, Route, feed_server, rss

NOW = "2026-05-12T12:00:00+00:00"
ADDED = "2026-05-04T17:00:00+00:00"
ITEMS = (
    ("Northwind opens an office in Lyon", "https://northwind.example/news/lyon", "Thu, 07 May 2026 08:00:00 GMT"),
    ("Northwind wins a design award", "https://northwind.example/news/award", "Mon, 11 May 2026 09:30:00 GMT"),
    ("Northwind hires a new CTO", "https://northwind.example/news/cto", "Fri, 01 May 2026 10:00:00 GMT"),  # before
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        running.routes["/news.rss"] = Route(rss(*ITEMS), headers={"ETag": '"v1"'})
        yield running


def added(home: Path, company: str, feed: str) -> int:
    return int(doc(home, "add", company, "--interviewed", "2026-05-04", "--news-feed", feed, now=ADDED)["id"])


def test_each_item_since_the_interview_is_proposed_and_an_accepted_one_reaches_the_drafts(
    tmp_path: Path, server: FeedServer
) -> None:
    app = added(tmp_path, "Northwind", server.url("/news.rss"))
    synced = doc(tmp_path, "sync", now=NOW)
    assert synced["feeds"] == 1 and synced["warnings"] == []
    titles = [p["evidence"]["subject"] for p in synced["proposed"]]
    assert titles == ["Northwind wins a design award", "Northwind opens an office in Lyon"]  # not the CTO: before
    inbox = doc(tmp_path, "inbox", now=NOW)
    assert {p["event"] for p in inbox} == {"news"} and {p["application"] for p in inbox} == {app}
    assert inbox[0]["evidence"]["domain"] == "127.0.0.1" and "news/award" in inbox[0]["evidence"]["why"]

    ok(tmp_path, "inbox", "accept", str(inbox[0]["id"]), now=NOW, env={"TACTFUL_LOG_LEVEL": "info"})  # it logs
    drafts = ok(tmp_path, "draft", str(app), now="2026-05-21T10:00:00+00:00").stdout
    assert "recent news: Northwind wins a design award" in drafts


def test_a_second_sync_asks_with_the_etag_and_proposes_nothing(tmp_path: Path, server: FeedServer) -> None:
    added(tmp_path, "Northwind", server.url("/news.rss"))
    doc(tmp_path, "sync", now=NOW)
    again = doc(tmp_path, "sync", now=NOW)
    assert again["proposed"] == [] and again["warnings"] == []
    asked = server.asked("/news.rss")
    assert "if-none-match" not in asked[0] and asked[1]["if-none-match"] == '"v1"'
    (tmp_path / "cache" / "feeds.json").unlink()  # a lost cache: one whole fetch, still nothing proposed twice
    assert doc(tmp_path, "sync", now=NOW)["proposed"] == []


def test_a_redirect_to_another_host_is_refused_and_one_on_the_same_host_followed(
    tmp_path: Path, server: FeedServer
) -> None:
    server.routes["/moved"] = Route(status=301, headers={"Location": "/news.rss"})
    server.routes["/away"] = Route(status=302, headers={"Location": "http://feeds.elsewhere.example/x.rss"})
    added(tmp_path, "Northwind", server.url("/moved"))
    added(tmp_path, "Contoso", server.url("/away"))
    synced = doc(tmp_path, "sync", now=NOW)
    assert len(synced["proposed"]) == 2  # Northwind's, through the redirect on 127.0.0.1
    [warning] = synced["warnings"]
    assert "#2 Contoso" in warning and "redirects to 'http://feeds.elsewhere.example/x.rss'" in warning
    assert [p for p, _ in server.requests].count("/news.rss") == 1  # nothing fetched from elsewhere


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>
<pubDate>Mon, 11 May 2026 09:30:00 GMT</pubDate></item></channel></rss>"""


@pytest.mark.parametrize(
    ("route", "said"),
    [
        pytest.param(Route(BOMB), "declares XML entities", id="entity-bomb"),
        pytest.param(Route(b"<rss>" + b"x" * (20 * 1024 * 1024)), "above the 2,097,152 bytes", id="20-MB"),
        pytest.param(
            Route(b"<rss>" + b"x" * (20 * 1024 * 1024), behaviour="unsized"),
            "above the 2,097,152 bytes",
            id="20-MB-without-length",
        ),  # fmt: skip
        pytest.param(
            Route(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, headers={"Content-Type": "image/png"}),
            "is not an RSS or Atom feed",
            id="not-xml",
        ),  # fmt: skip
        pytest.param(Route(behaviour="hang"), "did not answer within 1 s", id="hangs"),
        pytest.param(Route(rss(*ITEMS), behaviour="drop"), "dropped the connection", id="drops"),
        pytest.param(Route(status=500), "answered 500", id="error-status"),
    ],
)
def test_a_hostile_feed_is_one_warning_and_the_other_feeds_are_read(
    tmp_path: Path, server: FeedServer, route: Route, said: str
) -> None:
    (tmp_path / "config.yaml").write_text("news:\n  timeout: 1\n")
    server.routes["/hostile"] = route
    added(tmp_path, "Contoso", server.url("/hostile"))
    added(tmp_path, "Northwind", server.url("/news.rss"))
    done = run(tmp_path, "sync", now=NOW)
    assert done.returncode == 0, done.stderr
    [warning] = [line for line in done.stderr.splitlines() if line.strip()]
    assert "#1 Contoso" in warning and said in warning and "the rest of the sync goes on" in warning
    assert "Traceback" not in done.stderr
    assert "2 new proposals" in done.stdout  # Northwind's feed was read all the same


def test_a_feed_address_that_is_no_url_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", "--news-feed", "file:///etc/passwd",
               now=ADDED)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == ("tactful: --news-feed 'file:///etc/passwd' is not a feed's address; give its "
                                   "http or https URL, e.g. https://northwind.example/news.rss")  # fmt: skip


def test_sync_with_no_mailbox_and_no_feed_says_what_to_configure(tmp_path: Path) -> None:
    done = run(tmp_path, "sync", now=NOW)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "no 'mailbox:' section and no application has a news feed" in done.stderr
