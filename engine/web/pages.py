"""The pages: the board, an application, the agenda and the rules, rendered on the server from
Jinja2 templates with autoescaping. Forms post back here with the CSRF token.

The implicit candidate's pages are at ``/``, ``/applications/ID``…; candidate KEY's at
``/c/KEY``, ``/c/KEY/applications/ID``…, and every link and form on them keeps the prefix. When
the store holds other candidates than the implicit one, every page has a switcher: a form that
GETs ``/switch``, which sends the browser to the chosen candidate's pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import InputError, Refused, TactfulError
from ..views.documents import AGENDA_DAYS
from ..vocabulary.records import MAX_ID, Application
from ..vocabulary.text import quoted
from .api import EVENT_FIELDS, known, record_event
from .board import columns, finished_page, unfinished, when
from .scope import (
    SWITCHER_LIMIT,
    Scope,
    app_id_of,
    config_of,
    implicit_scope,
    scope_for,
    scope_of,
    scoped_routes,
    switcher,
)
from .security import csrf_ok, foreign_origin
from .views import application_view, rules_view
from .whypage import why_view

_templates = Environment(loader=PackageLoader("tactful.web", "templates"), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
#: The facts the edit form offers, with their labels, in `add`'s order.
FACT_FIELDS = (("company", "Company"), ("role", "Role"), ("interviewed", "Interview date (YYYY-MM-DD)"),
               ("interviewer", "Interviewer"), ("email", "Interviewer's email"), ("phone", "Interviewer's phone"),
               ("timezone", "Interviewer's time zone (IANA)"), ("decision_by", "Decision by (YYYY-MM-DD)"),
               ("rank", "Rank (1 = first choice)"))  # fmt: skip
FLAG_FIELDS = (("no_calls", "Asked not to be called"), ("email_invited", "Invited email"))


def render(request: Request, name: str, status: int = 200, scope: Scope | None = None, **context: Any) -> HTMLResponse:
    """The page ``name`` for the request's candidate (``scope``, else the one its path names)."""
    config = config_of(request)
    scope = scope or scope_of(request)
    page = _templates.get_template(name).render(
        csrf=config.csrf, path=request.url.path, **_candidate_context(scope), **context
    )
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def _candidate_context(scope: Scope) -> dict[str, Any]:
    """What every page shows of its candidate: the paths' prefix, who they are, the switcher."""
    who = (scope.candidate.name or scope.candidate.key) if scope.candidate.key else ""
    return {"base": scope.base, "home": scope.home, "candidate": scope.candidate.key, "who": who,
            "zone": scope.candidate.zone, "switcher": switcher(scope.engine),
            "switcher_limit": SWITCHER_LIMIT}  # fmt: skip


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "same-origin",
}


async def board(request: Request) -> Response:
    """The candidate's applications not finished, a card each, and how many are finished."""
    scope = scope_of(request)
    engine, now = scope.engine, scope.now
    apps, finished = unfinished(engine, scope.candidate.key)
    cols = columns(engine.overview(now, apps=apps), engine.rules_for, now, scope.tz)
    return render(request, "board.html", title="Board", columns=cols, now=when(now, scope.tz), finished=finished)


async def finished(request: Request) -> Response:
    """The candidate's finished applications, a page at a time (``?after=ID``)."""
    scope = scope_of(request)
    after = request.query_params.get("after", "0")
    if not (after.isascii() and after.isdigit() and len(after) <= 19 and int(after) <= MAX_ID):
        return render(request, "error.html", 400, title="Bad request",
                      message=f"after= takes an application id (0 to {MAX_ID:,}), not {quoted(after)}")  # fmt: skip
    apps, more = finished_page(scope.engine, scope.candidate.key, int(after))
    return render(request, "finished.html", title="Finished", apps=apps, more=more)


async def application(request: Request, error: str | None = None, status: int = 200) -> Response:
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return not_found(request)
    view = application_view(scope, app_id)
    return render(request, "application.html", status, title=view["app"].company, error=error,
                  fact_fields=FACT_FIELDS, flag_fields=FLAG_FIELDS, **view)  # fmt: skip


