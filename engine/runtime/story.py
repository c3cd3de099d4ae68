"""What one application's history says, looking back: its outcome, its follow-ups and whether
each got an answer, and how late the employer's decision came.

Pure, like :mod:`.core`: an application, its rule set and its history in, a :class:`Story` out.
:mod:`.report` adds stories up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..language.ruleset import RuleSet
from ..vocabulary.records import Application, LogEntry

#: Events that are the employer's decision.
DECISIONS = frozenset({"offer", "rejected"})
#: Call outcomes in which someone at the employer answered.
SPOKEN = frozenset({"noncommittal", "callback_requested"})
#: Events that are a follow-up, with their channel.
FOLLOW_UPS = {"called": "call", "note_sent": "note", "emailed": "email"}
#: The outcomes a story ends in, in the order a report lists them.
OUTCOMES = ("accepted", "declined", "rejected", "withdrawn", "moved_on", "closed", "pending")


class FollowUp(NamedTuple):
    """One inquiry after the thank-you: its channel, its number (1 for the first) and whether the
    employer answered before the next step was due (None: still waiting)."""

    channel: str
    number: int
    at: datetime
    answered: bool | None


class Story(NamedTuple):
    """One application looked back on."""

    app: Application
    rules: str
    size: str | None
    grace_days: float
    interviewed: date | None
    answered: bool
    offer: bool
    outcome: str
    follow_ups: tuple[FollowUp, ...]
    late_days: int | None  # the decision's day minus the decision date given; None: no date given, or no decision
    decided_at: datetime | None
    contacts: tuple[tuple[datetime, str], ...]  # every contact of the candidate's: when, which channel
    ended_at: datetime | None = None  # when it reached a final state


def _day(value: object) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _zone(app: Application) -> ZoneInfo:
    try:
        return ZoneInfo(str(app.facts.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _is_reply(entry: LogEntry) -> bool:
    """An entry in which the employer answered: a decision, or a call someone took."""
    return entry.kind == "event" and (
        entry.name in DECISIONS or (entry.name == "called" and entry.params.get("outcome") in SPOKEN)
    )


def _follow_ups(history: Sequence[LogEntry], final: bool) -> tuple[FollowUp, ...]:
    """The inquiries before any decision, each answered when a reply came after it and before the
    next step fell due (the next timer), or when the call itself was taken."""
    found: list[FollowUp] = []
    decided = False
    for index, entry in enumerate(history):
        decided = decided or (entry.kind == "event" and entry.name in DECISIONS)
        channel = FOLLOW_UPS.get(entry.name)
        if decided or entry.kind != "event" or channel is None or entry.source in ("interviewed", "callback_scheduled"):
            continue
        if channel == "call" and entry.params.get("outcome") in SPOKEN:
            found.append(FollowUp(channel, len(found) + 1, entry.at, True))
            continue
        found.append(FollowUp(channel, len(found) + 1, entry.at, _answer_after(history[index + 1 :], final)))
    return tuple(found)


def _answer_after(later: Sequence[LogEntry], final: bool) -> bool | None:
    for entry in later:
        if _is_reply(entry):
            return True
        if entry.kind == "timer" or (entry.kind == "event" and entry.name in FOLLOW_UPS):
            return False  # the next step fell due, or was taken, with no answer
    return False if final else None


def _outcome(state: str, reached: set[str]) -> str:
    reached.add(state)
    if "closed" in reached and "rejected" in reached:
        return "rejected"  # the thank-you letter after a rejection closes it
    return next((name for name in OUTCOMES if name in reached), "pending")


def _finals(rs: RuleSet) -> frozenset[str]:
    """The rule set's final states, worked out once per rule set."""
    found: frozenset[str] | None = rs.memo.get("story.finals")
    if found is None:
        found = rs.memo["story.finals"] = frozenset(name for name, state in rs.states.items() if state.final)
    return found


def tell(app: Application, rs: RuleSet, history: Sequence[LogEntry]) -> Story:
    """The story of ``app`` under ``rs`` from its ``history`` (in any order)."""
    ordered = sorted(history, key=lambda entry: (entry.at, entry.id or 0))
    finals = _finals(rs)
    decision = ended = None
    answered = offer = False
    reached: set[str] = set()
    contacts = []
    for entry in ordered:  # one pass: what the employer answered, what the candidate did, where it went
        reached.add(entry.target)
        if ended is None and entry.target in finals:
            ended = entry.at
        if entry.kind != "event":
            continue
        answered = answered or _is_reply(entry)
        offer = offer or entry.name == "offer"
        if decision is None and entry.name in DECISIONS:
            decision = entry
        if entry.name in FOLLOW_UPS or entry.name == "thank_you_sent":
            contacts.append((entry.at, FOLLOW_UPS.get(entry.name, "thank_you")))
    given = _day(app.facts.get("decision_by"))
    late = None if decision is None or given is None else (decision.at.astimezone(_zone(app)).date() - given).days
    grace = rs.settings.get("grace")
    return Story(
        app=app, rules=rs.name, size=rs.settings.get("company_size"),
        grace_days=grace.total_seconds() / 86400 if grace is not None else 0.0,
        interviewed=_day(app.facts.get("interviewed")), answered=answered, offer=offer,
        outcome=_outcome(app.state, reached), follow_ups=_follow_ups(ordered, app.state in finals),
        late_days=late, decided_at=decision.at if decision else None, contacts=tuple(contacts), ended_at=ended,
    )  # fmt: skip
