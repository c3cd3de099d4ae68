"""The board's forms as a person meets them (Starlette's TestClient on a real SQLite home): the
record form preselects nothing and offers the state's own events first; every write is
confirmed with an Undo that is `tactful undo`; an application can be added; messages speak of
the page's fields, never of the command line's options; inputs fit what they hold. The same
in a real browser is in test_web_layout."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the webtest extra)")

from .clirun import doc  # noqa: E402
from .webclient import AUTH, NOW, client, csrf_of, fill, fill_candidates  # noqa: E402


@pytest.fixture
def home(tmp_path):
    fill(tmp_path / "home")
    return tmp_path / "home"


def alert(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    assert found, "the page shows no reason"
    return re.sub(r"<[^>]+>", "", found.group(1))


def status(page: str) -> str:
    found = re.search(r'<div class="notice" role="status">(.*?)</div>', page, re.S)
    assert found, "the page confirms nothing"
    return found.group(1)


def record_form(page: str) -> str:
    return page[page.index('class="record"') : page.index("</form>", page.index('class="record"'))]


def test_the_record_form_preselects_nothing_and_offers_the_states_own_events_first(home):
    with client(home) as web:
        form = record_form(web.get("/applications/1").text)
    selected = re.findall(r'<option value="([^"]*)" selected>', form)
    assert selected == [""], "no event is chosen until the person chooses one"
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', form, re.S)
    assert [g for g, _ in groups] == ["For this step", "At any time"]
    own = re.findall(r'value="(\w+)"', groups[0][1])
    assert own[0] == "thank_you_sent" and "offer" not in own
    assert re.findall(r'value="(\w+)"', groups[1][1]) == ["offer", "rejected", "withdrawn"]
    deadline = form[form.index('data-events="', form.index("f-deadline") - 200) :]
    assert deadline.startswith('data-events="offer"'), "each field says which events take it"


def test_pressing_record_untouched_records_nothing(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications/1/events", data={"csrf": token, "event": "", "deadline": ""})
    assert answer.status_code == 422 and alert(answer.text) == "Not recorded: Choose what happened before recording it"
    assert doc(home, "show", "1", now=NOW)["state"] == "interviewed"


def test_a_refused_entry_comes_back_as_it_was_filled_in(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications/1/events",
                          data={"csrf": token, "event": "called", "outcome": "callback_requested"})  # fmt: skip
    form = record_form(answer.text)
    assert answer.status_code == 422
    assert re.findall(r'<option value="([^"]*)" selected>', form) == ["called", "callback_requested"]
    assert alert(answer.text) == "Not recorded: A requested callback needs its time (fill in “Callback at”)"


def test_a_value_left_in_another_events_field_is_not_sent_with_the_chosen_one(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications/1/events",
                          data={"csrf": token, "event": "thank_you_sent", "deadline": "2026-05-20"})  # fmt: skip
    assert answer.status_code == 303
    assert doc(home, "show", "1", now=NOW)["state"] == "awaiting_decision"


def test_a_write_is_confirmed_and_its_undo_is_tactful_undo(home, tmp_path):
    twin = tmp_path / "twin"
    fill(twin)
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications/1/events", data={"csrf": token, "event": "thank_you_sent", "next": "/"})
        board = web.get(answer.headers["location"]).text
        said = status(board)
        assert "Recorded for Northwind: thank you sent; now awaiting decision." in said
        entry = re.search(r'name="entry" value="(\d+)"', said).group(1)
        undone = web.post("/applications/1/undo", data={"csrf": token, "entry": entry, "next": "/"})
        assert undone.status_code == 303
        assert "Undone: Northwind is back to interviewed." in status(web.get(undone.headers["location"]).text)
        again = web.post("/applications/1/undo", data={"csrf": token, "entry": entry})
    doc(twin, "record", "1", "thank_you_sent", now=NOW)
    assert doc(home, "show", "1", now=NOW) == doc(twin, "undo", "1", now=NOW)
    assert again.status_code == 422 and "Not undone:" in alert(again.text), "an Undo takes back only what it says"


def test_an_old_undo_button_never_takes_back_a_later_write(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        first = web.post("/applications/1/events", data={"csrf": token, "event": "thank_you_sent"})
        entry = re.search(r"done=1\.(\d+)", first.headers["location"]).group(1)
        web.post("/applications/1/facts", data={"csrf": token, "role": "Lead analyst"})
        stale = web.post("/applications/1/undo", data={"csrf": token, "entry": entry})
        page = web.get(first.headers["location"]).text
    assert stale.status_code == 422 and "Something else was written since (edited)" in alert(stale.text)
    assert 'class="notice"' not in page, "a confirmation that is no longer the last write offers no Undo"
    assert doc(home, "show", "1", now=NOW)["facts"]["role"] == "Lead analyst"


def test_the_api_undoes_as_tactful_undo_does(home, tmp_path):
    twin = tmp_path / "twin"
    fill(twin)
    doc(twin, "record", "1", "thank_you_sent", now=NOW)
    with client(home) as web:
        web.post("/api/applications/1/events", json={"event": "thank_you_sent"}, headers=AUTH)
        assert web.post("/api/applications/1/undo").status_code == 401
        answer = web.post("/api/applications/1/undo", headers=AUTH)
        nothing = web.post("/api/applications/4/undo", headers=AUTH)
        web.post("/api/applications/4/undo", headers=AUTH)
        missing = web.post("/api/applications/99/undo", headers=AUTH)
    assert answer.status_code == 200 and answer.json() == doc(twin, "undo", "1", now=NOW)
    assert nothing.status_code == 200 and missing.status_code == 404


def test_an_edit_that_fails_says_not_saved_and_names_the_field(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications/1/facts", data={"csrf": token, "decision_by": "2026-02-30"})
    said = alert(answer.text)
    assert answer.status_code == 422 and said.startswith("Not saved: “Decision by”")
    assert "--" not in said and "decision_by" not in said
    assert 'value="2026-02-30"' in answer.text and "<details open>" in answer.text


def test_messages_name_the_pages_fields_never_an_option(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        future = web.post("/applications/1/events", data={"csrf": token, "event": "called", "at": "2026-06-01T10:00"})
        page = web.get("/applications/5").text
    assert alert(future.text) == "Not recorded: “When” is in the future; record what has happened, when it happened."
    draft = page[page.index('id="h-draft"') : page.index("</section>", page.index('id="h-draft"'))]
    assert "anyway" not in draft and "--" not in draft


def test_adding_an_application_on_the_board_is_tactful_add(home, tmp_path):
    twin = tmp_path / "twin"
    fill(twin)
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        form = {"csrf": token, "company": "Acme", "interviewed": "2026-05-04", "role": "Analyst",
                "email": "ana@acme.example", "phone": "+49 30 1234-56", "timezone": "Europe/Berlin",
                "decision_by": "", "rank": "2", "no_calls": "no", "email_invited": "yes",
                "rules": "default"}  # fmt: skip
        answer = web.post("/applications", data=form)
        page = web.get(answer.headers["location"]).text
    assert answer.status_code == 303 and answer.headers["location"] == "/applications/7?added=7"
    assert "Added Acme; it is now interviewed." in status(page)
    added = doc(twin, "add", "Acme", "--interviewed", "2026-05-04", "--role", "Analyst", "--email",
                "ana@acme.example", "--phone", "+49 30 1234-56", "--timezone", "Europe/Berlin", "--rank", "2",
                "--email-invited", now=NOW)  # fmt: skip
    assert doc(home, "show", "7", now=NOW) == doc(twin, "show", str(added["id"]), now=NOW)
    assert '<a href="mailto:ana@acme.example">' in page and '<a href="tel:+4930123456">' in page


def test_an_add_that_fails_keeps_what_was_typed(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post("/applications", data={"csrf": token, "company": "Acme", "role": "Baker"})
    assert answer.status_code == 422 and alert(answer.text).startswith("Not added: “Interview date”")
    assert 'value="Acme"' in answer.text and 'value="Baker"' in answer.text
    assert len(doc(home, "list", now=NOW)) == 6


def test_inputs_fit_what_they_hold(home):
    with client(home) as web:
        board, page = web.get("/").text, web.get("/applications/5").text
    for form in (board[board.index('class="add-form"') :], page[page.index('class="edit"') :]):
        assert re.search(r'name="email" type="email"', form) and re.search(r'name="phone" type="tel"', form)
        assert re.search(r'name="interviewed" type="date"', form) and re.search(r'name="decision_by" type="date"', form)
        zones = form[form.index('name="timezone"') : form.index("</select>", form.index('name="timezone"'))]
        assert "<option>Europe/Berlin</option>" in zones and "<option>US/Eastern</option>" not in zones
    assert "<option selected>Europe/Paris</option>" in page, "the edit form shows the interviewer's zone"
    record = record_form(page)
    assert 'name="deadline" type="date"' in record and 'name="callback_at" type="datetime-local"' in record


def test_a_candidates_forms_add_and_undo_for_them_only(tmp_path):
    home = tmp_path / "home"
    fill_candidates(home)
    with client(home) as web:
        token = csrf_of(web.get("/c/alice").text)
        added = web.post("/c/alice/applications", data={"csrf": token, "company": "Hooli", "interviewed": "2026-05-04"})
        foreign = web.post("/c/alice/applications/1/undo", data={"csrf": token})
        done = web.post("/c/alice/applications/7/events", data={"csrf": token, "event": "thank_you_sent"})
        board = web.get(added.headers["location"]).text
        undone = web.post("/c/alice/applications/7/undo", data={"csrf": token, "next": "/c/alice"})
        api_foreign = web.post("/api/candidates/alice/applications/1/undo", headers=AUTH)
        api_own = web.post("/api/candidates/alice/applications/10/undo", headers=AUTH)
    assert added.headers["location"].startswith("/c/alice/applications/10?added=10") and "Hooli" in board
    assert foreign.status_code == 404
    assert done.headers["location"].startswith("/c/alice/applications/7?done=7.")
    assert undone.headers["location"] == "/c/alice?undone=7"
    assert api_foreign.status_code == 404 and api_own.status_code == 422, "Hooli has nothing to undo"
    assert [a["company"] for a in doc(home, "list", now=NOW)] == ["Northwind", "Tiny Bakery", "Contoso", "Fabrikam",
                                                                  "Adatum", "Litware"]  # fmt: skip


def test_a_card_shows_what_is_due_now_first(home):
    """Northwind owes a thank-you today and a call later: the card shows both, the thank-you first."""
    with client(home) as web:
        board = web.get("/").text
    card = board[board.index('data-app="1"') : board.index("</article>", board.index('data-app="1"'))]
    steps = re.findall(r'<span class="action">([^<]+)</span>', card)
    assert steps[0] == "send thank you" and "call" in steps[1:]
    assert "Times are in your zone, UTC." in board


def test_an_accepted_offer_stays_with_the_offers(home):
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        web.post("/applications/3/events", data={"csrf": token, "event": "accepted"})
        board = web.get("/").text
    offers = board[board.index('id="col-offers"') : board.index('id="col-closed"')]
    assert "Contoso" in offers


def test_an_overdue_planned_step_is_drawn_overdue(home):
    """Tiny Bakery's inquiry call was due before now: on the timeline it is a late step, not a future circle."""
    with client(home) as web:
        page = web.get("/applications/2").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'class="tl-overdue"' in svg and "(overdue)</text>" in svg and "overdue</title>" in svg
