"""The JSON API: the CLI's ``--json`` documents over HTTP, built by the same functions
(:mod:`tactful.views.documents`). Writes need the bearer token and no foreign ``Origin``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import InputError, Refused, TactfulError
from ..views.documents import AGENDA_DAYS, MAX_AGENDA_DAYS, agenda_doc, list_doc, show_doc, verdict_doc
from .config import WebConfig
from .security import bearer_ok, foreign_origin

#: What a recorded event may carry besides its name: `record`'s options.
EVENT_FIELDS = frozenset({"event", "at", "outcome", "callback_at", "deadline", "decision_by", "text"})


def config_of(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.config
    return config


def app_id_of(request: Request) -> int:
    """The path's application id; an id that is no number is an unknown one."""
    text = request.path_params["app_id"]
    return int(text) if text.isdigit() and int(text) > 0 else 0


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _known(config: WebConfig, app_id: int) -> bool:
    return app_id > 0 and config.engine().store.get(app_id) is not None


def _missing(request: Request) -> JSONResponse:
    return _error(404, f"no application with id {request.path_params['app_id']!r}")


async def applications(request: Request) -> Response:
    """`list --json`."""
    config = config_of(request)
    engine, now = config.engine(), config.now()
    return JSONResponse(list_doc(engine, list(engine.overview(now)), now))


async def application(request: Request) -> Response:
    """`show ID --json`."""
    config, app_id = config_of(request), app_id_of(request)
    if not _known(config, app_id):
        return _missing(request)
    return JSONResponse(show_doc(config.engine(), app_id, config.now()))


async def agenda(request: Request) -> Response:
    """`agenda --json` (``?days=N`` is `--days N`: everything overdue and the next N days, 14
    unless given)."""
    config = config_of(request)
    text = request.query_params.get("days", str(AGENDA_DAYS))
    if not text.isdigit() or int(text) > MAX_AGENDA_DAYS:
        return _error(422, f"days={text[:20]!r} is not a number of days from 0 to {MAX_AGENDA_DAYS}")
    engine, now = config.engine(), config.now()
    return JSONResponse(agenda_doc(engine.agenda(now, until=now + timedelta(days=int(text))), now))


async def can(request: Request) -> Response:
    """`can ID CHANNEL --json`: 200 whatever the answer, which is in ``allowed``."""
    config, app_id = config_of(request), app_id_of(request)
    if not _known(config, app_id):
        return _missing(request)
    try:
        verdict = config.engine().check(app_id, request.path_params["channel"], config.now())
    except InputError as err:
        return _error(422, str(err))
    return JSONResponse(verdict_doc(verdict))


async def record(request: Request) -> Response:
    """`record ID EVENT --json`: 200 with the application, 409 refused, 422 bad input; 401
    without the token, 403 from a foreign page."""
    config = config_of(request)
    if foreign_origin(request.headers, config):
        return _error(403, "writes are accepted only from tactful's own pages")
    if not bearer_ok(request.headers, config):
        return _error(401, "a write needs 'Authorization: Bearer TOKEN' (the token 'tactful serve' printed)")
    try:
        fields = _event_fields(await request.body())
        done = record_event(config, app_id_of(request), fields)
    except Refused as refusal:
        return _error(409, refusal.reason)
    except TactfulError as err:
        return _error(422, str(err))
    headers = {"X-Tactful-Warnings": json.dumps(list(done))} if done else None
    return JSONResponse(show_doc(config.engine(), app_id_of(request), config.now()), headers=headers)


def _event_fields(body: bytes) -> dict[str, str]:
    """The request's JSON object of `record`'s options, checked.

    Raises:
        InputError: for a body that is not such an object.
    """
    try:
        doc: Any = json.loads(body or b"null")
    except ValueError:
        raise InputError('the body must be a JSON object like {"event": "thank_you_sent"}') from None
    if not isinstance(doc, dict) or not isinstance(doc.get("event"), str):
        raise InputError('the body must be a JSON object with an "event" name, like {"event": "called"}')
    unknown = sorted(set(doc) - EVENT_FIELDS)
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; the fields are {', '.join(sorted(EVENT_FIELDS))}")
    if not all(isinstance(v, str) or v is None for v in doc.values()):
        raise InputError("every field's value must be a string (times and dates in ISO 8601)")
    return {k: v for k, v in doc.items() if v}


def record_event(config: WebConfig, app_id: int, fields: dict[str, str]) -> tuple[str, ...]:
    """Record the event ``fields`` name, as `record` does; returns its warnings.

    Raises:
        InputError, Refused: as `record`.
    """
    from ..vocabulary.timecalc import read_moment

    params = dict(fields)
    event = params.pop("event")
    at = params.pop("at", None)
    moment = read_moment(at, "at", config.tz) if at else None
    if app_id < 1:
        raise InputError("that is not an application id; the board lists them")
    return config.engine().record(app_id, event, at=moment, **params).warnings


ROUTES = [
    Route("/api/applications", applications),
    Route("/api/applications/{app_id}", application),
    Route("/api/agenda", agenda),
    Route("/api/applications/{app_id}/can/{channel}", can),
    Route("/api/applications/{app_id}/events", record, methods=["POST"]),
]
