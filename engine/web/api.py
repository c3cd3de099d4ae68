"""The JSON API: the CLI's ``--json`` documents over HTTP, built by the same functions
(:mod:`tactful.views.documents`), for the implicit candidate at ``/api/…`` and for candidate
KEY at ``/api/candidates/KEY/…``. Writes need the bearer token and no foreign ``Origin``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import InputError, Refused, TactfulError
from ..views.documents import AGENDA_DAYS, MAX_AGENDA_DAYS, agenda_doc, list_doc, show_doc, verdict_doc
from ..vocabulary.records import Candidate
from .scope import Scope, app_id_of, config_of, scope_of, scoped_routes
from .security import bearer_ok, foreign_origin

if TYPE_CHECKING:
    from ..engine import Engine

#: What a recorded event may carry besides its name: `record`'s options.
EVENT_FIELDS = frozenset({"event", "at", "outcome", "callback_at", "deadline", "decision_by", "text"})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def known(engine: Engine, app_id: int) -> bool:
    """Whether ``app_id`` is an application of the engine's candidate (another's is unknown)."""
    try:
        engine.load(app_id)
    except InputError:
        return False
    return True


def _missing(request: Request) -> JSONResponse:
    return _error(404, f"no application with id {request.path_params['app_id']!r}")


def candidate_doc(candidate: Candidate) -> dict[str, Any]:
    """A candidate as the API shows them: never their email address or the name of their SMS
    variable (where their notices go is the platform's business, not the board's)."""
    return {"key": candidate.key, "name": candidate.name, "zone": candidate.zone}


async def candidates(request: Request) -> Response:
    """Every candidate, the implicit one (key ``""``, served at the paths without a key) first."""
    return JSONResponse([candidate_doc(c) for c in config_of(request).engine().candidates()])


async def candidate(request: Request) -> Response:
    return JSONResponse(candidate_doc(scope_of(request).candidate))


async def applications(request: Request) -> Response:
    """`list --json`."""
    scope = scope_of(request)
    return JSONResponse(list_doc(scope.engine, list(scope.engine.overview(scope.now)), scope.now))


async def application(request: Request) -> Response:
    """`show ID --json`."""
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return _missing(request)
    return JSONResponse(show_doc(scope.engine, app_id, scope.now))


async def agenda(request: Request) -> Response:
    """`agenda --json` (``?days=N`` is `--days N`: everything overdue and the next N days, 14
    unless given)."""
    scope = scope_of(request)
    text = request.query_params.get("days", str(AGENDA_DAYS))
    if not text.isdigit() or len(text) > 6 or int(text) > MAX_AGENDA_DAYS:
        return _error(422, f"days={text[:20]!r} is not a number of days from 0 to {MAX_AGENDA_DAYS}")
    now = scope.now
    return JSONResponse(agenda_doc(scope.engine.agenda(now, until=now + timedelta(days=int(text))), now))


async def can(request: Request) -> Response:
    """`can ID CHANNEL --json`: 200 whatever the answer, which is in ``allowed``."""
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return _missing(request)
    try:
        verdict = scope.engine.check(app_id, request.path_params["channel"], scope.now)
    except InputError as err:
        return _error(422, str(err))
    return JSONResponse(verdict_doc(verdict))


def _write_refused(request: Request) -> JSONResponse | None:
    """401 without the token, 403 from a foreign page; None for a write that may go on."""
    config = config_of(request)
    if foreign_origin(request.headers, config):
        return _error(403, "writes are accepted only from tactful's own pages")
    if not bearer_ok(request.headers, config):
        return _error(401, "a write needs 'Authorization: Bearer TOKEN' (the token 'tactful serve' printed)")
    return None


async def record(request: Request) -> Response:
    """`record ID EVENT --json`: 200 with the application, 409 refused, 422 bad input; 401
    without the token, 403 from a foreign page."""
    refused = _write_refused(request)
    if refused is not None:
        return refused
    config, scope = config_of(request), scope_of(request)
    try:
        fields = _event_fields(await request.body())
        done = record_event(scope, app_id_of(request), fields)
    except Refused as refusal:
        return _error(409, refusal.reason)
    except TactfulError as err:
        return _error(422, str(err))
    headers = {"X-Tactful-Warnings": json.dumps(list(done))} if done else None
    # as of after the write (the scope's moment was read before it)
    return JSONResponse(show_doc(scope.engine, app_id_of(request), config.now()), headers=headers)


async def undo(request: Request) -> Response:
    """`undo ID --json`: take back the last event or edit; 200 with the application, 404 for an
    unknown one, 422 when there is nothing to undo; 401 without the token, 403 from a foreign page."""
    refused = _write_refused(request)
    if refused is not None:
        return refused
    scope, app_id = scope_of(request), app_id_of(request)
    if not known(scope.engine, app_id):
        return _missing(request)
    try:
        scope.engine.undo(app_id)
    except TactfulError as err:
        return _error(422, str(err))
    return JSONResponse(show_doc(scope.engine, app_id, config_of(request).now()))


def _event_fields(body: bytes) -> dict[str, str]:
    """The request's JSON object of `record`'s options, checked.

    Raises:
        InputError: for a body that is not such an object.
    """
    try:
        doc: Any = json.loads(body or b"null")
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past what is read
        raise InputError('the body must be a JSON object like {"event": "thank_you_sent"}') from None
    if not isinstance(doc, dict) or not isinstance(doc.get("event"), str):
        raise InputError('the body must be a JSON object with an "event" name, like {"event": "called"}')
    unknown = sorted(set(doc) - EVENT_FIELDS)
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; the fields are {', '.join(sorted(EVENT_FIELDS))}")
    if not all(isinstance(v, str) or v is None for v in doc.values()):
        raise InputError("every field's value must be a string (times and dates in ISO 8601)")
    return {k: v for k, v in doc.items() if v}


def record_event(scope: Scope, app_id: int, fields: dict[str, str]) -> tuple[str, ...]:
    """Record the event ``fields`` name for the scope's candidate, as `record` does (a time
    without an offset is in their zone); returns its warnings.

    Raises:
        InputError, Refused: as `record`.
    """
    from ..vocabulary.timecalc import read_moment

    params = dict(fields)
    event = params.pop("event")
    at = params.pop("at", None)
    moment = read_moment(at, "at", scope.tz) if at else None
    if app_id < 1:
        raise InputError("that is not an application id; the board lists them")
    return scope.engine.record(app_id, event, at=moment, **params).warnings


#: The API of one candidate's search: (path, endpoint, methods), served at ``/api…`` for the
#: implicit candidate and at ``/api/candidates/KEY…`` for candidate KEY.
SCOPED = (
    ("/applications", applications, ["GET"]),
    ("/applications/{app_id}", application, ["GET"]),
    ("/agenda", agenda, ["GET"]),
    ("/applications/{app_id}/can/{channel}", can, ["GET"]),
    ("/applications/{app_id}/events", record, ["POST"]),
    ("/applications/{app_id}/undo", undo, ["POST"]),
)

ROUTES = [
    *scoped_routes(SCOPED, "/api", "/api/candidates/{candidate}"),
    Route("/api/candidates", candidates),
    Route("/api/candidates/{candidate}", candidate),
]
