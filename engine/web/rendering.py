"""Pages rendered on the server from Jinja2 templates with autoescaping, for the request's
candidate, with the security headers every page carries."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .scope import SWITCHER_LIMIT, Scope, config_of, implicit_scope, scope_of, switcher

_templates = Environment(loader=PackageLoader("tactful.web", "templates"), autoescape=True,
                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip


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
            "zone": scope.candidate.zone, "tz_name": getattr(scope.tz, "key", None) or str(scope.tz),
            "switcher": switcher(scope.engine), "switcher_limit": SWITCHER_LIMIT}  # fmt: skip


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "same-origin",
}


def not_found(request: Request) -> HTMLResponse:
    return render(request, "error.html", 404, title="Not found",
                  message="There is nothing here. The board lists every application.")  # fmt: skip


def unknown_candidate(request: Request, message: str) -> HTMLResponse:
    """The page for a path naming a candidate the store does not have."""
    return render(request, "error.html", 404, scope=implicit_scope(request), title="Not found",
                  message=f"There is {message} here.")  # fmt: skip
