"""The board's inbox: the proposals `tactful sync` made for the page's candidate, each with its
evidence and an accept and a reject button (forms posted back with the CSRF token, as the
board's other forms are). Accepting records through the engine exactly as `tactful inbox
accept` does; a proposal of another candidate answers as an unknown one."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import Refused, TactfulError
from .forms import refused_form
from .rendering import render
from .scope import scope_of, scoped_routes

#: What an employer's answer may be accepted as, with the words the form shows.
OUTCOME_CHOICES = (("offer", "an offer"), ("rejected", "a rejection"), ("decision_by", "a new decision date"))


def _proposal_id(request: Request) -> int:
    text = request.path_params["proposal_id"]
    return int(text) if text.isdigit() and len(text) <= 18 else 0


async def inbox(request: Request, error: str | None = None, status: int = 200) -> Response:
    from ..capture.inbox import document
    from ..capture.sync import proposals_of

    scope = scope_of(request)
    try:
        open_ones = proposals_of(scope.engine).listed(scope.candidate.key)
    except TactfulError as err:  # a store that keeps no proposals
        return render(request, "inbox.html", title="Inbox", proposals=[], error=str(err), outcomes=OUTCOME_CHOICES)
    companies = {a.id: a.company for a in scope.engine.stored()}
    docs = [document(p, companies.get(p.application or 0)) for p in open_ones]
    return render(request, "inbox.html", status, title="Inbox", proposals=docs, error=error,
                  outcomes=OUTCOME_CHOICES)  # fmt: skip


async def _decide(request: Request, decide: Any) -> Response:
    """Apply ``decide`` to the path's proposal for the page's candidate, then back to the inbox;
    the inbox with the reason (and the proposal still open) when it fails."""
    form = await request.form()
    if (refused := refused_form(request, form)) is not None:
        return refused
    try:
        decide(scope_of(request).engine, _proposal_id(request), form)
    except Refused as err:  # the etiquette says no: the proposal stays open
        return await inbox(request, error=err.reason, status=409)
    except TactfulError as err:
        return await inbox(request, error=str(err), status=422)
    return RedirectResponse(f"{scope_of(request).base}/inbox", status_code=303)


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


async def accept(request: Request) -> Response:
    from ..capture.inbox import accept as record

    def decide(engine: Any, number: int, form: Any) -> None:
        outcome, day = _text(form, "as"), _text(form, "decision_by")  # one date field: an offer's is its deadline
        given = {"deadline" if outcome == "offer" else "decision_by": day} if day else {}
        record(engine, number, outcome, **given)

    return await _decide(request, decide)


async def reject(request: Request) -> Response:
    from ..capture.inbox import reject as drop

    return await _decide(request, lambda engine, number, form: drop(engine, number))


SCOPED = (
    ("/inbox", inbox, ["GET"]),
    ("/inbox/{proposal_id}/accept", accept, ["POST"]),
    ("/inbox/{proposal_id}/reject", reject, ["POST"]),
)
ROUTES = scoped_routes(SCOPED, "", "/c/{candidate}")
