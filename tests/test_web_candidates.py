"""The board and its API with many candidates in one store: the switcher, every page, form and
API answer scoped to the chosen candidate, and no write reaching another candidate's
application, whatever ids are posted (checked through `tactful serve` as a real process)."""

from __future__ import annotations

import json
import re
from contextlib import closing
from datetime import timedelta

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed: pip install '.[web]'")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2 (the webtest extra)")

from tactful.cli.context import Context  # noqa: E402
from tactful.views.documents import agenda_doc, list_doc, show_doc  # noqa: E402

from .clirun import doc  # noqa: E402
from .helpers import at  # noqa: E402
from .webclient import AUTH, NOW, client, csrf_of, fill, fill_candidates  # noqa: E402
from .webserver import fetch, serving  # noqa: E402

IMPLICIT, ALICE, BOB = [1, 2, 3, 4, 5, 6], [7, 8], [9]


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """A home with the implicit candidate's search, Alice's and Bob's, shared by the tests that read."""
    home = tmp_path_factory.mktemp("web") / "home"
    fill_candidates(home)
    return home


@pytest.fixture
def home(tmp_path):
    """A home of its own, for the tests that write."""
    fill_candidates(tmp_path / "home")
    return tmp_path / "home"


def read(home, key, look):
    """What ``look`` finds with the home's engine bound to candidate ``key`` (its store closed after)."""
    ctx = Context(NOW, str(home))
    made = ctx.open_engine(ctx.now)
    with closing(made.store):
        return look(made.candidate(key) if key else made)


def everything(home):
    """Every application of every candidate as stored, with its history: what no refused write changes."""
    return read(home, "", lambda made: [(app, made.store.history(app.id)) for app in made.store.all()])


def ids_on(page: str) -> list[int]:
    return sorted(int(i) for i in re.findall(r'data-app="(\d+)"', page))


# -- The API -----------------------------------------------------------------------------------


def test_the_candidates_are_listed_with_key_name_and_zone_never_where_their_notices_go(filled):
    with client(filled) as web:
        listed = web.get("/api/candidates")
        one = web.get("/api/candidates/alice")
    assert listed.json() == [
        {"key": "", "name": "", "zone": None},
        {"key": "alice", "name": "Alice Martin", "zone": "Asia/Tokyo"},
        {"key": "bob", "name": "", "zone": None},
    ]
    assert one.json() == {"key": "alice", "name": "Alice Martin", "zone": "Asia/Tokyo"}
    for text in (listed.text, one.text):
        assert "alice@example.org" not in text and "TACTFUL_SMS_ALICE" not in text


def documents(bound, first):
    """`list`, `agenda` and `show FIRST` as the bound engine makes them."""
    now = bound.now()
    agenda = bound.agenda(now, until=now + timedelta(days=14))
    return list_doc(bound, list(bound.overview(now)), now), agenda_doc(agenda, now), show_doc(bound, first, now)


def test_each_candidates_api_answers_for_them_alone_and_todays_paths_for_the_implicit_one(filled):
    with client(filled) as web:
        assert web.get("/api/applications").json() == doc(filled, "list", now=NOW)
        assert web.get("/api/agenda").json() == doc(filled, "agenda", now=NOW)
        for key, ids in (("alice", ALICE), ("bob", BOB)):
            listed, agenda, shown = read(filled, key, lambda bound, first=ids[0]: documents(bound, first))
            api = f"/api/candidates/{key}"
            assert web.get(f"{api}/applications").json() == listed
            assert [row["id"] for row in listed] == ids
            assert web.get(f"{api}/agenda").json() == agenda and agenda
            assert web.get(f"{api}/applications/{ids[0]}").json() == shown
            assert web.get(f"{api}/applications/{ids[0]}/can/call").json()["channel"] == "call"


def test_one_candidates_offer_is_not_in_another_candidates_advice(home):
    """Alice accepts Initech's offer: only her own pending Globex is advised to withdraw."""
    with client(home) as web:
        accepted = web.post("/api/candidates/alice/applications/8/events", json={"event": "accepted"}, headers=AUTH)
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        alice = {row["id"]: row["next_action"] for row in web.get("/api/candidates/alice/applications").json()}
        others = web.get("/api/applications").json() + web.get("/api/candidates/bob/applications").json()
    assert alice[7] == "withdraw"
    assert all(row["next_action"] != "withdraw" for row in others)
    assert "Initech" not in json.dumps(others)


