"""A search to look at through the web app: a real SQLite home filled through the engine, and
the app that `tactful serve` would build for it, with a fixed clock, behind Starlette's
TestClient (imported when a client is made: the web extras are optional)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from tactful.cli.context import Context
from tactful.web.config import WebConfig

from .helpers import at

NOW = "2026-05-05T12:00:00+00:00"
TOKEN = "t" * 43
#: The header an API write needs.
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def fill(home: Path, now: str = NOW) -> None:
    """Northwind (#1) owes a thank-you; Tiny Bakery (#2) has its first inquiry call due; Contoso
    (#3) made an offer; Fabrikam (#4) said no and got its letter; Adatum (#5) is deciding; Litware
    (#6) answered a first call noncommittally."""
    engine = Context(now, str(home)).engine()
    engine.add("Northwind", interviewed="2026-05-04", role="Data analyst", interviewer="Ms. Rivera", rank="1")
    engine.add("Tiny Bakery", interviewed="2026-04-20", rules="small-company", rank="2")
    engine.record(2, "thank_you_sent", at=at("2026-04-20 18:00"))
    engine.add("Contoso", interviewed="2026-04-27", role="Analyst")
    engine.record(3, "offer", at=at("2026-05-04 15:00"), deadline="2026-05-11")
    engine.add("Fabrikam", interviewed="2026-04-10")
    engine.record(4, "rejected", at=at("2026-04-24 10:00"))
    engine.record(4, "thank_you_sent", at=at("2026-04-24 12:00"))
    engine.add("Adatum", interviewed="2026-05-01", role="BI developer", timezone="Europe/Paris")
    engine.record(5, "thank_you_sent", at=at("2026-05-01 17:00"))
    engine.add("Litware", interviewed="2026-04-06", decision_by="2026-04-24", interviewer="Mr. Okafor")
    engine.record(6, "thank_you_sent", at=at("2026-04-06 18:00"))
    engine.record(6, "called", at=at("2026-05-01 10:00"), outcome="noncommittal")
    engine.store.close()  # type: ignore[attr-defined]


def fill_candidates(home: Path, now: str = NOW) -> None:
    """The search of :func:`fill` (the implicit candidate's), and two candidates of a coaching
    service beside it: Alice, in Tokyo, has Globex (#7), which she owes a thank-you, and Initech
    (#8), which made an offer; Bob, with no zone of his own, has Umbrella (#9), whose first
    inquiry call is due."""
    fill(home, now)
    engine = Context(now, str(home)).engine()
    engine.add_candidate("alice", name="Alice Martin", zone="Asia/Tokyo", email="alice@example.org",
                         sms="TACTFUL_SMS_ALICE")  # fmt: skip
    engine.add_candidate("bob")
    alice, bob = engine.candidate("alice"), engine.candidate("bob")
    alice.add("Globex", interviewed="2026-05-04", interviewer="Mr. Sato", role="Analyst", timezone="UTC")  # not hers
    alice.add("Initech", interviewed="2026-04-27")
    alice.record(8, "offer", at=at("2026-05-04 15:00"), deadline="2026-05-11")
    bob.add("Umbrella", interviewed="2026-04-20", rules="small-company")
    bob.record(9, "thank_you_sent", at=at("2026-04-20 18:00"))
    engine.store.close()  # type: ignore[attr-defined]


def config(home: Path, now: str = NOW, tz: str = "UTC", **changes: Any) -> WebConfig:
    """The web app's settings for ``home``, as `serve` makes them, answering as of ``now``."""
    from tactful.vocabulary.timecalc import zone

    ctx = Context(now, str(home))
    moment = ctx.now()
    made = WebConfig(
        open_engine=lambda: ctx.open_engine(lambda: moment), now=lambda: moment, tz=zone(tz), token=TOKEN,
        hosts=frozenset({"testserver", "127.0.0.1", "localhost"}), origins=frozenset({"http://testserver"}),
    )  # fmt: skip
    return replace(made, **changes)


def client(home: Path, **changes: Any) -> Any:
    """Starlette's TestClient on the app for ``home`` (:func:`config`'s ``changes``); redirects
    are not followed, so that a 303 is seen as one."""
    from starlette.testclient import TestClient

    from tactful.web.app import create_app

    return TestClient(create_app(config(home, **changes)), follow_redirects=False)


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)
