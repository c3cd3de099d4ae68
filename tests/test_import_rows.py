"""Engine.import_rows over each store tactful ships: the SQLite store's own bulk session and the
default one any store gets (MemoryStore has no ``bulk``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful import Change, Conflict, Engine, InputError, MemoryStore
from tactful.runtime.rows import ImportRow, export_row
from tactful.stores.bulk import StoreBulk
from tactful.testing import FakeClock
from tactful.vocabulary.records import Candidate

from .helpers import at


def _engine(store: object) -> Engine:
    return Engine(store, FakeClock(at("2026-05-06 10:00")), notify=True)  # type: ignore[arg-type]


def _rows(*values: dict[str, object]) -> list[ImportRow]:
    return [ImportRow(f"apps.csv:{n}", v) for n, v in enumerate(values, start=2)]


def test_rows_start_afresh_like_add_and_a_remembered_start_gives_the_same_record(store: object) -> None:
    """Two rows with the same start facts share one worked-out start; each record is what add makes."""
    engine = _engine(store)
    ids = engine.import_rows(_rows({"company": "A", "interviewed": "2026-05-04", "role": "Engineer"},
                                   {"company": "B", "interviewed": "2026-05-04", "role": "Analyst"}))  # fmt: skip
    added = engine.add("C", interviewed="2026-05-04", role="Analyst")
    a, b = (engine.load(i) for i in ids)
    for app in (a, b):
        assert (app.state, app.entered, app.next_due, app.timer, app.wake) == (
            added.state, added.entered, added.next_due, added.timer, added.wake,
        )  # fmt: skip
    assert b.facts == {**added.facts}
    assert [e.name for e in engine.history(b.id or 0)] == ["added"]


def test_every_problem_is_reported_and_nothing_written(store: object) -> None:
    engine = _engine(store)
    engine.add("Northwind", interviewed="2026-05-04")
    y = {"company": "Y", "interviewed": "2026-05-04"}
    rows = _rows({"company": "Northwind", "interviewed": "2026-05-04"}, {"company": "X", "interviewed": "soon"}, y, y)
    with pytest.raises(InputError) as caught:
        engine.import_rows(rows)
    assert str(caught.value).splitlines() == [
        "apps.csv:2: #1 Northwind (interviewed 2026-05-04) is already here; leave the row out, or import with "
        "--update to replace it",
        "apps.csv:3: --interviewed 'soon' is not a date; write it as YYYY-MM-DD, e.g. 2026-05-04",
        "apps.csv:5: Y (interviewed 2026-05-04) is given twice, here and at apps.csv:4; keep one",
    ]
    assert [a.company for a in engine.applications()] == ["Northwind"]


def test_an_exported_row_restores_over_any_store_and_update_replaces_it(store: object) -> None:
    engine = _engine(store)
    app = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(app.id or 0, "thank_you_sent")
    stored = engine.load(app.id or 0)
    row = export_row(stored, engine.history(app.id or 0))
    with pytest.raises(InputError, match="already here"):
        engine.import_rows(_rows(row))
    assert engine.import_rows(_rows(row), update=True) == [app.id]
    again = engine.load(app.id or 0)
    assert (again.state, again.facts, again.next_due, again.wake) == (
        stored.state, stored.facts, stored.next_due, stored.wake,
    )  # fmt: skip
    assert [e.name for e in engine.history(app.id or 0)] == ["added", "thank_you_sent"]


_ZONES = ("UTC", "Europe/Paris", "America/New_York")


@settings(max_examples=60, deadline=None)
@given(rules=st.sampled_from(("default", "small-company")), rows=st.lists(st.tuples(
    st.integers(0, 60), st.none() | st.integers(1, 25), st.sampled_from(_ZONES), st.booleans(), st.booleans(),
    st.integers(1, 5)), min_size=2, max_size=12))  # fmt: skip
def test_a_remembered_start_is_the_start_worked_out_afresh(rules: str, rows: list[tuple]) -> None:
    """Rows that share a remembered start (they differ in no_calls, email_invited, rank, …)
    get the record core.start and settle give each of them on its own."""
    from datetime import date, timedelta

    from tactful import MemoryStore
    from tactful.runtime import core
    from tactful.stores.importing import RowMaker

    engine = _engine(MemoryStore())
    now, portfolios = engine.now(), engine._portfolios()
    settle = engine._settler(now, portfolios)
    maker = RowMaker(engine.rules, engine.store, rules, now, portfolios, settle)
    rs = engine.rules.get(engine.rules.reference(rules))
    for number, (days, decided, tz, no_calls, email, rank) in enumerate(rows):
        day = date(2026, 5, 6) - timedelta(days=days)
        by = {"decision_by": (day + timedelta(days=decided)).isoformat()} if decided else {}
        given = {"interviewed": day.isoformat(), "timezone": tz, "no_calls": no_calls, "email_invited": email,
                 "rank": rank, **by}  # fmt: skip
        made = maker.start(rs, f"C{number}", given, rules, None)
        fresh = settle(rs, core.start(rs, f"C{number}", given, now, rules, portfolios(rs))[0])
        assert made == fresh, given


def test_a_failed_import_adds_none_of_the_candidates_its_rows_name(store: object) -> None:
    """A candidate first named by a row is added with the rows, in the same all-or-nothing
    write: when a later row is refused, no candidate is left behind (on every store)."""
    engine = _engine(store)
    carol = {"company": "Northwind", "interviewed": "2026-05-04", "candidate": "carol"}
    with pytest.raises(InputError, match=r"^apps.csv:3: --interviewed 'soon' is not a date"):
        engine.import_rows(_rows(carol, {"company": "X", "interviewed": "soon"}))
    assert [c.key for c in engine.candidates()] == [""] and list(engine.store.all()) == []
    engine.add_candidate("dave", name="Dave Doe")
    dave = {"company": "Contoso", "interviewed": "2026-05-04", "candidate": "dave"}
    [first, second] = engine.import_rows(_rows(carol, dave))
    assert [(c.key, c.name) for c in engine.candidates()] == [("", ""), ("carol", ""), ("dave", "Dave Doe")]
    assert [a.id for a in engine.candidate("carol").stored()] == [first]
    assert [a.id for a in engine.candidate("dave").stored()] == [second]


def test_an_import_that_only_replaces_keeps_the_rule_set_its_rows_run_under(store: object) -> None:
    """An exported row restored over a stored application (``update``) brings its rule set along:
    the store keeps it, as it does for a new row, so that the application runs under it for good."""
    elsewhere = _engine(MemoryStore())
    theirs = elsewhere.add("Northwind", interviewed="2026-05-04", rules="small-company")
    row = export_row(theirs, elsewhere.history(theirs.id or 0), elsewhere.store.kept_rules(theirs.rules_hash))
    engine = _engine(store)
    mine = engine.add("Northwind", interviewed="2026-05-04")
    assert mine.rules_hash != theirs.rules_hash and engine.store.kept_rules(theirs.rules_hash) is None
    assert engine.import_rows(_rows(row), update=True) == [mine.id]
    assert engine.load(mine.id or 0).rules_hash == theirs.rules_hash
    assert engine.store.kept_rules(theirs.rules_hash) == elsewhere.store.kept_rules(theirs.rules_hash)


def test_the_default_bulk_session_writes_nothing_when_a_replaced_application_changed_meanwhile(store) -> None:
    """The session any store gets (PostgreSQL's, an embedding app's) is all or nothing: an
    application replaced by another writer meanwhile (a Conflict) leaves the new rows unwritten."""
    engine = _engine(store)
    old = engine.add("Northwind", interviewed="2026-05-04")
    engine.record(old.id or 0, "thank_you_sent")  # its version moved on since `old` was read
    bulk = StoreBulk(store)
    bulk.add([(old._replace(id=0, company="Contoso"), [])])
    bulk.replace([Change(old._replace(company="Fabrikam"))])
    bulk.add_candidates([Candidate("carol")])
    with pytest.raises(Conflict):
        bulk.commit()
    assert [a.company for a in store.all()] == ["Northwind"] and [c.key for c in store.candidates()] == [""]


def test_a_row_bringing_the_id_an_earlier_row_of_the_import_was_given_gets_another(store: object) -> None:
    """A row without an id is given the next one; a later row of the same file that brings that
    id (not stored before the import) is added under a new id, as any store does, not a crash."""
    engine = _engine(store)
    ids = engine.import_rows(_rows({"company": "X", "interviewed": "2026-05-04"},
                                   {"company": "Y", "interviewed": "2026-05-04", "id": "1"}))  # fmt: skip
    assert ids == [1, 2] and [(a.id, a.company) for a in store.all()] == [(1, "X"), (2, "Y")]
