"""The pages: the board, an application, the agenda and the rules, rendered on the server from
Jinja2 templates with autoescaping. Forms post back here with the CSRF token.

The implicit candidate's pages are at ``/``, ``/applications/ID``…; candidate KEY's at
``/c/KEY``, ``/c/KEY/applications/ID``…, and every link and form on them keeps the prefix. When
the store holds other candidates than the implicit one, every page has a switcher: a form that
GETs ``/switch``, which sends the browser to the chosen candidate's pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import InputError
from ..views.documents import AGENDA_DAYS
from ..vocabulary.records import MAX_ID
from ..vocabulary.text import quoted
from . import forms
from .api import known
from .board import columns, finished_page, unfinished, when
from .forms import FACT_FIELDS, FLAG_FIELDS, notice_of
from .rendering import SECURITY_HEADERS, not_found, render
from .scope import (
    Scope,
    app_id_of,
    config_of,
    scope_for,
    scope_of,
    scoped_routes,
)
from .views import application_view, rules_view, zone_names
from .whypage import why_view


async def board(request: Request, error: tuple[str, str] | None = None, status: int = 200,
                form: Any = None) -> Response:  # fmt: skip
    """The candidate's applications not finished, a card each, and how many are finished; after a
    failed "Add an application", with the reason and the form as filled in."""
    scope = scope_of(request)
    engine, now = scope.engine, scope.now
    apps, finished = unfinished(engine, scope.candidate.key)
    cols = columns(engine.overview(now, apps=apps), engine.rules_for, now, scope.tz)
    return render(request, "board.html", status, title="Board", columns=cols, now=when(now, scope.tz),
                  finished=finished, notice=notice_of(scope, str(request.url.query)), error=error,
                  filled=form or {}, fact_fields=FACT_FIELDS, flag_fields=FLAG_FIELDS, zones=zone_names(),
                  rule_sets=_rule_sets())  # fmt: skip


async def finished(request: Request) -> Response:
    """The candidate's finished applications, a page at a time (``?after=ID``)."""
    scope = scope_of(request)
    after = request.query_params.get("after", "0")
    if not (after.isascii() and after.isdigit() and len(after) <= 19 and int(after) <= MAX_ID):
        return render(request, "error.html", 400, title="Bad request",
                      message=f"after= takes an application id (0 to {MAX_ID:,}), not {quoted(after)}")  # fmt: skip
    apps, more = finished_page(scope.engine, scope.candidate.key, int(after))
    return render(request, "finished.html", title="Finished", apps=apps, more=more)


def _rule_sets() -> list[str]:
    from ..language.loader import shipped_names

    return sorted(shipped_names())


async def application(request: Request, error: tuple[str, str] | None = None, status: int = 200,
                      form: Any = None) -> Response:  # fmt: skip
    """An application's page; after a failed write, with the reason and the form as filled in."""
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return not_found(request)
    view = application_view(scope, app_id)
    return render(request, "application.html", status, title=view["app"].company, error=error,
                  notice=notice_of(scope, str(request.url.query)), filled=form or {},
                  fact_fields=FACT_FIELDS, flag_fields=FLAG_FIELDS, zones=zone_names(), **view)  # fmt: skip


async def record(request: Request) -> Response:
    return await forms.record(request, application)


async def undo(request: Request) -> Response:
    return await forms.undo(request, application)


async def edit(request: Request) -> Response:
    return await forms.edit(request, application)


async def add(request: Request) -> Response:
    return await forms.add(request, board)


async def agenda(request: Request) -> Response:
    scope = scope_of(request)
    now = scope.now
    window = scope.engine.agenda(now, until=now + timedelta(days=AGENDA_DAYS))  # as `tactful agenda`
    items = [(app, item, when(item.due, scope.tz), item.due <= now) for app, item in window]
    feed = _feed_links(request, scope)
    return render(request, "agenda.html", title="Agenda", due=[i for i in items if i[3]],
                  soon=[i for i in items if not i[3]], feed=feed, now=when(now, scope.tz))  # fmt: skip


