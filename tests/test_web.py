"""`tactful serve` at the HTTP level (Starlette's TestClient on a real SQLite home): the JSON API
equals the CLI's --json, and the security rules hold. The browser tests are in test_web_browser."""

from __future__ import annotations

import json
import os
import re
import stat

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the webtest extra)")

from tactful.web.security import load_token  # noqa: E402

from .clirun import doc, run  # noqa: E402
from .webclient import AUTH, NOW, TOKEN, client, csrf_of, fill  # noqa: E402


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A home with four applications, shared by the tests that only read."""
    home = tmp_path_factory.mktemp("web") / "home"
    fill(home)
    return home


@pytest.fixture
def home(tmp_path):
    """A home of its own, for the tests that write."""
    fill(tmp_path / "home")
    return tmp_path / "home"


# -- The API is the CLI's --json -------------------------------------------------------------


def test_the_api_documents_are_the_clis_json(filled):
    with client(filled) as web:
        assert web.get("/api/applications").json() == doc(filled, "list", now=NOW)
        assert web.get("/api/agenda").json() == doc(filled, "agenda", now=NOW)
        for app_id in ("1", "3"):
            assert web.get(f"/api/applications/{app_id}").json() == doc(filled, "show", app_id, now=NOW)
        for channel in ("call", "linkedin_invite", "accept_offer"):
            answer = web.get(f"/api/applications/1/can/{channel}")
            assert answer.status_code == 200
            proc = run(filled, "can", "1", channel, "--json", now=NOW)
            assert answer.json() == json.loads(proc.stdout)


def test_an_unknown_application_is_404_and_an_unknown_channel_422(filled):
    with client(filled) as web:
        assert web.get("/api/applications/99").status_code == 404
        assert web.get("/api/applications/abc/can/call").status_code == 404
        answer = web.get("/api/applications/1/can/carrier_pigeon")
        assert answer.status_code == 422 and "carrier_pigeon" in answer.json()["error"]


def test_recording_through_the_api_answers_like_record_json(home, tmp_path):
    twin = tmp_path / "twin"
    fill(twin)
    with client(home) as web:
        answer = web.post("/api/applications/1/events", json={"event": "thank_you_sent"}, headers=AUTH)
    assert answer.status_code == 200
    assert answer.json() == doc(twin, "record", "1", "thank_you_sent", now=NOW)
    assert answer.json()["state"] == "awaiting_decision"
    assert doc(home, "show", "1", now=NOW)["state"] == "awaiting_decision", "it was written"


def test_a_refused_event_is_409_and_writes_nothing(home):
    before = doc(home, "show", "3", now=NOW)
    with client(home) as web:
        assert web.post("/api/applications/3/events", json={"event": "accepted"}, headers=AUTH).status_code == 200
        web.post("/api/applications/2/events", json={"event": "offer"}, headers=AUTH)
        answer = web.post("/api/applications/2/events", json={"event": "accepted"}, headers=AUTH)
    assert answer.status_code == 409 and "already accepted" in answer.json()["error"]
    assert doc(home, "show", "2", now=NOW)["state"] == "offer_received"
    assert before["state"] == "offer_received"


def test_recording_for_an_unknown_application_is_bad_input(home):
    with client(home) as web:
        assert web.post("/api/applications/42/events", json={"event": "news"}, headers=AUTH).status_code == 422


# -- Safe by default --------------------------------------------------------------------------


def test_an_api_write_without_the_token_is_401_and_writes_nothing(home):
    with client(home) as web:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            answer = web.post("/api/applications/1/events", json={"event": "thank_you_sent"}, headers=headers)
            assert answer.status_code == 401
    assert doc(home, "show", "1", now=NOW)["state"] == "interviewed"


def test_an_api_write_from_a_foreign_origin_is_403_even_with_the_token(home):
    with client(home) as web:
        for origin in ("http://evil.example", "null", "http://127.0.0.1:9"):
            headers = {**AUTH, "Origin": origin}
            answer = web.post("/api/applications/1/events", json={"event": "thank_you_sent"}, headers=headers)
            assert answer.status_code == 403
        same = {**AUTH, "Origin": "http://testserver"}
        assert web.post("/api/applications/1/events", json={"event": "news", "text": "x"}, headers=same).is_success
    assert doc(home, "show", "1", now=NOW)["state"] == "interviewed"


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example", ""])
def test_a_request_for_another_host_name_is_refused_against_dns_rebinding(filled, host):
    with client(filled) as web:
        for path in ("/", "/api/applications", "/static/style.css"):
            answer = web.get(path, headers={"Host": host})
            assert answer.status_code == 400 and "Northwind" not in answer.text


def test_the_bound_names_are_answered(filled):
    with client(filled) as web:
        for host in ("127.0.0.1:8765", "localhost:8765", "testserver"):
            assert web.get("/", headers={"Host": host}).status_code == 200


def test_a_form_without_the_csrf_token_is_refused_and_writes_nothing(home):
    with client(home) as web:
        page = web.get("/applications/1").text
        token = csrf_of(page)
        for form in ({"event": "thank_you_sent"}, {"event": "thank_you_sent", "csrf": "0" * 64}):
            assert web.post("/applications/1/events", data=form).status_code == 403
        foreign = web.post("/applications/1/events", data={"event": "thank_you_sent", "csrf": token},
                           headers={"Origin": "http://evil.example"})  # fmt: skip
        assert foreign.status_code == 403
    assert doc(home, "show", "1", now=NOW)["state"] == "interviewed"


def test_the_csrf_token_does_not_reveal_the_api_token(filled):
    with client(filled) as web:
        page = web.get("/").text
    assert TOKEN not in page and csrf_of(page) != TOKEN


def test_the_token_is_kept_0600_in_the_home_and_reused(tmp_path):
    first = load_token(tmp_path)
    path = tmp_path / "web-token"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_token(tmp_path) == first and len(first) >= 32
    path.chmod(0o644)
    assert load_token(tmp_path) == first and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_nothing_echoes_unescaped_user_text(home):
    nasty = '<script>alert("x")</script>'
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        web.post("/applications/1/facts", data={"csrf": token, "company": nasty, "role": "<b>boss</b>"})
        board = web.get("/").text
        page = web.get("/applications/1").text
        bad = web.post("/applications/1/events", data={"csrf": token, "event": "<img src=x onerror=alert(1)>"})
        api_bad = web.get("/api/applications/1/can/%3Cb%3Ex")
        missing = web.get("/applications/<script>")
    for text in (board, page, bad.text, missing.text):
        assert "<script>alert" not in text and "<b>boss</b>" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in board
    assert bad.status_code == 422 and "&lt;img src=x" in bad.text
    assert api_bad.status_code == 422 and api_bad.headers["content-type"] == "application/json"
    assert api_bad.headers["x-content-type-options"] == "nosniff", "no browser reads the JSON as a page"


def test_pages_forbid_inline_script_and_framing(filled):
    with client(filled) as web:
        headers = web.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


# -- The pages --------------------------------------------------------------------------------


def column_of(board: str, company: str) -> str:
    """The key of the board column holding ``company``'s card."""
    for key, body in re.findall(r'<section class="column" id="col-(\w+)".*?>(.*?)</section>', board, re.S):
        if f">{company}</a>" in body:
            return key
    raise AssertionError(f"{company} is on no column")