def _form_refused(request: Request, form: Any) -> Response | None:
    """A 403 page for a form posted without our token or from another site."""
    config = config_of(request)
    if foreign_origin(request.headers, config) or not csrf_ok(form.get("csrf"), config):
        return render(
            request,
            "error.html",
            403,
            title="Refused",
            message="This form did not come from tactful's own page; reload the page and try again.",
        )
    return None


def _back(form: Any, default: str) -> str:
    """Where to go after a form: a path of this site, never another site."""
    target = form.get("next")
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


async def _write(request: Request, change: Callable[[Any, int], None], done: str | None = None) -> Response:
    """Apply a form's ``change`` to the application of the path, then go back (``done``, or the
    form's ``next``, or the application's page); the page with the reason when it fails."""
    form = await request.form()
    refused = _form_refused(request, form)
    if refused is not None:
        return refused
    app_id = app_id_of(request)
    try:
        change(form, app_id)
    except TactfulError as err:
        return await application(request, error=getattr(err, "reason", str(err)),
                                 status=409 if isinstance(err, Refused) else 422)  # fmt: skip
    return RedirectResponse(done or _back(form, f"{scope_of(request).base}/applications/{app_id}"), status_code=303)


async def record(request: Request) -> Response:
    def change(form: Any, app_id: int) -> None:
        # only an event's own fields: a field named after a parameter of record (self, app_id) is no option
        fields = {k: v for k, v in form.items() if isinstance(v, str) and v.strip() and k in EVENT_FIELDS}
        if "event" not in fields:
            raise InputError("choose what happened (an event) before recording it")
        record_event(scope_of(request), app_id, fields)

    return await _write(request, change)


async def edit(request: Request) -> Response:
    def change(form: Any, app_id: int) -> None:
        engine = scope_of(request).engine
        facts = _changed_facts(engine.load(app_id), form)
        if facts:
            engine.edit(app_id, **facts)

    return await _write(request, change, done=f"{scope_of(request).base}/applications/{app_id_of(request)}")


def _changed_facts(app: Application, form: Any) -> dict[str, Any]:
    """The facts the edit form changes: a field left as it was, or emptied, changes nothing."""
    current = {"company": app.company, **app.facts}
    facts: dict[str, Any] = {}
    for name, _ in FACT_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip() and value.strip() != str(current.get(name) or ""):
            facts[name] = value.strip()
    for name, _ in FLAG_FIELDS:
        if form.get(name) in ("yes", "no") and (form.get(name) == "yes") != bool(current.get(name)):
            facts[name] = form.get(name) == "yes"
    return facts


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


def not_found(request: Request) -> HTMLResponse:
    return render(request, "error.html", 404, title="Not found",
                  message="There is nothing here. The board lists every application.")  # fmt: skip


def unknown_candidate(request: Request, message: str) -> HTMLResponse:
    """The page for a path naming a candidate the store does not have."""
    return render(request, "error.html", 404, scope=implicit_scope(request), title="Not found",
                  message=f"There is {message} here.")  # fmt: skip


#: The sections the switcher keeps when it changes candidate.
SECTIONS = frozenset({"agenda", "rules"})
#: Every page of one candidate's search: (path, endpoint, methods), served as is for the implicit
#: candidate and under ``/c/KEY`` for candidate KEY.
SCOPED = (
    ("/", board, ["GET"]),
    ("/finished", finished, ["GET"]),
    ("/applications/{app_id}", application, ["GET"]),
    ("/applications/{app_id}/events", record, ["POST"]),
    ("/applications/{app_id}/facts", edit, ["POST"]),
    ("/applications/{app_id}/rules", app_rules, ["GET"]),
    ("/applications/{app_id}/why", why, ["GET"]),
    ("/applications/{app_id}/why/{name}", why, ["GET"]),
    ("/agenda", agenda, ["GET"]),
    ("/rules", rules_index, ["GET"]),
    ("/rules/{name}", rules, ["GET"]),
)

ROUTES = [
    *scoped_routes(SCOPED, "", "/c/{candidate}"),
    Route("/switch", switch),
    Route("/calendar.ics", calendar),
]
