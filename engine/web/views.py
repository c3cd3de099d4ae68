"""What the application and rules pages show, gathered from the engine: plain values for the
templates, worked out once per request."""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..errors import InputError, Refused, RuleErrors
from ..language.ruleset import RuleSet
from ..views.documents import in_order
from ..vocabulary.records import Application, Draft
from .board import ONE_CLICK, when
from .diagram import table
from .layered import svg as diagram_svg
from .scope import Scope
from .timeline import Mark, svg
from .wording import for_page

INPUT_TYPES = {"date": "date", "datetime": "datetime-local"}


def application_view(scope: Scope, app_id: int) -> dict[str, Any]:
    """The application page's values: facts, what comes next, the timeline, the answers of
    `can` for every channel, the draft, and the forms' choices; times in the candidate's zone."""
    from ..runtime.plan import plan

    engine, now, tz = scope.engine, scope.now, scope.tz
    app = engine.get(app_id, now)
    rs = engine.rules_for(app)
    items = engine.advise(app_id, now)
    history = in_order(engine.history(app_id), rs, app)  # by when things happened
    steps = plan(rs, app, now, engine.portfolio(app))
    marks = [Mark(e.at, e.name.replace("_", " "), True) for e in history if e.kind != "edit"]
    marks += [_planned(s, items, now) for s in steps]
    verdicts = [engine.check(app_id, channel, now) for channel in rs.policies]
    return {
        "app": app, "state": rs.states[app.state], "facts": _facts(app),
        "next": [(a, when(a.due, tz), a.due <= now) for a in items],
        "history": [(e, when(e.at, tz)) for e in history],
        "steps": [(s, when(s.due, tz)) for s in steps],
        "timeline": svg(marks, now, tz),
        "verdicts": [(v, v.allowed_from.astimezone(tz).strftime("%a %d %b %Y") if v.allowed_from else None)
                     for v in verdicts],
        "drafts": _drafts(scope, app_id), "quick": _quick(items),
        "events": event_groups(rs, app.state), "params": _params(rs, app),
    }  # fmt: skip


#: The facts a person acts on by a link: (scheme, characters kept of the value).
LINKS = {"email": "mailto:", "phone": "tel:"}


def _planned(step: Any, items: list[Any], now: datetime) -> Mark:
    """A step of the plan as the timeline draws it: one still to do whose moment has passed
    (the plan puts it at now) drawn late, at the moment it was due."""
    label = (step.action or step.state).replace("_", " ")
    late = [a.due for a in items if step.kind == "action" and a.action == step.action and a.due < now]
    if step.due <= now and late:
        return Mark(min(late), label, False, False, True)
    return Mark(step.due, label, False, step.kind == "timer", step.kind == "action" and step.due < now)


def _facts(app: Application) -> list[tuple[str, str, str | None]]:
    """(label, value, link) of each fact set: the interviewer's email a ``mailto:`` link,
    their phone a ``tel:`` one."""
    shown = []
    for name, value in app.facts.items():
        if value in (None, "", False):
            continue
        text = "yes" if value is True else str(value)
        link = None
        if name in LINKS:
            link = LINKS[name] + (re.sub(r"[^0-9+]", "", text) if name == "phone" else quote(text, safe="@.+-_"))
        shown.append((name.replace("_", " "), text, link))
    return shown


def event_groups(rs: RuleSet, state: str) -> list[tuple[str, list[str]]]:
    """The events the record form offers: the state's own first (those only it takes, those
    it takes its own way, then the contacts every state takes, an event that moves nothing
    last), then those that end the process from any state alike (an offer, a rejection):
    (group label, events)."""
    from ..authoring.graph import layout

    common, ends = _common_moves(rs), {e.target for e in layout(rs).shared}
    on = rs.states[state].on
    alike = [e for e in on if common.get(e) == _moves(on[e])]
    anytime = [e for e in alike if any(to in ends for to, _ in common[e])]
    own = [e for e in on if e not in common] + [e for e in on if e in common and e not in alike]
    own += sorted((e for e in alike if e not in anytime), key=lambda e: all(to is None for to, _ in common[e]))
    return [(label, events) for label, events in (("For this step", own), ("At any time", anytime)) if events]


def _moves(branches: Any) -> tuple[tuple[str | None, str | None], ...]:
    return tuple((b.to, b.when.source if b.when is not None else None) for b in branches)


def _common_moves(rs: RuleSet) -> dict[str, Any]:
    """Each event every state in process takes, with the moves most of them make on it."""
    from collections import Counter

    states = [s for s in rs.states.values() if not s.final]
    events = set.intersection(*(set(s.on) for s in states)) if states else set()
    return {e: Counter(_moves(s.on[e]) for s in states).most_common(1)[0][0] for e in events}


@functools.cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones a picker offers: ``Area/City`` names and UTC, without the aliases kept for
    old systems (``US/Eastern``, ``Etc/GMT+5``, ``posix/…``)."""
    import zoneinfo

    old = ("Etc/", "US/", "posix", "right/", "SystemV/", "Canada/", "Brazil/", "Chile/", "Mexico/")
    names = {n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(old)}
    return ("UTC", *sorted(names))


def _drafts(scope: Scope, app_id: int) -> list[Draft] | str:
    """The drafts for what is due, or the sentence saying why there is none."""
    try:
        return scope.engine.drafts(app_id, now=scope.now)
    except (Refused, InputError) as err:
        return for_page(err)
    except RuleErrors as err:
        return f"the rule set's template has a problem: {err.errors[0]}"


def _quick(items: list[Any]) -> list[tuple[str, str]]:
    """(action, event) for each advised action recorded as done with one click."""
    seen: dict[str, str] = {}
    for item in items:
        if item.action in ONE_CLICK:
            seen.setdefault(ONE_CLICK[item.action], item.action)
    return [(action, event) for event, action in seen.items()]


def _params(rs: RuleSet, app: Application) -> list[dict[str, Any]]:
    """The fields of the record form: every parameter of the events this state takes."""
    fields: dict[str, dict[str, Any]] = {}
    for event in rs.states[app.state].on:
        spec = rs.events.get(event)
        for param in spec.params.values() if spec else ():
            field = fields.setdefault(param.name, {"name": param.name, "type": INPUT_TYPES.get(param.type, "text"),
                                                   "choices": param.choices, "events": []})  # fmt: skip
            field["events"].append(event)
    return list(fields.values())


def rules_view(scope: Scope, name: str | None, app_id: int | None) -> dict[str, Any]:
    """The rules page's values: a shipped rule set by ``name``, or the one an application
    runs under, its state marked."""
    from ..language.loader import load_rules

    app: Application | None = None
    if app_id is not None:
        engine = scope.engine
        app = engine.get(app_id, scope.now)
        rs = engine.rules_for(app)
        visited = {e.target for e in engine.history(app_id)} | {e.source for e in engine.history(app_id)}
    else:
        rs, visited = load_rules(name or "default"), set()
    current = app.state if app else None
    return {"title": f"Rules: {rs.name}", "rs": rs, "app": app, "current": current,
            "diagram": diagram_svg(rs, current, visited), "table": table(rs, current)}  # fmt: skip