def test_the_board_puts_each_application_in_its_stage(filled):
    with client(filled) as web:
        board = web.get("/").text
    assert column_of(board, "Northwind") == "due"
    assert column_of(board, "Tiny Bakery") == "due"
    assert column_of(board, "Contoso") == "offers"
    closed = re.search(r'<section class="column" id="col-closed".*?</section>', board, re.S)
    assert closed and ">1 finished application</a>" in closed.group(), "Fabrikam, finished, is counted in Closed"
    for title in ("Waiting", "Due now", "Awaiting reply", "Offers", "Closed"):
        assert f">{title} <span" in board


def test_the_board_shows_finished_applications_as_a_count_that_links_to_them(home):
    """Fabrikam (#4) is closed, a final state: the board counts it and links to the finished
    ones; Alice's board and finished page are hers alone."""
    with client(home) as web:
        board = web.get("/").text
        assert sorted(int(i) for i in re.findall(r'data-app="(\d+)"', board)) == [1, 2, 3, 5, 6]
        assert '<a href="/finished">1 finished application</a>' in board
        finished = web.get("/finished")
        assert finished.status_code == 200
        assert re.findall(r'href="/applications/(\d+)"', finished.text) == ["4"]
        web.post("/api/applications/3/events", json={"event": "declined"}, headers=AUTH)  # Contoso
        board = web.get("/").text
        assert '<a href="/finished">2 finished applications</a>' in board and 'data-app="3"' not in board
        assert re.findall(r'href="/applications/(\d+)"', web.get("/finished").text) == ["3", "4"]
        assert re.findall(r'href="/applications/(\d+)"', web.get("/finished?after=3").text) == ["4"]
        assert web.get("/finished?after=x").status_code == 400
        assert web.get("/finished?after=99999999999999999999").status_code == 400


