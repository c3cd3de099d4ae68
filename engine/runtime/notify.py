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
from json.encoder import encode_basestring_ascii  # what json.dumps writes text with
from typing import Any, NamedTuple

from ..language.namespace import Portfolio
from ..language.ruleset import RuleSet
from ..vocabulary.jsontext import dumps
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
    candidate: str = ""  # the key of the job seeker it concerns ("": the implicit one)

    def to_json(self, facts_text: str | None = None) -> str:
        """The notice as a JSON object, its fields in order (what the outbox keeps); times keep
        their IANA zone (see :func:`~tactful.vocabulary.timecalc.stamp`). The facts come next to
        last, as :func:`facts_json` wrote them (once for the notices of one change), or as
        ``facts_text`` (their JSON text as the store read it, when the caller knows they are the
        same). Written field by field: the same text as ``json.dumps`` of the whole, at a fraction
        of its cost."""
        j, t = _value, _text  # t: the fields that are always text
        return (
            f'{{"kind": {t(self.kind)}, "key": {t(self.key)}, "app_id": {j(self.app_id)}, '
            f'"company": {t(self.company)}, "state": {t(self.state)}, "at": {t(stamp(self.at))}, '
            f'"source": {j(self.source)}, "target": {j(self.target)}, "event": {j(self.event)}, '
            f'"action": {j(self.action)}, "due": {t(stamp(self.due)) if self.due else "null"}, '
            f'"reason": {j(self.reason)}, "interviewer": {j(self.interviewer)}, "timezone": {t(self.timezone)}, '
            f'"draft": {j(self.draft)}, "facts": {facts_text or facts_json(self.facts)}, '
            f'"candidate": {t(self.candidate)}}}'
        )

    @classmethod
    def from_json(cls, text: str) -> Notice:
        data = json.loads(text)
        data["at"] = unstamp(data["at"])
        data["due"] = unstamp(data["due"]) if data["due"] else None
        return cls(**data)


_text = encode_basestring_ascii


def _value(value: Any) -> str:
    """``json.dumps(value)``, with text and None (most of a notice) written straight away."""
    if value is None:
        return "null"
    if type(value) is str:
        return _text(value)
    if type(value) is int:
        return int.__repr__(value)
    return dumps(value)


_FACTS_JSON: dict[int, tuple[Any, dict[str, Any], str]] = {}


def facts_json(facts: Any) -> str:
    """``json.dumps(facts)``, remembered for the last few mappings by identity (while they
    hold the same): the notices of one change share their facts."""
    known = _FACTS_JSON.get(id(facts))
    if known is not None and known[0] is facts and known[1] == facts:
        return known[2]
    text = dumps(facts)
    if len(_FACTS_JSON) >= 16:
        _FACTS_JSON.clear()
    _FACTS_JSON[id(facts)] = (facts, dict(facts), text)  # kept with it, so its id is not reused meanwhile
    return text


class _Base(NamedTuple):
    """What every notice of one application's change says of it."""

    app_id: int
    company: str
    state: str
    interviewer: str | None
    timezone: str
    facts: dict[str, Any]
    candidate: str


def _base(app: Application) -> _Base:
    facts = app.facts
    # a record's facts are not changed in place: the notices may share them
    told: Any = facts if "news" not in facts else {k: v for k, v in facts.items() if k != "news"}
    return _Base(
        app.id or 0,
        app.company,
        app.state,
        facts.get("interviewer"),
        facts.get("timezone") or "UTC",
        told,
        app.candidate,
    )


def transition_notices(app: Application, entries: Iterable[LogEntry], base: _Base | None = None) -> list[Notice]:
    """A notice for each entry that changed the state (``base``: :func:`_base` of ``app``, when
    the caller has it)."""
    notices = []
    for entry in entries:
        if entry.source == entry.target or entry.kind not in ("event", "timer"):
            continue
        b = base or _base(app)
        key = f"{app.id}/transition/{entry.target}/{iso(entry.at)}"
        notices.append(Notice("transition", key, b.app_id, b.company, b.state, entry.at, entry.source, entry.target,
                              entry.name, None, None, None, b.interviewer, b.timezone, None, b.facts,
                              b.candidate))  # fmt: skip
    return notices


def action_notice(app: Application, item: Advised, draft: str | None = None, base: _Base | None = None) -> Notice:
    """The notice that ``item`` is due; its key is stable for (application, action, due)."""
    b = base or _base(app)
    key = f"{app.id}/action/{item.action}/{iso(item.due)}"
    return Notice("action_due", key, b.app_id, b.company, b.state, item.due, None, None, None, item.action, item.due,
                  item.reason, b.interviewer, b.timezone, draft, b.facts, b.candidate)  # fmt: skip


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
    timer = app.next_due
    agenda = _earliest([i.due for i in items], timer)
    if not notify:
        return app._replace(agenda=agenda), []
    notices: list[Notice] = []
    notified = app.notified
    if entries or announce:  # else nothing to tell (a record settled afresh: add, import)
        base = _base(app)
        notices = transition_notices(app, entries, base)
        if announce:
            notices += [action_notice(app, item, base=base) for item in newly_due(items, notified, now)]
            notified = now
    pending = [i.due for i in items if notified is None or i.due > notified]
    return app._replace(wake=_earliest(pending, timer), agenda=agenda, notified=notified), notices


def _earliest(moments: list[datetime], timer: datetime | None) -> datetime | None:
    """The earliest of ``moments`` and ``timer`` (None: there are none)."""
    if timer is not None:
        moments.append(timer)
    return min(moments) if moments else None
