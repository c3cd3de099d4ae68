"""Engine.import_rows over each store tactful ships: the SQLite store's own bulk session and the
default one any store gets (MemoryStore has no ``bulk``)."""

from __future__ import annotations

import pytest

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
