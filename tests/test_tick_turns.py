"""A long tick on SQLite lets other writers in between its batches: a `record` made while a tick
works through many due applications waits for the batch under way, not for the whole tick.

The tick commits small batches (the store's ``tick_batch``), and after each it waits for the
writes that were waiting meanwhile (``sqlite_turns``). Both are checked here without timing
anything: the batches a tick saves are counted, and a writer that waits during a held batch is
shown to be saved before the next one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from tactful import Engine, SQLiteStore
from tactful.stores import sqlite_turns
from tactful.stores.store import Change
from tactful.testing import FakeClock

from .helpers import at

#: A bound for each wait in these tests, which never elapses unless something is broken.
STUCK = 60


def engine_at(path: Path, when: str) -> Engine:
    return Engine(SQLiteStore(path), FakeClock(at(when)), notify=True)


def counted_saves(engine: Engine) -> list[int]:
    """The size of each batch the engine's store saves from now on."""
    sizes: list[int] = []
    save = engine.store.save

    def counting(changes: Sequence[Change]) -> None:
        sizes.append(len(changes))
        save(changes)

    engine.store.save = counting  # type: ignore[method-assign]
    return sizes


def test_a_big_tick_on_sqlite_commits_in_batches_of_the_store(tmp_path: Path) -> None:
    """4,500 due applications are saved in batches of at most 2,000, each its own commit."""
    engine = engine_at(tmp_path / "t.sqlite3", "2026-05-04 17:00")
    engine.add_many([{"company": f"Co {n}", "interviewed": "2026-05-04", "timezone": "UTC"} for n in range(4500)])
    engine.clock.set(at("2026-05-20 10:00"))  # type: ignore[attr-defined]
    sizes = counted_saves(engine)
    engine.tick()
    assert sizes == [2000, 2000, 500]
    assert engine.tick() == [] and sizes == [2000, 2000, 500]  # nothing left due


@contextmanager
def signalled_turns(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """An event set once a writer holds its turn (and so waits for the store's lock)."""
    waiting, write = threading.Event(), sqlite_turns.Turns.write

    @contextmanager
    def signalling(self: sqlite_turns.Turns) -> Iterator[None]:
        with write(self):
            waiting.set()
            yield

    monkeypatch.setattr(sqlite_turns.Turns, "write", signalling)
    yield waiting


def write_during_first_batch(path: Path, when: str, monkeypatch: pytest.MonkeyPatch,
                             write: Callable[[Engine], object]) -> None:  # fmt: skip
    """A tick in batches of one, held inside its first batch until ``write`` (by another engine
    on the same file) is waiting for the write lock; then both run to their end."""
    ticker, writer = engine_at(path, when), engine_at(path, when)
    in_batch, go_on, save = threading.Event(), threading.Event(), ticker.store.save

    def held(changes: Sequence[Change]) -> None:
        if not in_batch.is_set():
            in_batch.set()
            assert go_on.wait(STUCK)
        save(changes)

    ticker.store.save = held  # type: ignore[method-assign]
    tick = threading.Thread(target=lambda: ticker.tick(batch=1))
    tick.start()
    assert in_batch.wait(STUCK)
    with signalled_turns(monkeypatch) as waiting:
        record = threading.Thread(target=lambda: write(writer))
        record.start()
        assert waiting.wait(STUCK)  # the write waits for the lock the tick's first batch holds
        go_on.set()
        record.join(STUCK)
        tick.join(STUCK)
    assert not record.is_alive() and not tick.is_alive()


def test_a_record_made_during_a_tick_is_saved_after_the_batch_under_way(tmp_path: Path, monkeypatch) -> None:
    """The tick holds its first batch until a `record` from another connection waits for the
    lock; that record is saved before the tick's second batch, not after its last."""
    path = tmp_path / "t.sqlite3"
    setup = engine_at(path, "2026-05-04 17:00")
    ids = []
    for n in range(4):
        app = setup.add(f"Co {n}", interviewed="2026-05-04", timezone="UTC")
        setup.record(app.id, "thank_you_sent")
        ids.append(app.id)
    write_during_first_batch(path, "2026-06-20 10:00", monkeypatch,
                             lambda writer: writer.record(ids[-1], "news", text="they called"))  # fmt: skip
    rows = SQLiteStore(path).db.execute("SELECT kind, name, app_id FROM history WHERE id > ? ORDER BY id", (8,))
    first, *others = ids  # the record catches its application's own due timer up first
    assert list(rows) == [("timer", "timer", first), ("timer", "timer", others[-1]), ("event", "news", others[-1]),
                          *[("timer", "timer", n) for n in others[:-1]]]  # fmt: skip


def test_an_offer_recorded_between_two_batches_of_a_tick_is_seen_by_the_next_batch(tmp_path: Path, monkeypatch) -> None:
    """A tick keeps a candidate's portfolio from batch to batch only while nobody else wrote:
    an offer recorded elsewhere while the first batch is held has the tick tell the first
    choice, fired in the second batch, to be contacted."""
    path = tmp_path / "t.sqlite3"
    setup = engine_at(path, "2026-05-04 17:00")
    ids = {}
    for name, rank, decision in (("filler", 3, "2026-05-05"), ("first", 1, "2026-05-06"), ("second", 2, "2026-07-30")):
        app = setup.add(name, interviewed="2026-05-04", timezone="UTC", rank=rank, decision_by=decision)
        setup.record(app.id, "thank_you_sent")
        ids[name] = app.id
    write_during_first_batch(path, "2026-05-12 10:00", monkeypatch,
                             lambda writer: writer.record(ids["second"], "offer", deadline="2026-05-20"))  # fmt: skip
    keys = [key for (key,) in SQLiteStore(path).db.execute("SELECT key FROM outbox WHERE app_id = ?", (ids["first"],))]
    assert any("/action/contact_first_choice/" in key for key in keys), keys
