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

from ..language.namespace import Portfolio
from ..language.ruleset import RuleSet
from ..vocabulary.records import Advised, Application, LogEntry
from ..vocabulary.timecalc import iso, stamp, unstamp
from . import core

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
    "decline_offer": "decline the offer from {company}",
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
        """The notice as a JSON object, its fields in order (what the outbox keeps); times keep
        their IANA zone (see :func:`~tactful.vocabulary.timecalc.stamp`)."""
        data = dict(zip(self._fields, self, strict=True))
        data["at"] = stamp(self.at)
        data["due"] = stamp(self.due) if self.due else None
        return json.dumps(data)

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


def transition_notices(
    app: Application, entries: Iterable[LogEntry], base: dict[str, Any] | None = None
) -> list[Notice]:
    """A notice for each entry that changed the state (``base``: :func:`_base` of ``app``, when
    the caller has it)."""
    notices = []
    for entry in entries:
        if entry.source == entry.target or entry.kind not in ("event", "timer"):
            continue
        key = f"{app.id}/transition/{entry.target}/{iso(entry.at)}"
        notices.append(Notice("transition", key, at=entry.at, source=entry.source, target=entry.target,
                              event=entry.name, **(base or _base(app))))  # fmt: skip
    return notices


def action_notice(
    app: Application, item: Advised, draft: str | None = None, base: dict[str, Any] | None = None
) -> Notice:
    """The notice that ``item`` is due; its key is stable for (application, action, due)."""
    key = f"{app.id}/action/{item.action}/{iso(item.due)}"
    return Notice("action_due", key, at=item.due, action=item.action, due=item.due, reason=item.reason,
                  draft=draft, **(base or _base(app)))  # fmt: skip


def newly_due(items: Sequence[Advised], since: datetime | None, now: datetime) -> list[Advised]:
    """The advised items that became due after ``since`` and by ``now``."""
    return [i for i in items if i.due <= now and (since is None or i.due > since)]


def settle(rs: RuleSet, app: Application, now: datetime, portfolio: Portfolio, entries: Sequence[LogEntry], *,
           notify: bool, announce: bool = False) -> tuple[Application, list[Notice]]:  # fmt: skip
    """``app`` with the moments its store indexes, and the notices its change makes.

    ``agenda`` is the earliest moment anything advised or its timer is due (None: nothing
    will ever be). With ``notify``, a notice per state change in ``entries``, and ``wake`` is
    the next moment `tick` has work (a timer, or an action not yet announced); ``announce``
    (tick) also announces the advised actions that became due. Drafts are not rendered here:
    delivery renders them (:meth:`tactful.Engine.notice_draft`), so a template never blocks a
    state change.
    """
    items = core.advise(rs, app, now, portfolio)
    timer = [app.next_due] if app.next_due else []
    agenda = min([*(i.due for i in items), *timer], default=None)
    if not notify:
        return app._replace(agenda=agenda), []
    base = _base(app)
    notices = transition_notices(app, entries, base)
    if announce:
        notices += [action_notice(app, item, base=base) for item in newly_due(items, app.notified, now)]
        app = app._replace(notified=now)
    pending = [i.due for i in items if app.notified is None or i.due > app.notified]
    return app._replace(wake=min([*pending, *timer], default=None), agenda=agenda), notices
