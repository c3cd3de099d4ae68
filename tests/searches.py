"""A whole job search with a known outcome for each application, for the report's tests.

Every interview is on Monday 4 May 2026, with a decision promised by Monday 18 May; the
default rule set's first inquiry is then due Thursday 21 May (grace 3 days). The clock stands
at :data:`NOW`, long after every timer fell due.
"""

from __future__ import annotations

from pathlib import Path

from tactful import Engine, SQLiteStore
from tactful.testing import FakeClock

from .helpers import at

NOW = "2026-09-01T12:00:00+00:00"
#: Rejections 5 to 9 days after the stated date; with Northwind's offer 4 days late, a median of
#: 6.5 days late, beyond a grace of 3.
LATE = {"Contoso": 5, "Fabrikam": 6, "Globex": 7, "Initech": 8, "Umbrella": 9}
GHOSTS = ("Hooli", "Vandelay")


def _add(engine: Engine, company: str, **facts: str) -> int:
    return engine.add(company, interviewed="2026-05-04", decision_by="2026-05-18", role="Developer",
                      interviewer=f"Ms. {company[:3]}", **facts).id  # fmt: skip


def search(engine: Engine) -> None:
    """Northwind offers 4 days late (after one call taken) and is declined; five reject after a first call that
    nobody took; two are called twice and never answer (moved on); Tiny Bakery (small company)
    never answers either."""
    north = _add(engine, "Northwind")
    engine.record(north, "thank_you_sent", at=at("2026-05-04 15:00"))
    engine.record(north, "called", outcome="noncommittal", at=at("2026-05-21 10:00"))
    engine.record(north, "offer", at=at("2026-05-22 10:00"))
    engine.record(north, "declined", at=at("2026-05-25 10:00"))
    for company, late in LATE.items():
        app = _add(engine, company)
        engine.record(app, "called", outcome="no_answer", at=at("2026-05-21 10:00"))
        engine.record(app, "rejected", at=at(f"2026-05-{18 + late} 11:00"))
    for company in GHOSTS:
        app = _add(engine, company)
        engine.record(app, "called", outcome="no_answer", at=at("2026-05-21 10:00"))
        engine.record(app, "called", outcome="voicemail", at=at("2026-05-28 10:00"))
    engine.add("Tiny Bakery", interviewed="2026-05-04", rules="small-company", role="Baker")


def home_with_search(home: Path, candidates: dict[str, str] | None = None) -> None:
    """A home whose SQLite store holds :func:`search` for the implicit candidate, and for each
    of ``candidates`` (key -> a company of their own) one application at that company."""
    home.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(home / "tactful.sqlite3")
    try:
        engine = Engine(store, FakeClock(at(NOW)))
        search(engine)
        for key, company in (candidates or {}).items():
            engine.add_candidate(key)
            _add(engine.candidate(key), company)
    finally:
        store.close()
