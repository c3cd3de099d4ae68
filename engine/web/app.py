"""The web app: pages, the JSON API and the vendored assets, behind the ``Host`` check.

Build it with :func:`create_app` from a :class:`~tactful.web.config.WebConfig`; `tactful serve`
runs it with uvicorn, the tests with Starlette's TestClient.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from . import api, inboxpage, insights, pages, rendering
from .config import WebConfig
from .scope import UnknownCandidate
from .security import BodyLimit, HostGuard

STATIC = Path(__file__).parent / "static"


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no such page, wrong method), in a few fixed words."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404 and not request.url.path.startswith("/api/"):
        return rendering.not_found(request)
    words = {404: "Not found", 405: "Method not allowed"}.get(status, "Bad request")
    return PlainTextResponse(f"{words}\n", status_code=status)


async def _no_candidate(request: Request, exc: Exception) -> Response:
    """A path naming a candidate the store does not have: 404, as for an unknown application."""
    message = exc.message if isinstance(exc, UnknownCandidate) else "no such candidate"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=404)
    return rendering.unknown_candidate(request, message)


async def _crash(request: Request, exc: Exception) -> Response:
    """An internal error: logged, and one line for the browser; never a traceback."""
    from ..vocabulary.log import logger

    logger().error("web request failed", path=request.url.path, error=type(exc).__name__)
    return PlainTextResponse("Internal error: tactful could not answer; see its log.\n", status_code=500)


def create_app(config: WebConfig) -> Starlette:
    """The ASGI app for ``config``."""
    app = Starlette(
        routes=[
            *pages.ROUTES,
            *inboxpage.ROUTES,
            *insights.ROUTES,
            *api.ROUTES,
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],  # fmt: skip
        middleware=[Middleware(HostGuard, config=config), Middleware(BodyLimit)],
        exception_handlers={HTTPException: _http_error, UnknownCandidate: _no_candidate, Exception: _crash},
    )
    app.state.config = config
    return app
