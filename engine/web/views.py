"""What the application and rules pages show, gathered from the engine: plain values for the
templates, worked out once per request."""

from __future__ import annotations

from typing import Any

from ..errors import InputError, Refused, RuleErrors
from ..language.ruleset import RuleSet
from ..views.documents import in_order
from ..vocabulary.records import Application, Draft
from .board import ONE_CLICK, when
from .diagram import graphviz_svg, table
from .scope import Scope
from .timeline import Mark, svg

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
    marks += [Mark(s.due, (s.action or s.state).replace("_", " "), False, s.kind == "timer") for s in steps]
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
        "events": list(rs.states[app.state].on), "params": _params(rs, app),
    }  # fmt: skip


def _facts(app: Application) -> list[tuple[str, str]]:
    shown = []
    for name, value in app.facts.items():
        if value in (None, "", False):
            continue
        shown.append((name.replace("_", " "), "yes" if value is True else str(value)))
    return shown


def _drafts(scope: Scope, app_id: int) -> list[Draft] | str:
    """The drafts for what is due, or the sentence saying why there is none."""
    try:
        return scope.engine.drafts(app_id, now=scope.now)
    except (Refused, InputError) as err:
        return str(err)
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
            "diagram": graphviz_svg(rs, current, visited), "table": table(rs, current)}  # fmt: skip
