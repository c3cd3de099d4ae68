"""Stores written before candidates (SQLite schema 5, PostgreSQL schema 2) open with today's
tactful and keep everything, under the implicit candidate.

The stores are real: tests/data/schema5.sql and schema2.sql are dumps of stores that the
tactful of commit 57f604a wrote, and tests/data/old-store.json is what that tactful read from
them. Today's must read the same, moments in the same zones, every notice and delivery
included, and serve the applications as the implicit candidate's.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tactful import Engine, InputError, SQLiteStore, Store
from tactful.testing import FakeClock, RecordingPlugin, deliver, get_plugin_manager
from tactful.vocabulary.records import Candidate

DATA = Path(__file__).parent / "data"
#: The tactful that wrote them read this from both stores.
EXPECTED = json.loads((DATA / "old-store.json").read_text())
NOW = datetime(2026, 5, 27, 12, 0, tzinfo=UTC)


def moment(value: datetime | None) -> list[str] | None:
    return None if value is None else [value.isoformat(), str(value.tzinfo)]


def read(store: Store) -> dict[str, Any]:
    """Every application with its history, and every delivery with its notice, as
    old-store.json keeps them."""
    apps = []
    for app in store.all():
        apps.append({"id": app.id, "company": app.company, "state": app.state, "facts": dict(app.facts),
                     "rules": app.rules, "rules_hash": app.rules_hash, "timer": app.timer, "version": app.version,
                     **{k: moment(getattr(app, k)) for k in ("entered", "next_due", "wake", "notified", "agenda")},
                     "history": [[e.kind, e.name, moment(e.at), e.source, e.target, dict(e.params)]
                                 for e in store.history(app.id)]})  # fmt: skip
    deliveries = [{"key": d.key, "plugin": d.plugin, "status": d.status, "attempts": d.attempts,
                   "notice": json.loads(d.notice.to_json())}
                  for d in store.outbox.listing(["pending", "failed", "delivered"])]  # fmt: skip
    return {"applications": apps, "deliveries": sorted(deliveries, key=lambda d: d["key"])}


def old_sqlite(tmp_path: Path) -> SQLiteStore:
    path = tmp_path / "tactful.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript((DATA / "schema5.sql").read_text())
        assert db.execute("PRAGMA user_version").fetchone() == (5,)
    return SQLiteStore(path)


def old_postgres(url: str) -> Any:
    import psycopg

    from tactful.stores.postgres_store import PostgresStore

    with psycopg.connect(url, autocommit=True) as db:
        db.execute((DATA / "schema2.sql").read_text().encode())  # the dump, as psql would run it
        assert db.execute("SELECT max(version) FROM public.tactful_schema").fetchone() == (2,)
    return PostgresStore(url)


@pytest.fixture(params=["sqlite", "postgres"])
def old_store(request, tmp_path):
    """A store written by the tactful before candidates, opened (and so migrated) by today's."""
    store = old_sqlite(tmp_path) if request.param == "sqlite" else old_postgres(request.getfixturevalue("pg_url"))
    yield store
    store.close()


def test_an_old_store_reads_as_it_did_with_every_application_the_implicit_candidates(old_store):
    found = read(old_store)
    for delivery in found["deliveries"]:
        assert delivery["notice"].pop("candidate") == ""
    assert found == EXPECTED
    assert [a.candidate for a in old_store.all()] == ["", "", ""]
    assert old_store.candidates() == [Candidate("")]
    assert [a.company for a in old_store.all("")] == ["Northwind", "Contoso", "Fabrikam"]
    assert list(old_store.all("alice")) == []


def test_an_old_store_serves_its_applications_to_the_implicit_candidate_and_no_other(old_store):
    engine = Engine(old_store, FakeClock(NOW), notify=True)
    assert [app.company for app, _ in engine.overview()] == ["Northwind", "Contoso", "Fabrikam"]
    assert {app.company for app, _ in engine.agenda()} == {"Northwind", "Contoso", "Fabrikam"}
    engine.add_candidate("alice")
    alice = engine.candidate("alice")
    assert list(alice.overview()) == [] and alice.agenda() == []
    with pytest.raises(InputError, match="no application with id 2;"):
        alice.get(2)
    contoso = engine.get(2)
    assert contoso.state == "offer_received" and str(contoso.wake.tzinfo) == "America/New_York"


def test_an_old_stores_pending_notices_are_delivered_and_new_ids_follow_the_old(old_store):
    engine = Engine(old_store, FakeClock(NOW), notify=True)
    pm = get_plugin_manager(entry_points=False, builtins=False)
    pm.register(recorder := RecordingPlugin(), "recorder")
    deliver(old_store.outbox, pm, NOW, drafts=engine.notice_draft)
    assert sorted(key for _, _, key in recorder.calls) == sorted(
        d["key"] for d in EXPECTED["deliveries"] if d["status"] == "pending"
    )
    added = engine.add("Initech", interviewed="2026-05-26")
    assert added.id > 3 and added.candidate == ""
    engine.tick()
    assert [a.id for a in old_store.all("")] == [1, 2, 3, added.id]
