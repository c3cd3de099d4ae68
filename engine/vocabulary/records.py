"""The values the engine passes around: applications, their history, verdicts, advice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from ..errors import Location

#: The largest id a store gives (SQLite's and PostgreSQL's 64-bit integers).
MAX_ID = 2**63 - 1
#: The largest id an import keeps: the rest of the range stays for the ids given after it.
MAX_KEPT_ID = 2**62


class Application(NamedTuple):
    """One application as stored: its facts, state and pending timer.

    ``facts`` hold JSON-ready values (dates and times as ISO 8601 text); ``next_due`` and
    ``timer`` name the pending timer, derived from the rule set whenever the record changes.
    ``notified`` is the moment up to which due actions were announced to plugins, and
    ``wake`` the next moment `tick` has work for this application (a timer, or an action to
    announce), and ``agenda`` the earliest moment anything advised or a timer is due (what
    `agenda` looks up over its window): what the store indexes.

    ``id`` is the store's number for it, always set on an application a store returned;
    0 only on one not yet stored (what :meth:`Store.insert` receives).
    """

    id: int
    company: str
    state: str
    entered: datetime
    facts: Mapping[str, Any]
    rules: str
    rules_hash: str
    next_due: datetime | None = None
    timer: int | None = None
    version: int = 0
    wake: datetime | None = None
    notified: datetime | None = None
    agenda: datetime | None = None
    candidate: str = ""  # the job seeker it belongs to; "" is the implicit one (see Candidate)


class Candidate(NamedTuple):
    """One job seeker. Every application belongs to one; a person using tactful alone has the
    implicit candidate, whose key is ``""``, and never names it.

    ``zone`` is their own IANA zone, for times shown to them (None: the engine's); ``rules``
    the rule set `add` uses for them (None: the engine's default); ``email`` where their
    notices go (None: the configured ``to``); ``sms`` the name of an environment variable
    holding their SMS/Apprise URLs (None: the configured ones).
    """

    key: str
    name: str = ""
    zone: str | None = None
    rules: str | None = None
    email: str | None = None
    sms: str | None = None


class LogEntry(NamedTuple):
    """One row of an application's history: an event recorded, a timer fired, an edit."""

    kind: str
    name: str
    at: datetime
    recorded: datetime
    source: str
    target: str
    params: Mapping[str, Any] = {}
    before: Mapping[str, Any] | None = None
    id: int | None = None


class Advised(NamedTuple):
    """An action the etiquette advises, with the moment it is due."""

    action: str
    due: datetime
    start: datetime
    reason: str
    optional: bool
    rule: Location
    record: str | None = None  # the event that records having done it; None: nothing to record


class Verdict(NamedTuple):
    """The answer to "may I do this now?"."""

    channel: str
    allowed: bool
    reason: str
    rule: Location | None
    allowed_from: datetime | None = None


class Draft(NamedTuple):
    """A message to send (or, for a call, to say): what the rule set's template made of the
    application's facts. ``subject`` is set for written channels, None for a call."""

    id: int | None
    action: str
    channel: str | None
    subject: str | None
    body: str


class Recorded(NamedTuple):
    """What recording an event did: the new record, its history rows and any warnings."""

    app: Application
    entries: tuple[LogEntry, ...]
    warnings: tuple[str, ...] = ()
    warned_by: tuple[Location, ...] = ()  # the rules behind the warnings, in their order


class Other(NamedTuple):
    """What one application needs to know of another: is it an offer, is it accepted."""

    id: int
    company: str
    rank: int | None
    offer: bool
    accepted: bool
    entered: datetime
    offer_deadline: str | None = None


def snapshot(app: Application) -> dict[str, Any]:
    """What `undo` needs to put ``app`` back as it was, kept with each history row it can take back."""
    return {"state": app.state, "entered": app.entered.isoformat(), "facts": dict(app.facts),
            "company": app.company, "rules_hash": app.rules_hash}  # fmt: skip


def restore(app: Application, snapshot: Mapping[str, Any]) -> Application:
    """``app`` as ``snapshot`` had it. Rows kept before the company and the rules hash were
    part of a snapshot leave those as they are."""
    return app._replace(state=snapshot["state"], entered=datetime.fromisoformat(snapshot["entered"]),
                        facts=snapshot["facts"], company=snapshot.get("company", app.company),
                        rules_hash=snapshot.get("rules_hash", app.rules_hash))  # fmt: skip


class Fired(NamedTuple):
    """A transition `tick` made durable."""

    id: int
    company: str
    source: str
    target: str
    at: datetime
