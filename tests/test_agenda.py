"""The agenda over a window, read from the store's index of due moments, and `list` a page at
a time: the same answers as walking every application, at the cost of what is shown.

Calendar (2026): interviews on Mon 04 May with no decision date give a first inquiry call on
Thu 21 May, 09:00 in the interviewer's zone (14 days and 3 days of grace).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tactful import Engine, MemoryStore, SQLiteStore
from tactful.testing import FakeClock
from tactful.vocabulary.records import Application

from .clirun import doc, run
from .helpers import at


class CountingStore(SQLiteStore):
    """A real SQLite store that counts the applications each way of reading hands out."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.walked = 0

    def all(self, candidate: str | None = None) -> Iterator[Application]:
        for app in super().all(candidate):
            self.walked += 1
            yield app


def started(engine: Engine, clock: FakeClock, company: str, **facts: object) -> int:
    """An application interviewed on 4 May and thanked the same day."""
    app = engine.add(company, interviewed="2026-05-04", timezone="UTC", **facts)
    assert app.id is not None
    engine.record(app.id, "thank_you_sent")
    return app.id


def pairs(items: list[tuple[Application, object]]) -> list[tuple[int | None, str, str]]:
    return [(app.id, item.action, item.due.isoformat()) for app, item in items]  # type: ignore[attr-defined]


def test_the_windowed_agenda_is_the_full_agenda_cut_at_its_window(store, tmp_path: Path) -> None:
    """Overdue advice and what comes due within the window, nothing later, as walking all would say."""
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    early = started(engine, clock, "Early Co", decision_by="2026-05-06")
    started(engine, clock, "Late Co", decision_by="2026-07-01")
    done = started(engine, clock, "Done Co")
    engine.record(done, "withdrawn")
    for now in (at("2026-05-04 18:00"), at("2026-05-12 10:00"), at("2026-06-20 10:00"), at("2026-08-01 10:00")):
        clock.set(now)
        for days in (0, 14, 60):
            until = now + timedelta(days=days)
            full = [pair for pair in engine.agenda(now) if pair[1].due <= until]
            assert pairs(engine.agenda(now, until=until)) == pairs(full), (now, days)
    clock.set(at("2026-05-12 10:00"))
    window = pairs(engine.agenda(clock(), until=clock() + timedelta(days=14)))
    assert (early, "call", "2026-05-11T09:00:00+00:00") in window  # overdue stays on the agenda
    assert {app for app, _, _ in window} == {early}


def test_advice_that_follows_another_applications_offer_is_on_the_windowed_agenda(store) -> None:
    """A competing offer makes telling the first choice due now, though its own call is weeks away."""
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    first = started(engine, clock, "First Choice", rank=1, decision_by="2026-06-30")
    second = started(engine, clock, "Second Choice", rank=2)
    clock.set(at("2026-05-08 10:00"))
    engine.record(second, "offer", deadline="2026-05-20")
    now = clock()
    window = engine.agenda(now, until=now + timedelta(days=14))
    assert (first, "contact_first_choice") in {(app.id, item.action) for app, item in window}
    full = [pair for pair in engine.agenda(now) if pair[1].due <= now + timedelta(days=14)]
    assert pairs(window) == pairs(full)


def test_the_windowed_agenda_reads_only_the_indexed_applications(tmp_path: Path) -> None:
    """Finished applications are never read: the cost is what is shown, not what is stored."""
    clock = FakeClock(at("2026-05-04 17:00"))
    store = CountingStore(tmp_path / "tactful.sqlite3")
    engine = Engine(store, clock, notify=True)
    active = started(engine, clock, "Active Co")
    for number in range(20):
        engine.record(started(engine, clock, f"Finished {number}"), "withdrawn")
    clock.set(at("2026-05-20 10:00"))
    store.walked = 0
    items = engine.agenda(clock(), until=clock() + timedelta(days=14))
    assert [(app.id, item.action) for app, item in items] == [(active, "call")]
    assert store.walked == 0
    assert len(engine.agenda(clock())) == 1 and store.walked == 21  # without a window: every application
    store.close()


def test_a_store_without_an_index_is_walked_with_the_same_answers() -> None:
    """A store that keeps only the Store protocol (no ``agenda`` or ``page`` methods) still works."""

    class Plain(MemoryStore):
        agenda = None  # type: ignore[assignment]
        page = None  # type: ignore[assignment]

    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(Plain(), clock)
    ids = [started(engine, clock, f"Company {n}") for n in range(5)]
    clock.set(at("2026-05-20 10:00"))
    assert {app.id for app, _ in engine.agenda(clock(), until=clock() + timedelta(days=14))} == set(ids)
    assert [app.id for app, _ in engine.overview(after=ids[1], limit=2)] == ids[2:4]