def test_recording_through_a_form_moves_the_card(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications/1/events", data={"csrf": token, "event": "thank_you_sent", "next": "/"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/?done=1.")
        assert column_of(web.get("/").text, "Northwind") == "waiting"
        answer = web.post("/applications/2/events", data={"csrf": token, "event": "called", "outcome": "noncommittal",
                                                           "next": "//evil.example/"})  # fmt: skip
        assert answer.headers["location"].startswith("/applications/2?done=2."), "never sent off to another site"
        assert column_of(web.get("/").text, "Tiny Bakery") == "reply"


def test_a_refused_form_says_why_on_the_page(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        web.post("/applications/3/events", data={"csrf": token, "event": "accepted"})
        web.post("/applications/2/events", data={"csrf": token, "event": "offer"})
        answer = web.post("/applications/2/events", data={"csrf": token, "event": "accepted"})
    assert answer.status_code == 409 and 'role="alert"' in answer.text and "already accepted" in answer.text


def test_editing_the_facts_through_the_form_is_edit(home, tmp_path):
    twin = tmp_path / "twin"
    fill(twin)
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        form = {"csrf": token, "decision_by": "2026-05-20", "role": "Baker", "company": "Northwind", "no_calls": "no"}
        assert web.post("/applications/1/facts", data=form).status_code == 303
    edited = doc(twin, "edit", "1", "--decision-by", "2026-05-20", "--role", "Baker", now=NOW)
    assert doc(home, "show", "1", now=NOW) == edited
    assert edited["next"][1]["action"] == "call" and edited["next"][1]["due"].startswith("2026-05-25")


def test_the_application_page_shows_may_i_with_reasons_and_first_allowed_date(filled):
    with client(filled) as web:
        page = web.get("/applications/1").text
    may = page[page.index('id="h-may"') : page.index('id="h-timeline"')]
    for channel in ("call", "email", "note", "linkedin invite", "facebook request", "twitter follow", "accept offer"):
        assert f"<strong>{channel}:</strong>" in may
    linkedin = may[may.index('data-channel="linkedin_invite"') :]
    assert '<span class="answer">No</span>' in linkedin.split("</li>")[0]
    assert "Allowed from Thu 21 May 2026." in may  # the first inquiry: interview + 14 days + 3 of grace
    assert "Dear Ms. Rivera," in page and 'data-copy="draft-1"' in page


def test_the_timeline_is_server_drawn_svg_with_today_marked(filled):
    with client(filled) as web:
        page = web.get("/applications/2").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="tl-today"' in svg and ">today</text>" in svg
    assert 'class="tl-done"' in svg and 'class="tl-ahead"' in svg
    assert "thank you sent" in svg and "call again" in svg


def test_what_comes_next_marks_what_is_due_and_what_is_optional(filled):
    with client(filled) as web:
        page = web.get("/applications/6").text
    upcoming = page[page.index('id="h-next"') : page.index('id="h-may"')]
    note = upcoming[upcoming.index("<strong>send note</strong>") :].split("</li>")[0]
    assert '<span class="badge badge-optional">optional</span>' in note and "due now" in note
    call = upcoming[upcoming.index("<strong>call again</strong>") :].split("</li>")[0]
    assert "optional" not in call and "due now" not in call and "Fri 08 May 2026, 10:00" in call


def test_dates_are_in_the_users_zone(filled):
    with client(filled, tz="America/New_York") as web:
        board = web.get("/").text
    assert "Tue 05 May 2026, 05:00" in board  # Northwind's thank-you, due 09:00 UTC


def test_the_agenda_lists_what_is_due_and_links_the_calendar_feed_when_configured(filled, tmp_path):
    feed = tmp_path / "calendar.ics"
    feed.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    with client(filled) as web:
        plain = web.get("/agenda").text
        assert web.get("/calendar.ics").status_code == 404
    with client(filled, calendar_feed=feed) as web:
        linked = web.get("/agenda").text
        ics = web.get("/calendar.ics")
    assert "Due now" in plain and "send thank you" in plain and "webcal://" not in plain
    assert "webcal://testserver/calendar.ics" in linked
    assert ics.status_code == 200 and ics.text.startswith("BEGIN:VCALENDAR")


def test_the_rules_page_draws_the_machine_without_graphviz_with_the_applications_state_marked(filled, monkeypatch):
    """No system Graphviz is needed: with no `dot` on PATH the page still draws the diagram,
    the "while in process" group boxed, the state marked, and opens it full size."""
    monkeypatch.setenv("PATH", "/nonexistent")
    with client(filled) as web:
        index = web.get("/rules").text
        shipped = web.get("/rules/small-company")
        marked = web.get("/applications/2/rules").text
        full = web.get("/applications/2/rules/diagram.svg")
        shipped_full = web.get("/rules/default/diagram.svg")
        assert web.get("/rules/..%2F..%2Fetc%2Fpasswd").status_code == 404
        assert web.get("/rules/nope/diagram.svg").status_code == 404
    assert 'href="/rules/default"' in index and shipped.status_code == 200
    assert 'aria-current="true"' in marked and "follow up due ← now" in marked
    assert "<svg" in marked and ">while in process</text>" in marked
    assert '<g data-state="follow_up_due" data-current=""><rect' in marked and 'fill="#ffe8a3"' in marked
    assert "while in process: interviewed" in marked
    assert 'href="/applications/2/rules/diagram.svg"' in marked
    assert full.headers["content-type"].startswith("image/svg+xml") and full.text.startswith("<svg")
    assert 'fill="#ffe8a3"' in full.text and 'fill="#ffe8a3"' not in shipped_full.text


def test_a_missing_page_is_404_without_a_traceback(filled):
    with client(filled) as web:
        for path in ("/applications/99", "/nope", "/applications/0/rules"):
            answer = web.get(path)
            assert answer.status_code == 404 and "Traceback" not in answer.text
        assert web.post("/").status_code == 405


def test_every_asset_ships_with_tactful_and_nothing_comes_from_a_cdn():
    from pathlib import Path

    import tactful.web

    folder = Path(tactful.web.__file__).parent
    assets = [*folder.glob("templates/*.html"), *folder.glob("static/*")]
    assert len(assets) >= 8
    for path in assets:
        text = path.read_text(encoding="utf-8")
        outside = [u for u in re.findall(r"https?://[^\s\"'<>]+", text) if u != "http://www.w3.org/2000/svg"]
        assert outside == [], f"{path.name} loads {outside}"