SCOPED_GETS = ("applications", "agenda", "applications/7", "applications/7/can/call")


@pytest.mark.parametrize("key", ["zed", "a%20b", "-dash", "x" * 200, "al%2Fice"])
def test_an_unknown_candidate_is_404_with_one_line_like_an_unknown_id(filled, key):
    before = everything(filled)
    with client(filled) as web:
        unknown_id = web.get("/api/applications/99")
        answers = [web.get(f"/api/candidates/{key}")]
        answers += [web.get(f"/api/candidates/{key}/{path}") for path in SCOPED_GETS]
        answers.append(web.post(f"/api/candidates/{key}/applications/7/events", json={"event": "news"}, headers=AUTH))
    assert unknown_id.status_code == 404 and list(unknown_id.json()) == ["error"]
    for answer in answers:
        assert answer.status_code == 404, answer.request.url
        if answer.headers["content-type"] == "application/json":  # a key with "/" matches no route at all
            body = answer.json()
            assert list(body) == ["error"] and body["error"].startswith("no candidate ")
            assert "\n" not in body["error"] and len(body["error"]) < 100
    assert everything(filled) == before


def test_another_candidates_id_reads_exactly_as_an_unknown_one(filled):
    with client(filled) as web:
        for api, theirs in (("/api", 7), ("/api/candidates/alice", 9), ("/api/candidates/bob", 1)):
            for tail in ("", "/can/call"):
                foreign = web.get(f"{api}/applications/{theirs}{tail}")
                missing = web.get(f"{api}/applications/999{tail}")
                assert foreign.status_code == missing.status_code == 404
                assert foreign.json()["error"] == missing.json()["error"].replace("999", str(theirs))
        for page in ("/applications/7", "/c/alice/applications/1", "/c/bob/applications/8/rules"):
            answer = web.get(page)
            assert answer.status_code == 404 and "Globex" not in answer.text and "Northwind" not in answer.text


# -- No write crosses between candidates, through the real server --------------------------------


def test_no_write_reaches_another_candidates_application_whatever_ids_are_posted(home):
    """The API's record and the pages' record and edit forms, each with the ids of another
    candidate's applications, answer as for an unknown id and change nothing in the store."""
    before = everything(home)
    with serving(home, now=NOW) as served:
        url, auth = (
            served.url.rstrip("/"),
            {"Authorization": f"Bearer {served.token}", "Content-Type": "application/json"},
        )
        csrf = csrf_of(fetch(url + "/c/alice")[1].decode())
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        event = json.dumps({"event": "thank_you_sent"}).encode()
        for prefix, theirs in (("", ALICE + BOB), ("/c/alice", IMPLICIT + BOB), ("/c/bob", IMPLICIT + ALICE)):
            api = "/api" + (f"/candidates/{prefix[3:]}" if prefix else "")
            missing = json.loads(fetch(f"{url}{api}/applications/999/events", auth, event)[1])["error"]
            for app_id in theirs:
                status, body = fetch(f"{url}{api}/applications/{app_id}/events", auth, event)
                assert status == 422 and json.loads(body)["error"] == missing.replace("999", str(app_id))
                record = f"csrf={csrf}&event=thank_you_sent&next=/".encode()
                assert fetch(f"{url}{prefix}/applications/{app_id}/events", form, record)[0] == 404
                edit = f"csrf={csrf}&company=Hijacked&decision_by=2026-06-30".encode()
                assert fetch(f"{url}{prefix}/applications/{app_id}/facts", form, edit)[0] == 404
        assert everything(home) == before, "nothing was written"
        # the same requests, for the candidate's own application, are written
        assert fetch(f"{url}/api/candidates/alice/applications/7/events", auth, event)[0] == 200
        edit = f"csrf={csrf}&company=Globex%20Corp".encode()
        status, _ = fetch(f"{url}/c/bob/applications/9/facts", form, edit)
    assert status == 303
    assert read(home, "alice", lambda bound: bound.load(7).state) == "awaiting_decision"
    assert read(home, "bob", lambda bound: bound.load(9).company) == "Globex Corp"
    assert [(a, h) for a, h in everything(home) if a.id not in (7, 9)] == [
        (a, h) for a, h in before if a.id not in (7, 9)
    ]


