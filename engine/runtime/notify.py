"""Notices: what plugins are told, worked out purely from a change and the rules.

A change (an event recorded, timers fired) yields a ``transition`` notice per state change;
``tick`` also yields an ``action_due`` notice for each advised action whose due moment
passed since the application was last looked at. Notices are written to the outbox in the
same transaction as the change and delivered after commit (see :mod:`tactful.hooks.delivery`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from ..vocabulary.records import Advised, Application, LogEntry
from ..vocabulary.timecalc import stamp, unstamp

#: What each action of the shipped rule sets asks of you, in a few words; email subjects and
#: calendar titles use it. Other actions read "ACTION: COMPANY".
TASKS = {
    "send_thank_you": "thank {company} for the interview",
    "call": "call {company}",
    "call_again": "call {company} again",
    "callback": "call {company} back",
    "send_note": "send {company} a note",
    "send_email": "email {company}",
    "move_on": "move on from {company}",
    "decide_offer": "decide on the offer from {company}",
    "thank_you_letter": "send {company} a thank-you letter",
    "contact_first_choice": "tell {company} about your other offer",
    "withdraw": "withdraw from {company}",
}


def task(action: str, company: str) -> str:
    """``call Northwind again``: what ``action`` asks of you, in a few lowercase words."""
    wording = TASKS.get(action, action.replace("_", " ") + ": {company}")
    return wording.format(company=company)


class Notice(NamedTuple):
    """One thing to tell plugins about; ``key`` identifies it for good."""

    kind: str
    key: str
    app_id: int
    company: str
    state: str
    at: datetime
    source: str | None = None
    target: str | None = None
    event: str | None = None
    action: str | None = None
    due: datetime | None = None
    reason: str | None = None
    interviewer: str | None = None
    timezone: str = "UTC"
    draft: str | None = None
    facts: dict[str, Any] = {}

    def to_json(self) -> str:
        """The notice as JSON; times keep their IANA zone (see :func:`~tactful.vocabulary.timecalc.stamp`)."""
        data = self._asdict()
        data["at"] = stamp(self.at)
        data["due"] = stamp(self.due) if self.due else None
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Notice:
        data = json.loads(text)
        data["at"] = unstamp(data["at"])
        data["due"] = unstamp(data["due"]) if data["due"] else None
        return cls(**data)


def _base(app: Application) -> dict[str, Any]:
    return {"app_id": app.id or 0, "company": app.company, "state": app.state,
            "interviewer": app.facts.get("interviewer"), "timezone": app.facts.get("timezone") or "UTC",
            "facts": {k: v for k, v in app.facts.items() if k != "news"}}  # fmt: skip


def transition_notices(app: Application, entries: Iterable[LogEntry]) -> list[Notice]:
    """A notice for each entry that changed the state."""
    notices = []
    for entry in entries:
        if entry.source == entry.target or entry.kind not in ("event", "timer"):
            continue
        key = f"{app.id}/transition/{entry.target}/{entry.at.isoformat()}"
        notices.append(Notice("transition", key, at=entry.at, source=entry.source, target=entry.target,
                              event=entry.name, **_base(app)))  # fmt: skip
    return notices


def action_notice(app: Application, item: Advised, draft: str | None = None) -> Notice:
    """The notice that ``item`` is due; its key is stable for (application, action, due)."""
    key = f"{app.id}/action/{item.action}/{item.due.isoformat()}"
    return Notice("action_due", key, at=item.due, action=item.action, due=item.due, reason=item.reason,
                  draft=draft, **_base(app))  # fmt: skip


def newly_due(items: Sequence[Advised], since: datetime | None, now: datetime) -> list[Advised]:
    """The advised items that became due after ``since`` and by ``now``."""
    return [i for i in items if i.due <= now and (since is None or i.due > since)]
