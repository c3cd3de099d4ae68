"""The board in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser), against `tactful serve` running as a real process on 127.0.0.1.

Only these tests skip, with the reason, when Playwright or Chromium cannot be had; `.ci/run`
installs Chromium when it is missing. The board's screenshot in docs/ is taken here.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install '.[webtest]'")

from .clirun import doc  # noqa: E402
from .webclient import NOW, fill, fill_candidates  # noqa: E402
from .webserver import serving  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("TACTFUL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
if not Path(CHROMIUM).is_file():
    pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); browser tests skip",
                allow_module_level=True)  # fmt: skip

#: Measures WCAG contrast of every element with text of its own against the background it sits on.
CONTRAST_JS = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 :
      Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const low = [];
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest("svg") || !el.offsetParent) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(el.tagName + ": " + el.textContent.trim().slice(0, 40) + " " + ratio.toFixed(2));
  }
  return low;
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def served(tmp_path):
    home = tmp_path / "home"
    fill(home)
    with serving(home, now=NOW) as running:
        yield home, running


@pytest.fixture
def page(browser):
    """A page whose console errors and uncaught exceptions fail the test."""
    with tab_at(browser, 1400, permissions=["clipboard-read", "clipboard-write"]) as tab:
        yield tab


@contextmanager
def tab_at(browser, width, **options):
    """A page ``width`` px wide (the context's ``options`` besides) whose console errors and
    uncaught exceptions fail the test."""
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"console errors: {errors}"


def card(page, company):
    return page.locator("article.card", has=page.get_by_role("link", name=company, exact=True))


def test_the_board_shows_every_stage_and_its_screenshot_goes_to_the_docs(served, page):
    _, running = served
    page.goto(running.url)
    assert page.title() == "Board · tactful"
    headings = page.locator(".column h2").all_inner_texts()
    assert [h.split(" (")[0] for h in headings] == ["Waiting", "Due now", "Awaiting reply", "Offers", "Closed"]
    due = page.locator("#col-due")
    assert due.get_by_role("link", name="Northwind").is_visible()
    bakery = card(page, "Tiny Bakery")
    assert "overdue" in bakery.inner_text() and "call" in bakery.inner_text()
    assert page.locator("#col-offers").get_by_role("link", name="Contoso").is_visible()
    page.screenshot(path=str(ROOT / "docs" / "board.png"), full_page=True)
    assert (ROOT / "docs" / "board.png").stat().st_size > 10_000


def test_recording_a_thank_you_through_the_form_moves_the_card(served, page):
    home, running = served
    page.goto(running.url)
    assert card(page, "Northwind").locator("xpath=ancestor::section").get_attribute("id") == "col-due"
    card(page, "Northwind").get_by_role("button", name="Done: thank you sent").click()
    page.wait_for_url(re.compile(re.escape(running.url) + r"\?done=1\.\d+$"))
    assert "Recorded for Northwind: thank you sent" in page.locator(".notice").inner_text()
    assert page.locator("#col-waiting").get_by_role("link", name="Northwind").is_visible()
    assert page.locator("#col-due").get_by_role("link", name="Northwind").count() == 0
    assert doc(home, "show", "1", now=NOW)["state"] == "awaiting_decision"


def test_the_may_i_panel_reads_a_refusal_with_its_reason_and_date(served, page):
    _, running = served
    page.goto(running.url)
    page.get_by_role("link", name="Northwind").click()
    panel = page.get_by_role("region", name="May I…?")
    linkedin = panel.locator("li[data-channel=linkedin_invite]")
    assert linkedin.locator(".answer").inner_text() == "No"
    assert "still deciding" in linkedin.inner_text()
    call = panel.locator("li[data-channel=call]")
    assert "Allowed from Thu 21 May 2026." in call.inner_text()
    assert panel.locator("li[data-channel=twitter_follow] .answer").inner_text() == "Yes"


def test_copying_the_draft_puts_it_on_the_clipboard(served, page):
    _, running = served
    page.goto(running.url + "applications/1")
    draft = page.locator("#draft-1").inner_text()
    assert "Dear Ms. Rivera," in draft
    page.get_by_role("button", name="Copy the draft").click()
    # the clipboard is written asynchronously: wait (up to 5 s) for the status to say so
    sync_api.expect(page.get_by_role("status").first).to_have_text("Copied.", timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == draft


def tab_to(page, key):
    """Press ``key`` and return the name of the control that has the focus, which must have one."""
    page.keyboard.press(key)
    tag, name = page.evaluate("""() => { const el = document.activeElement;
        const label = el.id && document.querySelector(`label[for="${el.id}"]`);
        return [el.tagName, (label ? label.textContent : el.innerText || el.value || "").trim()]; }""")
    assert name, f"a {tag} reached by the keyboard has no name"
    return " ".join(name.split())


def test_a_keyboard_reaches_every_control_with_a_name_and_a_label(served, page):
    _, running = served
    page.goto(running.url + "applications/1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    names = [tab_to(page, "Tab")]
    while names[-1] != "Record" and len(names) < 80:
        names.append(tab_to(page, "Tab"))
    assert names[0] == "See the rules, this state marked"
    for control in ("Copy the draft", "Done: send thank you (thank you sent)", "What happened", "When (empty: now)"):
        assert control in names
    while tab_to(page, "Shift+Tab") != "Copy the draft":
        pass
    page.keyboard.press("Enter")
    assert page.get_by_role("status").first.inner_text() == "Copied."
    unlabelled = page.evaluate("""() => [...document.querySelectorAll("input:not([type=hidden]), select")]
        .filter((el) => !document.querySelector(`label[for="${el.id}"]`)).map((el) => el.name)""")
    assert unlabelled == []


def test_every_page_passes_aa_contrast_and_logs_no_console_error(served, page):
    _, running = served
    for path in ("", "applications/2", "applications/3", "agenda", "rules", "rules/default", "applications/1/rules"):
        page.goto(running.url + path)
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.evaluate(CONTRAST_JS) == [], path


def test_the_candidate_switcher_changes_what_the_board_shows(tmp_path, page):
    """Without any script: choose Alice in the labelled list, press Show, and the board is hers,
    in her zone; the links on it keep her."""
    home = tmp_path / "home"
    fill_candidates(home)
    with serving(home, now=NOW) as running:
        page.goto(running.url)
        assert page.get_by_role("link", name="Northwind").is_visible()
        switcher = page.get_by_role("navigation", name="Candidate")
        switcher.get_by_label("Candidate").select_option(label="Alice Martin (alice)")
        switcher.get_by_role("button", name="Show").click()
        page.wait_for_url(running.url + "c/alice")
        assert page.title() == "Board · Alice Martin · tactful"
        assert page.locator("#col-due").get_by_role("link", name="Globex").is_visible()
        assert page.get_by_role("link", name="Northwind").count() == 0
        assert "Tue 05 May 2026, 18:00" in card(page, "Globex").inner_text()  # 09:00 UTC, in Tokyo
        assert page.evaluate(CONTRAST_JS) == []
        page.get_by_role("link", name="Agenda").click()
        page.wait_for_url(running.url + "c/alice/agenda")
        assert switcher.get_by_label("Candidate").input_value() == "alice"
