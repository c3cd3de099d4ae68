"""The pictures in docs/: an application's page and the agenda, taken in Debian's Chromium
(Playwright, never a downloaded browser) from `tactful serve` as a real process, on the
search of :func:`tests.webclient.fill`. Retaken at every run, so they show the board as it is.
docs/board.png is taken by tests/test_web_browser.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install '.[webtest]'")

from .webclient import NOW, fill  # noqa: E402
from .webserver import serving  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"
CHROMIUM = os.environ.get("TACTFUL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).is_file():
    pytest.skip(f"Chromium is not installed at {CHROMIUM}; the docs' screenshots are not retaken",
                allow_module_level=True)  # fmt: skip


def test_the_application_page_and_the_agenda_are_pictured_in_the_docs(tmp_path: Path) -> None:
    """Litware (#6), called once with a noncommittal answer: its facts, timeline, "May I…?"
    answers and draft; the agenda of the whole search."""
    home = tmp_path / "home"
    fill(home)
    with serving(home, now=NOW) as running, sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            tab = chromium.new_page(viewport={"width": 1280, "height": 900})
            for path, picture, expected in (("applications/6", "application.png", "Litware"),
                                            ("agenda", "agenda.png", "Tiny Bakery")):  # fmt: skip
                tab.goto(running.url + path)
                assert expected in tab.locator("main").inner_text()
                tab.screenshot(path=str(DOCS / picture), full_page=True)
                assert (DOCS / picture).stat().st_size > 10_000, picture
        finally:
            chromium.close()
