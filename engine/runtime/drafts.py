"""Message drafts: a rule set's templates rendered with one application's facts, sandboxed.

Templates are checked and compiled in the sandbox of :mod:`tactful.language.sandbox`.
Rendering is pure: ``now`` is passed in, and nothing is read or written.

A template may start with a ``Subject:`` line: it becomes the draft's subject on a written
channel and is dropped for a call. Trailing spaces are dropped and runs of blank lines fold
into one, so a line holding only a ``{% if %}`` tag, or a paragraph left out (no news
recorded, no decision date given), leaves no gap.

This module imports Jinja2: import it only where drafts are made or templates checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import jinja2

from ..errors import InputError, Refused, RuleError, RuleErrors
from ..language.bounded import render_bounded
from ..language.namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from ..language.ruleset import TEMPLATE_NAMES, RuleSet, Template
from ..language.sandbox import DAY_START, compiled, locate, scope_of
from ..vocabulary.records import Advised, Application, Draft
from . import core

#: Channels whose draft is spoken (a script), so it has no subject.
SPOKEN = frozenset({"call"})
_SUBJECT = re.compile(r"subject:\s*(.*)", re.IGNORECASE)


def due_action(rs: RuleSet, advised: Sequence[Advised]) -> str | None:
    """The first of ``advised`` (soonest first) that contacts someone and has a template."""
    for item in advised:
        action = rs.actions.get(item.action)
        if action is not None and action.contact and item.action in rs.templates:
            return item.action
    return None


def render(
    rs: RuleSet, app: Application, now: datetime, name: str | None = None, portfolio: Portfolio = EMPTY_PORTFOLIO
) -> list[Draft]:
    """The drafts for the template ``name`` (an action, or one of an action's alternatives),
    or for what is due; one draft, or one per alternative (``decide_offer``: accept, decline).

    ``app`` must be caught up to ``now``.

    Raises:
        InputError: when ``name`` is neither an action nor a template.
        Refused: when the action has no template, or nothing advised has one.
        RuleErrors: for a problem in the template, at its ``file:line:col``.
    """
    if name is None:
        name = due_action(rs, core.advise(rs, app, now, portfolio))
        if name is None:
            raise Refused(f"nothing to draft for #{app.id}: nothing advised now contacts anyone "
                          f"({app.state.replace('_', ' ')})")  # fmt: skip
    ns = Namespace(rs, app, now, portfolio=portfolio)
    name = core.substitute(rs, name, ns)  # what is done in its place here (decide_offer: decline only)
    template = rs.templates.get(name)
    if template is None:
        have = ", ".join(sorted(rs.templates)) or "none"
        if name in rs.actions:
            raise Refused(f"'{name}' has no message to draft; drafts exist for: {have}")
        raise InputError(f"unknown action '{name}'; drafts exist for: {have}")
    parts = [rs.templates[n] for n in template.alternatives] or [template]
    return [_draft(rs, app, part, ns) for part in parts]


def _draft(rs: RuleSet, app: Application, template: Template, ns: Namespace) -> Draft:
    code, names = compiled(template, scope_of(rs))
    channel = _channel(rs, template, ns)
    values = {name: ns[name] for name in names - TEMPLATE_NAMES}
    values.update(action=template.name, channel=channel)
    text = render_text(template, code, {**values, DAY_START: rs.calendar.start})
    subject, body = _split(text, channel)
    return Draft(app.id, template.name, channel, subject, body)


def _channel(rs: RuleSet, template: Template, ns: Namespace) -> str | None:
    if template.channel is not None:
        chosen = template.channel(ns)
        return str(chosen) if chosen else None
    action = rs.actions.get(template.name)
    return action.channels[0] if action is not None and action.channels else None


def render_text(template: Template, compiled: jinja2.Template, values: Mapping[str, Any]) -> str:
    """The text ``compiled`` (made from ``template``) gives for ``values``, in the sandbox.

    Raises:
        RuleErrors: when the template fails or the sandbox refuses it, at its ``file:line``.
    """
    try:
        return render_bounded(compiled.generate(values))
    except (jinja2.TemplateError, ArithmeticError, AttributeError, LookupError, TypeError, ValueError,
            RecursionError, MemoryError) as err:  # fmt: skip
        line, tb = 1, err.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<template>":
                line = tb.tb_lineno
            tb = tb.tb_next
        reason = ("it calls itself without end" if isinstance(err, RecursionError) else
                  "it needs more memory than there is" if isinstance(err, MemoryError) else err)  # fmt: skip
        problem = RuleError(locate(template, line), f"template '{template.name}' failed: {reason}")
        raise RuleErrors([problem]) from None


def _split(text: str, channel: str | None) -> tuple[str | None, str]:
    """The subject (from a first ``Subject:`` line; none for a call) and the tidied body."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    subject = None
    match = _SUBJECT.fullmatch(lines[0].strip()) if lines else None
    if match:
        subject = match.group(1).strip() or None
        lines = lines[1:]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return (None if channel in SPOKEN else subject), body


def plain_text(drafts: Sequence[Draft]) -> str:
    """Drafts as one plain text, each with its subject line first (for notifications)."""
    return "\n\n---\n\n".join((f"Subject: {d.subject}\n\n" if d.subject else "") + d.body for d in drafts)


def notice_text(rs: RuleSet, app: Application, now: datetime, action: str, portfolio: Portfolio) -> str | None:
    """The plain text of ``action``'s draft for ``app`` (as stored) caught up to ``now``, or
    None when the rule set has no template for it.

    Raises:
        RuleErrors: when the template fails, at its ``file:line:col``.
    """
    app = core.catch_up(rs, app, now, portfolio, preview=True)[0]
    try:
        return plain_text(render(rs, app, now, action, portfolio))
    except (InputError, Refused):
        return None
