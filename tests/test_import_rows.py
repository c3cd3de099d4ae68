"""Engine.import_rows over each store tactful ships: the SQLite store's own bulk session and the
default one any store gets (MemoryStore has no ``bulk``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful import Engine, InputError
from tactful.runtime.rows import ImportRow, export_row
from tactful.testing import FakeClock

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
