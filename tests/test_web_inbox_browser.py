"""The board's Inbox in Chromium (Playwright), on a real `tactful serve`: the nav link, the
labelled controls, AA contrast, and an accept and a reject clicked through without any script.
Skips with test_web_browser's reason when Playwright or Chromium cannot be had."""

from __future__ import annotations

from pathlib import Path

from .test_web_browser import CONTRAST_JS, browser, page  # noqa: F401  # its fixtures, and its skips
from .test_web_inbox import AT, history, propose
from .webclient import NOW, fill_candidates
from .webserver import serving


def test_the_inbox_accepts_and_rejects_by_click_for_the_pages_candidate(tmp_path: Path, page) -> None:  # noqa: F811
    from tactful.vocabulary.proposals import Proposal

    home = tmp_path / "home"
    fill_candidates(home)
    propose(home,
            Proposal(0, "alice", "news:x#1", 7, "news", AT, "certain", "globex.example", "Globex opens in Lyon",
                     "in Globex's news feed"),
            Proposal(0, "alice", "<a1@globex>", 7, "answered", AT, "possible", "globex.example", "Our decision",
                     "from globex.example", ({"outcome": "rejected", "words": ["unfortunately"]},)))  # fmt: skip
    with serving(home, now=NOW) as running:
        page.goto(running.url + "c/alice")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
        page.wait_for_url(running.url + "c/alice/inbox")
        assert page.evaluate(CONTRAST_JS) == []
        unlabelled = page.evaluate("""() => [...document.querySelectorAll("input:not([type=hidden]), select")]
            .filter((el) => !document.querySelector(`label[for="${el.id}"]`)).map((el) => el.name)""")
        assert unlabelled == []
        page.locator("#proposal-1").get_by_role("button", name="Accept").click()
        page.wait_for_url(running.url + "c/alice/inbox")
        assert page.locator("#proposal-1").count() == 0
        page.locator("#proposal-2").get_by_role("button", name="Reject").click()
        page.wait_for_url(running.url + "c/alice/inbox")
        assert "No open proposals" in page.locator("main").inner_text()
    assert history(home, "alice", 7)[-1] == "news"
