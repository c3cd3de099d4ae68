"""The inbox of proposals: accept one (it is recorded through the engine like any event), reject one."""

from __future__ import annotations

from typing import Any

from ..engine import Engine
from ..errors import InputError
from ..vocabulary.log import logger
from ..vocabulary.proposals import ANSWERED, Proposal
from .feeds import NEWS
from .invites import ADD, EDIT, facts_of
from .sync import proposals_of

#: What an answer may be accepted as (``--as``).
OUTCOMES = ("offer", "rejected", "decision_by")


def open_proposal(engine: Engine, number: int) -> Proposal:
    """Open proposal ``number`` of the engine's candidate.

    Raises:
        InputError: for an unknown one (another candidate's answers the same) or one decided already.
    """
    found: Proposal | None = proposals_of(engine).get(number)
    if found is None or found.candidate != engine.candidate_key:
        raise InputError(f"no proposal with id {number}; 'tactful inbox' lists them")
    if found.status != "open":
        raise InputError(f"proposal {number} was {found.status} already; 'tactful inbox' lists the open ones")
    return found


def accept(engine: Engine, number: int, outcome: str | None = None, **given: Any) -> Proposal:
    """Record proposal ``number`` through the engine, at the message's own date, and mark it
    accepted. An answer needs its ``outcome`` (one of :data:`OUTCOMES`): it is never picked for
    the person. ``given`` may hold ``deadline`` (an offer's) or ``decision_by``.

    Raises:
        InputError: an unknown or decided proposal, a missing or unknown outcome.
        Refused: when the etiquette refuses the event; the proposal stays open.
    """
    proposal = open_proposal(engine, number)
    if proposal.event != ANSWERED and outcome is not None:
        raise InputError(f"--as is for an answer from the employer; proposal {number} is {proposal.event}")
    at, app = min(proposal.at, engine.now()), proposal.application or 0
    # Marked and recorded in one transaction: a kill between the two leaves neither, so the
    # proposal is still open and a second accept records the event once.
    with proposals_of(engine).deciding(number, "accepted", engine.now()) as still_open:
        if not still_open:  # another accept or reject got there first
            raise InputError(f"proposal {number} was decided already; 'tactful inbox' lists the open ones")
        if proposal.event in (ADD, EDIT):  # an invitation: the interview's date, zone and interviewer
            app = _invited(engine, proposal)
        elif proposal.event == NEWS:  # the drafts mention it as the recent news
            engine.record(app, NEWS, at=at, text=proposal.subject)
        elif proposal.event != ANSWERED:
            engine.record(app, proposal.event, at=at)
        else:
            _answer(engine, proposal, outcome, at, given)
    logger().info("proposal accepted", id=number, application=app, recorded=outcome or proposal.event)
    return proposal._replace(status="accepted", application=app)  # an accepted add: the application it added


def _invited(engine: Engine, proposal: Proposal) -> int:
    """Add the application an invitation names, or correct the one it is for; its id."""
    facts = facts_of(proposal.outcomes)
    company = str(facts.pop("company", "") or proposal.domain)
    if proposal.event == ADD:
        return engine.add(company, **facts).id or 0
    return engine.edit(proposal.application or 0, **facts).id or 0


def _answer(engine: Engine, proposal: Proposal, outcome: str | None, at: Any, given: dict[str, Any]) -> None:
    app = proposal.application or 0
    if outcome not in OUTCOMES:
        suggested = [str(o["outcome"]) for o in proposal.outcomes if o.get("outcome") in OUTCOMES] or list(OUTCOMES)
        say = "" if outcome is None else f"'{outcome}' is not an outcome; "
        raise InputError(f"{say}proposal {proposal.id} is an answer from {proposal.domain or 'the employer'}: say "
                         f"what it was with --as {' or --as '.join(suggested)} (or reject it)")  # fmt: skip
    if outcome == "offer":
        engine.record(app, "offer", at=at, **({"deadline": given["deadline"]} if given.get("deadline") else {}))
    elif outcome == "rejected":
        engine.record(app, "rejected", at=at)
    else:
        day = given.get("decision_by") or next((o.get("date") for o in proposal.outcomes if o.get("date")), None)
        if not day:
            raise InputError(f"proposal {proposal.id}: the answer names no date; give it with --decision-by YYYY-MM-DD")
        engine.edit(app, decision_by=str(day))


def reject(engine: Engine, number: int) -> Proposal:
    """Drop proposal ``number``: nothing is recorded, and it never comes back.

    Raises:
        InputError: for an unknown or decided proposal.
    """
    proposal = open_proposal(engine, number)
    proposals_of(engine).decide(number, "rejected", engine.now())
    logger().info("proposal rejected", id=number, application=proposal.application)
    return proposal._replace(status="rejected")


def document(proposal: Proposal, company: str | None) -> dict[str, Any]:
    """A proposal as `inbox --json` shows it."""
    return {
        "id": proposal.id,
        "application": proposal.application,
        "company": company,
        "event": proposal.event,
        "at": proposal.at.isoformat(),
        "tier": proposal.tier,
        "evidence": {
            "date": proposal.at.isoformat(),
            "domain": proposal.domain,
            "subject": proposal.subject,
            "why": proposal.evidence,
        },  # fmt: skip
        "outcomes": [dict(o) for o in proposal.outcomes],
        "status": proposal.status,
    }
