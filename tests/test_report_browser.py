"""The board's Insights page in a real browser (Debian's Chromium driven by Playwright, as in
tests/test_web_browser.py), checked by axe-core for accessibility; its screenshot goes to the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install '.[webtest]'")
axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-core is not installed: '.[webtest]'")

from .searches import NOW, home_with_search  # noqa: E402
from .test_web_browser import ARGS, CHROMIUM  # noqa: E402 - where Chromium is, and how it starts (skips without it)
from .webserver import serving  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = chromium.new_context(viewport={"width": 1200, "height": 900}).new_page()
        errors: list[str] = []
        tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        yield tab
        chromium.close()
        assert errors == [], f"console errors: {errors}"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("insights") / "home"
    home_with_search(home, {"alice": "Acme Secret Corp"})
    with serving(home, now=NOW) as running:
        yield running


def _serious(page) -> list[str]:
    results = axe.Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def test_the_insights_page_draws_the_report_and_its_screenshot_goes_to_the_docs(served, page) -> None:
    page.goto(served.url.rstrip("/") + "/insights")
    assert page.locator("h1").inner_text() == "Insights"
    for title in ("The funnel", "Answers to each follow-up", "Days from the stated decision date", "Timeline"):
        assert page.locator(f"svg[role=img] title:text-matches('^{title}')").count() == 1, title
    assert page.locator("svg desc#funnel-desc").text_content().startswith("interviews: 9; answered: 6")
    assert page.get_by_role("row", name="Hooli").count() == 1
    assert "settings.grace" in page.locator("#suggestions-h + ul").inner_text()
    assert page.get_by_role("link", name="Insights").get_attribute("aria-current") == "page"
    assert _serious(page) == []
    page.screenshot(path=str(ROOT / "docs" / "insights.png"), full_page=True)


def test_a_candidates_insights_show_only_their_own(served, page) -> None:
    page.goto(served.url.rstrip("/") + "/c/alice/insights")
    text = page.locator("main").inner_text()
    assert "Acme Secret Corp" in text and "Northwind" not in text and "too few to tell" in text
    assert _serious(page) == []
