"""The stores' proposals (memory, SQLite, PostgreSQL): kept once per message and application,
decided once, threaded by message id, erased with their candidate."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from tactful.stores.sqlite_store import SQLiteStore
from tactful.vocabulary.proposals import Proposal, Seen

WHEN = datetime(2026, 5, 11, 9, 30, tzinfo=UTC)


def proposal(message: str = "<a@n.example>", application: int | None = None, candidate: str = "",
             sent: bool = False) -> Proposal:  # fmt: skip
    hints = ({"outcome": "offer", "words": ["offer you"]},)
    return Proposal(0, candidate, message, application, "answered", WHEN, "certain", "n.example", "Re: thanks",
                    "in the thread of your message <t@me>", hints, sent)  # fmt: skip


def test_a_message_is_proposed_once_for_an_application_and_comes_back_as_kept(store):
    kept = store.proposals.add([proposal(), proposal()])
    assert [p.id for p in kept] == [kept[0].id] and kept[0].id > 0
    assert store.proposals.add([proposal()]) == []
    assert store.proposals.listed("") == [kept[0]]
    assert store.proposals.get(kept[0].id).outcomes == ({"outcome": "offer", "words": ["offer you"]},)


def test_a_decided_proposal_is_decided_once_and_never_proposed_again(store):
    (kept,) = store.proposals.add([proposal()])
    assert store.proposals.decide(kept.id, "rejected", WHEN)
    assert not store.proposals.decide(kept.id, "accepted", WHEN)
    assert store.proposals.listed("") == [] and store.proposals.add([proposal()]) == []
    assert store.proposals.listed("", None)[0].status == "rejected"


def test_deciding_is_undone_with_the_block_that_fails_and_done_once(store):
    (kept,) = store.proposals.add([proposal()])
    try:
        with store.proposals.deciding(kept.id, "accepted", WHEN) as still_open:
            assert still_open
            raise RuntimeError("the record failed")
    except RuntimeError:
        pass
    assert [p.id for p in store.proposals.listed("")] == [kept.id]
    with store.proposals.deciding(kept.id, "accepted", WHEN) as still_open:
        assert still_open
    with store.proposals.deciding(kept.id, "rejected", WHEN) as still_open:
        assert not still_open
    assert store.proposals.get(kept.id).status == "accepted"


def test_threads_name_the_application_a_message_of_ours_was_sent_for(store):
    app = store.insert([(_app(), [])])[0]
    mine, other = store.proposals.add([proposal("<t@me>", app.id, sent=True), proposal("<x@n>", app.id)])
    assert store.proposals.threads("", ["<t@me>", "<x@n>", "<none@n>"]) == {"<t@me>": app.id}
    store.proposals.decide(mine.id, "rejected", WHEN)  # not ours for that application after all
    assert store.proposals.threads("", ["<t@me>"]) == {}


def test_reading_marks_and_proposals_go_with_their_candidate(store):
    from tactful.vocabulary.records import Candidate

    store.put_candidate(Candidate("ana"))
    store.proposals.add([proposal(candidate="ana"), proposal()])
    store.proposals.mark_seen("ana", "me@imap:993", "INBOX", Seen(7, 100))
    store.proposals.mark_seen("ana", "me@imap:993", "INBOX", Seen(7, 120))
    assert store.proposals.seen("ana", "me@imap:993", "INBOX") == Seen(7, 120)
    assert store.remove_candidate("ana")
    assert store.proposals.listed("ana", None) == [] and len(store.proposals.listed("")) == 1
    assert store.proposals.seen("ana", "me@imap:993", "INBOX") is None


def test_a_schema_6_store_gains_the_proposals_tables(tmp_path):
    path = tmp_path / "old.sqlite3"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as db:
        db.executescript("DROP TABLE proposals; DROP TABLE seen_messages; PRAGMA user_version = 6;")
    store = SQLiteStore(path)
    assert store.proposals.add([proposal()])[0].id == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone() == (7,)


def _app():
    from tactful.vocabulary.records import Application

    return Application(0, "Northwind", "interviewed", WHEN, {"interviewed": "2026-05-04"}, "default", "h")