# -- The pages -----------------------------------------------------------------------------------


def test_the_switcher_shows_only_when_the_store_holds_other_candidates(filled, tmp_path):
    alone = tmp_path / "alone"
    fill(alone)
    with client(alone) as web:
        assert 'id="candidate-switch"' not in web.get("/").text
    with client(filled) as web:
        page = web.get("/c/alice/agenda").text
    switcher = page[
        page.index('<nav aria-label="Candidate" class="candidates">') : page.index(
            "</nav>", page.index("candidate-switch")
        )
    ]
    assert '<form method="get" action="/switch"' in switcher
    assert '<label for="candidate-switch">Candidate</label>' in switcher
    assert re.findall(r'<option value="([^"]*)"', switcher) == ["", "alice", "bob"]
    assert '<option value="alice" selected>Alice Martin (alice)</option>' in switcher
    assert '<input type="hidden" name="to" value="agenda">' in switcher


def test_past_a_hundred_candidates_the_switcher_is_a_field_for_the_key(tmp_path):
    """A page does not carry a list of every job seeker of a large coaching service."""
    home = tmp_path / "home"
    fill(home)
    ctx = Context(NOW, str(home))
    made = ctx.open_engine(ctx.now)
    with closing(made.store):
        for number in range(101):
            made.add_candidate(f"c{number:03}", name=f"Seeker {number}")
    with client(home) as web:
        page = web.get("/c/c042").text
    assert '<input id="candidate-switch" name="candidate" value="c042"' in page
    switcher = page[page.index('aria-label="Candidate"') : page.index("</nav>", page.index('aria-label="Candidate"'))]
    assert "<option" not in switcher and "Seeker 7" not in page


@pytest.mark.parametrize(
    ("query", "location"),
    [("candidate=alice", "/c/alice"), ("candidate=bob&to=agenda", "/c/bob/agenda"), ("candidate=&to=rules", "/rules"),
     ("candidate=", "/"), ("candidate=alice&to=//evil.example", "/c/alice")],
)  # fmt: skip
def test_the_switcher_goes_to_the_chosen_candidates_pages(filled, query, location):
    with client(filled) as web:
        answer = web.get(f"/switch?{query}")
    assert answer.status_code == 303 and answer.headers["location"] == location


def test_switching_to_an_unknown_candidate_is_a_missing_page(filled):
    with client(filled) as web:
        for path in ("/switch?candidate=zed", "/c/zed", "/c/zed/agenda", "/c/zed/applications/7"):
            answer = web.get(path)
            assert answer.status_code == 404 and "no candidate &#39;zed&#39;" in answer.text
            assert "Globex" not in answer.text and "Traceback" not in answer.text


def test_each_board_shows_its_candidates_applications_alone(filled):
    with client(filled) as web:
        boards = {key: web.get(path).text for key, path in (("", "/"), ("alice", "/c/alice"), ("bob", "/c/bob"))}
        agendas = {key: web.get(path).text for key, path in (("alice", "/c/alice/agenda"), ("", "/agenda"))}
    assert ids_on(boards[""]) == [i for i in IMPLICIT if i != 4], "Fabrikam (#4) is finished: counted, not shown"
    assert ids_on(boards["alice"]) == ALICE and ids_on(boards["bob"]) == BOB
    assert "<h1>Alice Martin’s search</h1>" in boards["alice"] and "<h1>Your search</h1>" in boards[""]
    assert "Globex" in agendas["alice"] and "Northwind" not in agendas["alice"] and "Umbrella" not in agendas["alice"]
    assert "Globex" not in agendas[""]


