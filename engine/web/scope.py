"""Whose search a request is about: the candidate its path names (``/c/KEY/…`` for pages,
``/api/candidates/KEY/…`` for the API), or the implicit one at the paths without a key.

Every page, form and API answer works through the engine bound to that candidate, so an id of
another candidate's application answers exactly as an unknown one, whatever is posted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from starlette.requests import Request
from starlette.routing import Route

from ..errors import InputError
from ..runtime.candidates import KEY, zone_of
from ..vocabulary.records import MAX_ID, Candidate
from .config import WebConfig

if TYPE_CHECKING:
    from ..engine import Engine

#: Up to this many candidates the switcher is a list to choose from; past it, a field for the key.
SWITCHER_LIMIT = 100


class UnknownCandidate(Exception):
    """The path names a candidate the store does not have: a 404 (JSON under ``/api/``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    @property
    def message(self) -> str:
        shown = self.key if len(self.key) <= 60 else self.key[:60] + "…"
        return f"no candidate {shown!r}"


class Scope(NamedTuple):
    """One request's candidate: their engine, the zone their times are shown in, the moment the
    request answers as of, and the prefix of their pages' paths (``""`` for the implicit one)."""

    candidate: Candidate
    engine: Engine
    tz: tzinfo
    now: datetime
    base: str

    @property
    def home(self) -> str:
        """Their board's path."""
        return self.base or "/"


def config_of(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.config
    return config


def app_id_of(request: Request) -> int:
    """The path's application id; an id that is no number is an unknown one."""
    text = request.path_params["app_id"]
    number = int(text) if text.isdigit() and len(text) <= 19 else 0
    return number if 0 < number <= MAX_ID else 0


def scope_of(request: Request) -> Scope:
    """The candidate the request's path names (the implicit one when it names none), made once
    per request.

    Raises:
        UnknownCandidate: when the store has no such candidate.
    """
    made: Scope | None = getattr(request.state, "scope", None)
    if made is None:
        made = request.state.scope = scope_for(config_of(request), request.path_params.get("candidate", ""))
    return made


def scope_for(config: WebConfig, key: str) -> Scope:
    """Candidate ``key``'s scope (``""``: the implicit candidate's).

    Raises:
        UnknownCandidate: when the store has no such candidate.
    """
    engine = config.engine()
    found = engine.store.get_candidate(key) if key == "" or KEY.fullmatch(key) else None
    if found is None:
        raise UnknownCandidate(key)
    try:
        bound = engine.candidate(key) if key else engine
    except InputError:  # removed meanwhile
        raise UnknownCandidate(key) from None
    return Scope(found, bound, zone_of(found) or config.tz, config.now(), f"/c/{key}" if key else "")


def implicit_scope(request: Request) -> Scope:
    """The implicit candidate's scope, for pages that answer a path naming no known candidate."""
    return scope_for(config_of(request), "")


def label(candidate: Candidate) -> str:
    """How the board names a candidate: their name and key, or the key alone."""
    if candidate.key == "":
        return candidate.name or "Implicit (no key)"
    if candidate.name and candidate.name != candidate.key:
        return f"{candidate.name} ({candidate.key})"
    return candidate.key


def switcher(engine: Engine) -> list[tuple[str, str]] | None:
    """(key, label) of every candidate, for the board's switcher; None when the store holds the
    implicit candidate alone (then there is nothing to switch to)."""
    found = engine.candidates()
    if len(found) < 2:
        return None
    return [(c.key, label(c)) for c in found]


#: A page or API path of one candidate's search: (path, endpoint, methods).
Scoped = tuple[str, Callable[[Request], Any], list[str]]


def scoped_routes(scoped: Iterable[Scoped], plain: str, keyed: str) -> list[Route]:
    """``scoped``'s routes at ``plain + path`` for the implicit candidate, then at ``keyed +
    path`` for the candidate the ``{candidate}`` in ``keyed`` names (a path ``/`` is the
    prefix itself)."""
    return [Route((prefix + path).rstrip("/") or "/", endpoint, methods=methods)
            for prefix in (plain, keyed) for path, endpoint, methods in scoped]  # fmt: skip
