"""Three job seekers in one store, for the tests of where notices go: the implicit candidate
(a person using tactful alone), alice and bob, each with one application at a company of
their own, so that whatever reaches someone can be traced back to whose it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tactful import Engine, SQLiteStore
from tactful.testing import FakeClock

from .helpers import at

#: Each candidate's one application.
COMPANIES = {"": "Fabrikam", "alice": "Northwind", "bob": "Contoso"}
#: Interviewed on 4 May; the first inquiry call is due on Thursday 21 May, 09:00 UTC.
ADDED = "2026-05-04T17:00:00+00:00"
DUE = "2026-05-21T10:00:00+00:00"


def populate(engine: Engine, **fields: dict[str, Any]) -> dict[str, int]:
    """Add the candidates named in ``fields`` (key -> their fields), then one application for
    each of them and for the implicit candidate, thanked the same day; the ids by key."""
    ids = {}
    for key, company in COMPANIES.items():
        if key:
            engine.add_candidate(key, **fields.get(key, {}))
        bound = engine.candidate(key)
        app = bound.add(company, interviewed="2026-05-04", interviewer="Ms. Rivera")
        bound.record(app.id, "thank_you_sent")
        ids[key] = app.id
    return ids


def home_with_candidates(home: Path, config: str, **fields: dict[str, Any]) -> dict[str, int]:
    """A tactful home with ``config`` as its config.yaml and the three candidates in its SQLite
    store, made in process as an embedding app would; the application ids by key."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text(config)
    store = SQLiteStore(home / "tactful.sqlite3")
    try:
        return populate(Engine(store, FakeClock(at("2026-05-04 17:00")), notify=True), **fields)
    finally:
        store.close()


def whose(text: str) -> set[str]:
    """The candidates whose company ``text`` names."""
    return {key for key, company in COMPANIES.items() if company in text}