def test_a_candidates_board_counts_their_finished_applications_alone_and_links_to_them(home):
    with client(home) as web:
        declined = web.post("/api/candidates/alice/applications/8/events", json={"event": "declined"}, headers=AUTH)
        assert declined.status_code == 200, "declined: finished (an accepted offer stays with the offers)"
        alice, implicit = web.get("/c/alice").text, web.get("/").text
        assert ids_on(alice) == [7] and '<a href="/c/alice/finished">1 finished application</a>' in alice
        assert '<a href="/finished">1 finished application</a>' in implicit
        assert re.findall(r'href="(/[^"]*applications/\d+)"', web.get("/c/alice/finished").text) == [
            "/c/alice/applications/8"
        ]
        assert re.findall(r'href="(/[^"]*applications/\d+)"', web.get("/finished").text) == ["/applications/4"]
        assert "finished application" not in web.get("/c/bob").text
        assert web.get("/c/nobody/finished").status_code == 404


CANDIDATE_PAGES = ("/c/alice", "/c/alice/finished", "/c/alice/agenda", "/c/alice/applications/7",
                   "/c/alice/applications/7/rules", "/c/alice/rules", "/c/alice/rules/default")  # fmt: skip


def test_every_link_and_form_on_a_candidates_pages_keeps_the_candidate(filled):
    with client(filled) as web:
        for path in CANDIDATE_PAGES:
            page = web.get(path)
            assert page.status_code == 200, path
            targets = re.findall(r'(?:href|action|name="next" value)="(/[^"]*)"', page.text)
            assert targets, path
            strays = [t for t in targets if not t.startswith(("/c/alice", "/static/", "/switch"))]
            assert strays == [], f"{path} leads out of Alice's pages: {strays}"


def test_forms_on_a_candidates_pages_write_for_them_and_come_back_to_their_pages(home):
    with client(home) as web:
        token = csrf_of(web.get("/c/alice").text)
        done = web.post(
            "/c/alice/applications/7/events", data={"csrf": token, "event": "thank_you_sent", "next": "/c/alice"}
        )
        edited = web.post("/c/alice/applications/7/facts", data={"csrf": token, "role": "Lead analyst"})
        board = web.get("/c/alice").text
    assert done.status_code == 303 and done.headers["location"].startswith("/c/alice?done=7.")
    assert edited.status_code == 303 and edited.headers["location"].startswith("/c/alice/applications/7?done=7.")
    assert 'id="col-waiting"' in board and "Lead analyst" in board
    assert read(home, "alice", lambda bound: bound.load(7).state) == "awaiting_decision"


# -- Times in the candidate's own zone ---------------------------------------------------------------


def test_times_on_a_candidates_pages_are_in_their_own_zone(filled):
    """Globex's thank-you is due 09:00 UTC (its interviewer's zone): 18:00 in Tokyo; Bob has no zone,
    so his are in the user's."""
    with client(filled, tz="America/New_York") as web:
        alice = web.get("/c/alice").text
        page = web.get("/c/alice/applications/7").text
        bob = web.get("/c/bob").text
        own = web.get("/").text
    assert "Tue 05 May 2026, 18:00" in alice and "As of <time>Tue 05 May 2026, 21:00</time>" in alice
    assert "Times are in Alice Martin’s zone, Asia/Tokyo." in alice
    upcoming = page[page.index('id="h-next"') : page.index('id="h-may"')]
    assert "Tue 05 May 2026, 18:00" in upcoming
    assert "As of <time>Tue 05 May 2026, 08:00</time>" in bob and "Times are in your zone, America/New_York." in bob
    assert "Tue 05 May 2026, 05:00" in own  # Northwind's thank-you, in New York


def test_a_time_typed_in_a_candidates_form_is_in_their_zone(home):
    with client(home, tz="America/New_York") as web:
        token = csrf_of(web.get("/c/alice").text)
        form = {"csrf": token, "event": "thank_you_sent", "at": "2026-05-05T10:00"}
        assert web.post("/c/alice/applications/7/events", data=form).status_code == 303
    recorded = read(home, "alice", lambda bound: bound.history(7)[-1])
    assert recorded.name == "thank_you_sent" and recorded.at == at("2026-05-05 01:00"), "10:00 in Tokyo"
