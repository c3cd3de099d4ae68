"""The board's inbox: the open proposals of the page's candidate with accept and reject buttons,
through the app `tactful serve` builds (Starlette's TestClient) on a real SQLite home."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from tactful.cli.context import Context  # noqa: E402
from tactful.vocabulary.proposals import Proposal  # noqa: E402

from .webclient import NOW, client, csrf_of, fill_candidates  # noqa: E402

AT = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)


def propose(home: Path, *proposals: Proposal) -> list[int]:
    engine = Context(NOW, str(home)).engine()
    try:
        return [p.id for p in engine.store.proposals.add(list(proposals))]  # type: ignore[attr-defined]
    finally:
        engine.store.close()  # type: ignore[attr-defined]


def history(home: Path, key: str, app_id: int) -> list[str]:
    engine = Context(NOW, str(home), candidate=key or None).engine()
    try:
        return [e.name for e in engine.history(app_id)]
    finally:
        engine.store.close()  # type: ignore[attr-defined]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The candidates' search of tests/webclient.py, with proposals: a thank-you for Northwind (#1,
    the implicit candidate's), news and an answer for Globex (#7, Alice's)."""
    fill_candidates(tmp_path)
    propose(tmp_path,
            Proposal(0, "", "<t1@me>", 1, "thank_you_sent", AT, "likely", "northwind.example", "Thank you!",
                     "sent to the interviewer's address", sent=True),
            Proposal(0, "alice", "news:x#1", 7, "news", AT, "certain", "globex.example", "Globex opens in Lyon",
                     "in Globex's news feed"),
            Proposal(0, "alice", "<a1@globex>", 7, "answered", AT, "possible", "globex.example", "Our decision",
                     "from globex.example", ({"outcome": "rejected", "words": ["unfortunately"]},)))  # fmt: skip
    return tmp_path


def test_the_inbox_shows_the_candidates_own_proposals_with_their_evidence(home: Path) -> None:
    with client(home) as web:
        mine, alices, board = web.get("/inbox").text, web.get("/c/alice/inbox").text, web.get("/").text
    assert "Thank you!" in mine and "Globex" not in mine
    assert "Globex opens in Lyon" in alices and "Our decision" in alices and "Thank you!" not in alices
    assert "maybe rejected: unfortunately" in alices and "northwind.example" in mine
    assert 'href="/inbox"' in board and 'action="/c/alice/inbox/2/accept"' in alices


def test_accepting_records_and_rejecting_drops_then_the_proposal_is_gone(home: Path) -> None:
    with client(home) as web:
        token = csrf_of(web.get("/c/alice/inbox").text)
        accepted = web.post("/c/alice/inbox/2/accept", data={"csrf": token})
        answered = web.post("/c/alice/inbox/3/accept", data={"csrf": token, "as": "decision_by",
                                                             "decision_by": "2026-05-20"})  # fmt: skip
        rejected = web.post("/inbox/1/reject", data={"csrf": token})
        after = web.get("/c/alice/inbox").text, web.get("/inbox").text
    assert [r.status_code for r in (accepted, answered, rejected)] == [303, 303, 303]
    assert accepted.headers["location"] == "/c/alice/inbox" and rejected.headers["location"] == "/inbox"
    assert all("No open proposals" in page for page in after)
    assert history(home, "alice", 7)[-2:] == ["news", "edited"]
    assert "thank_you_sent" not in history(home, "", 1)


def test_an_answer_without_its_outcome_stays_open_with_the_reason(home: Path) -> None:
    with client(home) as web:
        token = csrf_of(web.get("/c/alice/inbox").text)
        refused = web.post("/c/alice/inbox/3/accept", data={"csrf": token})
    assert refused.status_code == 422 and "say what it was with --as rejected" in refused.text
    assert "Our decision" in refused.text  # still listed


@pytest.mark.parametrize(("path", "proposal"), [("/inbox/2/accept", 2), ("/c/bob/inbox/1/reject", 1),
                                                ("/c/alice/inbox/1/accept", 1), ("/inbox/99/accept", 99)])  # fmt: skip
def test_another_candidates_proposal_answers_as_an_unknown_one(home: Path, path: str, proposal: int) -> None:
    with client(home) as web:
        token = csrf_of(web.get("/").text)
        answer = web.post(path, data={"csrf": token})
    assert answer.status_code == 422 and f"no proposal with id {proposal}" in answer.text
    assert history(home, "alice", 7)[-1] != "news" and "thank_you_sent" not in history(home, "", 1)


def test_a_form_without_the_token_or_from_another_site_is_refused(home: Path) -> None:
    with client(home) as web:
        token = csrf_of(web.get("/inbox").text)
        no_token = web.post("/inbox/1/accept", data={})
        foreign = web.post("/inbox/1/accept", data={"csrf": token}, headers={"Origin": "http://evil.example"})
        still = web.get("/inbox").text
    assert no_token.status_code == foreign.status_code == 403
    assert "Thank you!" in still