def test_a_store_from_before_the_index_is_read_whole_until_the_next_tick_settles_it(tmp_path: Path) -> None:
    path = tmp_path / "tactful.sqlite3"
    store = SQLiteStore(path)
    clock = FakeClock(at("2026-05-04 17:00"))
    app_id = started(Engine(store, clock, notify=True), clock, "Northwind")
    store.close()
    db = sqlite3.connect(path)  # as schema 3 left it: no agenda column, no expansion mark
    db.executescript("DROP INDEX applications_agenda; DROP INDEX applications_candidate_agenda;"
                     "DROP INDEX applications_candidate; DROP INDEX IF EXISTS applications_candidate_state;"
                     "DROP INDEX IF EXISTS outbox_candidate; ALTER TABLE applications DROP COLUMN candidate;"
                     "ALTER TABLE outbox DROP COLUMN candidate; DROP TABLE candidates;"
                     "ALTER TABLE applications DROP COLUMN agenda;"
                     "DROP TABLE outbox_mark; PRAGMA user_version = 3;")  # fmt: skip
    db.close()
    store = SQLiteStore(path)
    engine = Engine(store, clock, notify=True)
    clock.set(at("2026-05-20 10:00"))
    assert [(a.id, i.action) for a, i in engine.agenda(clock(), until=clock() + timedelta(days=14))] == [
        (app_id, "call")
    ]
    assert engine.tick() == []  # nothing fires, and every row gets its index
    assert store.get(app_id).agenda == at("2026-05-21 09:00")  # type: ignore[union-attr]
    store.close()


# -- through the CLI -----------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path) -> Path:
    for company, decision in (("Northwind", "2026-05-06"), ("Contoso", "2026-05-20"), ("Fabrikam", "2026-07-01")):
        added = doc(tmp_path, "add", company, "--interviewed", "2026-05-04", "--decision-by", decision,
                    now="2026-05-04T17:00:00+00:00")  # fmt: skip
        doc(tmp_path, "record", str(added["id"]), "thank_you_sent", now="2026-05-04T18:00:00+00:00")
    return tmp_path


def test_agenda_shows_what_is_overdue_and_the_next_14_days_unless_told_otherwise(home: Path) -> None:
    now = "2026-05-12T10:00:00+00:00"
    default = doc(home, "agenda", now=now)
    assert [(i["company"], i["action"], i["due"], i["overdue"]) for i in default] == [
        ("Northwind", "call", "2026-05-11T09:00:00+00:00", True),  # overdue: it stays
        ("Contoso", "call", "2026-05-25T09:00:00+00:00", False),  # within 14 days
    ]  # Fabrikam's call, on 6 July, is further off
    assert [i["company"] for i in doc(home, "agenda", "--days", "0", now=now)] == ["Northwind"]
    assert [i["company"] for i in doc(home, "agenda", "--days", "60", now=now)] == ["Northwind", "Contoso", "Fabrikam"]
    human = run(home, "agenda", now=now)
    assert human.returncode == 0 and "Contoso" in human.stdout and "Fabrikam" not in human.stdout


def test_list_pages_with_limit_and_after_and_lists_everything_by_default(home: Path) -> None:
    now = "2026-05-12T10:00:00+00:00"
    everything = doc(home, "list", now=now)
    assert [r["id"] for r in everything] == [1, 2, 3]
    assert doc(home, "list", "--limit", "2", now=now) == everything[:2]
    assert doc(home, "list", "--after", "2", now=now) == everything[2:]
    assert doc(home, "list", "--after", "1", "--limit", "1", now=now) == everything[1:2]
    assert doc(home, "list", "--after", "3", now=now) == []
    human = run(home, "list", "--limit", "1", now=now)
    assert human.returncode == 0 and "Northwind" in human.stdout and "Contoso" not in human.stdout


@pytest.mark.parametrize("args", [("list", "--limit", "0"), ("list", "--after", "-1"), ("agenda", "--days", "x"),
                                  ("agenda", "--days", "99999999"), ("list", "--limit", str(2**64))])  # fmt: skip
def test_a_bad_page_or_window_is_one_line_and_exit_2(home: Path, args: tuple[str, ...]) -> None:
    done = run(home, *args, now="2026-05-12T10:00:00+00:00")
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(f"tactful: {args[1]} '{args[2]}' is not a count; write a whole number"), done.stderr
