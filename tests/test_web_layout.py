"""Every page of the board at a desktop's width (1280 px) and a phone's (390 px), in Debian's
Chromium driven by Playwright, against `tactful serve` as a real process: axe-core finds no
violation, nothing runs off the side of the screen, no text is drawn under 11 px, and the text a
desktop shows is all there on a phone. Then the parts a phone made unreadable, one by one.

Only these tests skip, with the reason, when Playwright, axe-core or Chromium cannot be had.
"""

from __future__ import annotations

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install '.[webtest]'")
axe = pytest.importorskip("axe_playwright_python.sync_playwright",
                          reason="axe-core is not installed: pip install '.[webtest]'")  # fmt: skip

from .clirun import doc  # noqa: E402
from .test_web_browser import CONTRAST_JS, tab_at  # noqa: E402
from .test_web_browser import browser as _chromium  # noqa: E402, F401 - test_web_browser's Chromium, one per module
from .webclient import NOW, fill_candidates  # noqa: E402
from .webserver import serving  # noqa: E402

WIDTHS = {"desktop": 1280, "phone": 390}
#: Every page of the implicit candidate's and of Alice's (in Tokyo) search.
PAGES = ("", "applications/1", "applications/2", "applications/3", "applications/6", "agenda", "rules",
         "rules/default", "applications/2/rules", "c/alice", "c/alice/applications/7", "c/alice/agenda")  # fmt: skip

#: Each visible piece of text: its words, its box, its font size as drawn (an SVG's scale
#: counted), and whether it sits in a region that scrolls sideways by design.
TEXTS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const el = node.parentElement;
    if (!text || !el || el.closest("title, script, style, option, [hidden], .skip, .sr-narrow")) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest("svg");
    if (svg) { const m = el.getScreenCTM(); size *= Math.hypot(m.a, m.b); }
    out.push({text, size, left: box.left + scrollX, right: box.right + scrollX,
              scrolls: !!el.closest(".scroll, .diagram-box"), tag: el.tagName});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("layout") / "home"
    fill_candidates(home)
    return home


@pytest.fixture(scope="module")
def running(home):
    with serving(home, now=NOW) as served:
        yield served


@pytest.fixture
def phone(request):
    with tab_at(request.getfixturevalue("_chromium"), WIDTHS["phone"], bypass_csp=True) as tab:
        yield tab


@pytest.fixture
def desktop(request):
    with tab_at(request.getfixturevalue("_chromium"), WIDTHS["desktop"], bypass_csp=True) as tab:
        yield tab


def layout_of(tab, url, shot):
    """Go to ``url``, take a screenshot to ``shot``, and return its texts."""
    tab.goto(url)
    tab.screenshot(path=str(shot), full_page=True)
    return tab.evaluate(TEXTS_JS)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_reads_at_a_desktops_and_a_phones_width(running, desktop, phone, path, tmp_path):
    """The same text at both widths, none under 11 px, none off the side of the screen (but in a
    region that scrolls sideways by design: the timeline, the diagram), and the page itself never
    wider than the screen; axe-core finds no violation and contrast passes AA at both widths."""
    texts = {}
    for name, tab in (("desktop", desktop), ("phone", phone)):
        texts[name] = layout_of(tab, running.url + path, tmp_path / f"{name}.png")
        width = WIDTHS[name]
        assert tab.evaluate("document.documentElement.scrollWidth") <= width, f"{path} overflows at {width} px"
        small = [(t["text"][:30], round(t["size"], 1)) for t in texts[name] if t["size"] < 11]
        assert small == [], f"text under 11 px on /{path} at {width} px"
        outside = [
            t["text"][:30] for t in texts[name] if not t["scrolls"] and (t["right"] > width + 1 or t["left"] < -1)
        ]
        assert outside == [], f"text off the screen on /{path} at {width} px"
        assert tab.evaluate(CONTRAST_JS) == [], f"{path} at {width} px"
        found = axe.Axe().run(tab)
        assert found.violations_count == 0, f"/{path} at {width} px:\n{found.generate_report()}"
    assert sorted(t["text"] for t in texts["phone"]) == sorted(t["text"] for t in texts["desktop"])


def test_the_agenda_is_cards_on_a_phone_with_its_why_in_view(running, phone):
    phone.goto(running.url + "agenda")
    row = phone.locator("table.agenda tbody tr").first
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    why = row.locator('td[data-label="Why"]')
    box = why.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS["phone"]
    assert why.evaluate("el => getComputedStyle(el, '::before').content") == '"Why: "'
    headers = phone.locator("table.agenda thead").first
    assert headers.evaluate("el => el.getBoundingClientRect().width") <= 1, "the column heads are for screen readers"


def test_the_timelines_labels_are_clear_of_the_today_line_and_of_each_other(running, desktop, phone):
    for tab in (desktop, phone):
        for app in ("1", "2", "3", "6"):
            tab.goto(f"{running.url}applications/{app}")
            crossed = tab.evaluate("""() => {
              const lines = [...document.querySelectorAll(".timeline line.tl-today")]
                .map((l) => l.getBoundingClientRect());
              return [...document.querySelectorAll(".timeline text")].filter((t) => {
                const b = t.getBoundingClientRect();
                return lines.some((l) => l.left >= b.left && l.left <= b.right && l.top < b.bottom && l.bottom > b.top);
              }).map((t) => t.textContent);
            }""")
            assert crossed == [], f"the today line crosses {crossed} on #{app}"
            overlapping = tab.evaluate("""() => {
              const boxes = [...document.querySelectorAll(".timeline text")]
                .map((t) => [t.textContent, t.getBoundingClientRect()]);
              return boxes.flatMap(([a, p], i) => boxes.slice(i + 1).filter(([, q]) =>
                p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom)
                .map(([b]) => a + " / " + b));
            }""")
            assert overlapping == [], f"labels write over each other on #{app}"


