"""Proposals: what capture (`tactful sync`) found in the mailbox, waiting for a person's say-so.

A proposal keeps only what the person is shown: the message's id, its date, the sender's (or,
for mail we sent, the recipient's) domain, its subject, and the evidence. Bodies are never kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

#: The confidence tiers, surest first: threaded to a message of ours, the same address, the same domain.
TIERS = ("certain", "likely", "possible")
#: What a proposal may be: an event to record, or an answer whose outcome the person picks.
ANSWERED = "answered"
#: Where a proposal stands.
STATUSES = ("open", "accepted", "rejected")


class Proposal(NamedTuple):
    """One proposal: an event for an application (``application`` None: a proposed ``add``).

    ``message`` is the message's Message-ID (or ``folder/uidvalidity/uid`` for one without);
    ``at`` its own date. ``outcomes`` (for an answer) are the likely outcomes, each a mapping
    with ``outcome`` and the ``words`` that suggest it, and a ``date`` when one was found.
    ``sent`` is True for mail we sent: its id threads the employer's answers to us.
    """

    id: int
    candidate: str
    message: str
    application: int | None
    event: str
    at: datetime
    tier: str
    domain: str
    subject: str
    evidence: str
    outcomes: Sequence[Mapping[str, Any]] = ()
    sent: bool = False
    status: str = "open"
    decided: datetime | None = None


class Seen(NamedTuple):
    """How far a folder of a mailbox was read: its UIDVALIDITY and the highest UID looked at."""

    uidvalidity: int
    last_uid: int


def outcomes_text(outcomes: Sequence[Mapping[str, Any]]) -> str:
    """``outcomes`` as stored (JSON)."""
    return json.dumps([dict(o) for o in outcomes], ensure_ascii=False, sort_keys=True)


def read_outcomes(text: str | None) -> tuple[Mapping[str, Any], ...]:
    """Stored outcomes back as mappings."""
    return tuple(json.loads(text)) if text else ()
