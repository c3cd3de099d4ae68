"""The board's "why?": every advised action and every may-I answer links to the trace behind it,
scoped to the candidate the path names (Starlette's TestClient on a real SQLite home)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the webtest extra)")

from .clirun import ok  # noqa: E402
from .webclient import NOW, client, fill_candidates  # noqa: E402


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    home = tmp_path_factory.mktemp("web-why") / "home"
    fill_candidates(home)
    return home


def _links(page: str) -> list[str]:
    return re.findall(r'href="([^"]+/why/[^"]+)"', page)


def test_every_advised_action_and_may_i_answer_links_to_its_trace(filled):
    with client(filled) as web:
        page = web.get("/applications/6").text
        links = _links(page)
        assert "/applications/6/why/call_again" in links and "/applications/6/why/linkedin_invite" in links
        assert len(links) == page.count('class="why"')
        board = web.get("/").text
        assert "/applications/1/why/send_thank_you" in _links(board)
        for link in links:
            assert web.get(link).status_code == 200, link


def test_the_why_page_shows_the_answer_the_steps_and_the_next_change_as_why_does(filled):
    with client(filled) as web:
        page = web.get("/applications/6/why/call").text
    said = ok(filled, "why", "6", "call", now=NOW).stdout
    answer = re.search(r"May I call\? (Yes|No): (.*)", said)
    assert answer and f"<strong>{answer.group(1)}</strong>: {answer.group(2)}" in page.replace("&#39;", "'")
    change = re.search(r"Changes next: (.*?): ", said)
    assert change and change.group(1) in page
    assert "calls_made (fact) -&gt; 1" in page or "calls_made (fact) -> 1" in page


def test_another_candidates_application_or_an_unknown_name_has_no_trace(filled):
    with client(filled) as web:
        assert web.get("/c/alice/applications/7/why/send_thank_you").status_code == 200
        assert web.get("/applications/7/why").status_code == 404  # Alice's, asked as the implicit candidate's
        assert web.get("/c/bob/applications/7/why").status_code == 404
        assert web.get("/applications/6/why/carrier_pigeon").status_code == 404