def _feed_links(request: Request, scope: Scope) -> dict[str, str] | None:
    """The links to the calendar feed, which is the implicit candidate's: on their agenda only."""
    config = config_of(request)
    if config.calendar_feed is None or scope.candidate.key:
        return None
    host = request.headers.get("host", "")
    return {"http": f"http://{host}/calendar.ics", "webcal": f"webcal://{host}/calendar.ics"}


async def rules_index(request: Request) -> Response:
    from ..language.loader import shipped_names

    scope_of(request)  # an unknown candidate's path is a missing page
    return render(request, "rules_index.html", title="Rules", names=sorted(shipped_names()))


async def rules(request: Request) -> Response:
    from ..language.loader import shipped_names

    name = request.path_params["name"]
    if name not in shipped_names():
        return not_found(request)
    return render(request, "rules.html", **rules_view(scope_of(request), name, None))


async def diagram(request: Request) -> Response:
    """A shipped rule set's diagram alone, full size: the rules page's "Open it full size"."""
    from ..language.loader import shipped_names

    name = request.path_params["name"]
    if name not in shipped_names():
        return not_found(request)
    drawn = rules_view(scope_of(request), name, None)["diagram"]
    return Response(str(drawn), media_type="image/svg+xml", headers=SECURITY_HEADERS)


async def app_diagram(request: Request) -> Response:
    """An application's diagram alone, full size, its state marked."""
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return not_found(request)
    return Response(str(rules_view(scope, None, app_id)["diagram"]), media_type="image/svg+xml",
                    headers=SECURITY_HEADERS)  # fmt: skip


async def app_rules(request: Request) -> Response:
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return not_found(request)
    return render(request, "rules.html", **rules_view(scope, None, app_id))


async def why(request: Request) -> Response:
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return not_found(request)
    name = request.path_params.get("name")
    try:
        trace = scope.engine.why(app_id, name, scope.now)
    except InputError as err:
        return render(request, "error.html", 404, title="Not found", message=str(err))
    return render(request, "why.html", title=f"Why: {trace.app.company}", **why_view(trace, name, scope.tz))


async def calendar(request: Request) -> Response:
    feed = config_of(request).calendar_feed
    if feed is None or not feed.is_file():
        return not_found(request)
    return Response(feed.read_bytes(), media_type="text/calendar; charset=utf-8")


async def switch(request: Request) -> Response:
    """The switcher's answer: the chosen candidate's board (or agenda, or rules, as ``to`` says)."""
    key = request.query_params.get("candidate", "")
    to = request.query_params.get("to", "")
    scope = scope_for(config_of(request), key.strip())
    return RedirectResponse(f"{scope.base}/{to}" if to in SECTIONS else scope.home, status_code=303)


#: The sections the switcher keeps when it changes candidate.
SECTIONS = frozenset({"agenda", "rules"})
#: Every page of one candidate's search: (path, endpoint, methods), served as is for the implicit
#: candidate and under ``/c/KEY`` for candidate KEY.
SCOPED = (
    ("/", board, ["GET"]),
    ("/finished", finished, ["GET"]),
    ("/applications/{app_id}", application, ["GET"]),
    ("/applications", add, ["POST"]),
    ("/applications/{app_id}/events", record, ["POST"]),
    ("/applications/{app_id}/undo", undo, ["POST"]),
    ("/applications/{app_id}/facts", edit, ["POST"]),
    ("/applications/{app_id}/rules", app_rules, ["GET"]),
    ("/applications/{app_id}/why", why, ["GET"]),
    ("/applications/{app_id}/why/{name}", why, ["GET"]),
    ("/applications/{app_id}/rules/diagram.svg", app_diagram, ["GET"]),
    ("/agenda", agenda, ["GET"]),
    ("/rules", rules_index, ["GET"]),
    ("/rules/{name}", rules, ["GET"]),
    ("/rules/{name}/diagram.svg", diagram, ["GET"]),
)

ROUTES = [
    *scoped_routes(SCOPED, "", "/c/{candidate}"),
    Route("/switch", switch),
    Route("/calendar.ics", calendar),
]