def test_the_diagram_is_readable_on_a_phone_and_opens_full_size(running, phone):
    phone.goto(running.url + "applications/2/rules")
    diagram = phone.locator(".diagram-box svg")
    assert diagram.locator('[data-state="follow_up_due"] rect').get_attribute("fill") == "#ffe8a3"
    assert diagram.locator("text", has_text="while in process").count() == 1
    sizes = diagram.evaluate("""svg => [...svg.querySelectorAll("text")].map((t) =>
        parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b))""")
    assert min(sizes) >= 12
    link = phone.get_by_role("link", name="Open the diagram full size").get_attribute("href")
    full = phone.request.get(running.url.rstrip("/") + link)
    assert full.headers["content-type"].startswith("image/svg+xml") and ">follow up due</tspan>" in full.text()


#: Each edge label of the diagram, its box in the SVG's own units, and each state's; and the
#: SVG's size.
DIAGRAM_JS = """svg => ({
  size: [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height],
  labels: [...svg.querySelectorAll("g:not([data-state]) > text")].map((t) => {
    const b = t.getBBox(); return [t.textContent, b.x, b.y, b.x + b.width, b.y + b.height]; }),
  states: [...svg.querySelectorAll("[data-state] > rect")].map((r) => {
    const b = r.getBBox(); return [r.parentElement.dataset.state, b.x, b.y, b.x + b.width, b.y + b.height]; }),
})"""


def test_the_diagrams_labels_write_over_nothing_and_none_is_cut_off(running, desktop, phone):
    """Where the "while in process" group's states point at each other, each arrow's label has
    a place of its own: no label box over another or over a state, none past the diagram's
    edges, on the shipped rule sets' pages at both widths."""
    for tab in (desktop, phone):
        for path in ("rules/default", "rules/small-company", "applications/2/rules"):
            tab.goto(running.url + path)
            drawn = tab.locator(".diagram-box svg").evaluate(DIAGRAM_JS)
            width, height = drawn["size"]
            labels = drawn["labels"]
            assert len(labels) > 20 and any("[else]" in label[0] for label in labels)
            cut = [t for t, x0, y0, x1, y1 in labels if x0 < 0 or y0 < 0 or x1 > width or y1 > height]
            assert cut == [], f"labels cut off on {path}: {cut}"
            over = [f"{a[0]} / {b[0]}" for i, a in enumerate(labels) for b in labels[i + 1 :] + drawn["states"]
                    if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]  # fmt: skip
            assert over == [], f"labels write over each other or a state on {path}: {over}"


#: A rule set whose one arrow round the left, skipping a layer, has a long label.
SKIPPING = """\
events:
  go: {}
  the_interviewer_wrote_back_to_say_the_whole_process_starts_over: {}
states:
  start: {initial: true, on: {go: middle, the_interviewer_wrote_back_to_say_the_whole_process_starts_over: done}}
  middle: {on: {go: done}}
  done: {final: true}
policies: {}
"""


def test_a_long_label_beside_a_left_hand_arrow_is_not_cut_off(phone, tmp_path):
    from tactful.language.rulebook import RuleBook
    from tactful.web.layered import svg

    (tmp_path / "skipping.yaml").write_text(SKIPPING)
    book = RuleBook()
    phone.set_content("<!doctype html><body>" + svg(book.get(book.reference(str(tmp_path / "skipping.yaml")))))
    drawn = phone.locator("svg").evaluate(DIAGRAM_JS)
    (long,) = [label for label in drawn["labels"] if label[0].startswith("the_interviewer")]
    assert long[1] >= 0 and long[3] <= drawn["size"][0]


def test_the_record_form_shows_only_the_chosen_events_fields_and_undo_takes_it_back(home, running, desktop):
    """Nothing chosen, no event's field shows; choosing a call shows the call's; recording it is
    confirmed on the page, and Undo takes it back."""
    desktop.goto(running.url + "c/alice/applications/7")
    form = desktop.locator("form.record")
    assert form.get_by_label("What happened").input_value() == ""
    assert form.locator(".event-field:visible").count() == 0
    form.get_by_label("What happened").select_option("called")
    shown = form.locator(".event-field:visible label").all_inner_texts()
    assert [s.split(" (")[0] for s in shown] == ["Outcome", "Callback at", "Decision by"]
    form.get_by_label("What happened").select_option("thank_you_sent")
    assert form.locator(".event-field:visible").count() == 0
    form.get_by_role("button", name="Record").click()
    confirmation = desktop.locator(".notice[role=status]")
    sync_api.expect(confirmation).to_contain_text("Recorded for Globex: thank you sent")
    assert doc(home, "show", "7", "--candidate", "alice", now=NOW)["state"] == "awaiting_decision"
    confirmation.get_by_role("button", name="Undo").click()
    sync_api.expect(desktop.locator(".notice[role=status]")).to_contain_text("Undone: Globex is back to interviewed.")
    assert doc(home, "show", "7", "--candidate", "alice", now=NOW)["state"] == "interviewed"
