"""The board's forms: record what happened, undo it, correct the facts, add an application.

Each form posts here with the CSRF token; a write that succeeds goes back to the page it came
from, which confirms what was written and offers to take it back (``?done=APP.ENTRY``); one that
fails shows the form again, as it was filled in, with one line written for the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..errors import InputError, Refused, TactfulError
from ..vocabulary.records import Application, LogEntry
from .api import EVENT_FIELDS, known, record_event
from .rendering import not_found, render
from .scope import Scope, app_id_of, config_of, scope_of
from .security import csrf_ok, foreign_origin
from .wording import for_page

#: The facts the edit and add forms offer: (name, label, input type), in `add`'s order.
FACT_FIELDS = (("company", "Company", "text"), ("role", "Role", "text"),
               ("interviewed", "Interview date", "date"), ("interviewer", "Interviewer", "text"),
               ("email", "Interviewer's email", "email"), ("phone", "Interviewer's phone", "tel"),
               ("timezone", "Interviewer's time zone", "zone"), ("decision_by", "Decision by", "date"),
               ("rank", "Rank (1 = first choice)", "number"))  # fmt: skip
FLAG_FIELDS = (("no_calls", "Asked not to be called"), ("email_invited", "Invited email"))


class Notice(NamedTuple):
    """What a page confirms after a write: what was done, and the entry an Undo takes back."""

    app: Application
    text: str
    entry: int | None


def refused_form(request: Request, form: Any) -> Response | None:
    """A 403 page for a form posted without our token or from another site."""
    config = config_of(request)
    if foreign_origin(request.headers, config) or not csrf_ok(form.get("csrf"), config):
        message = "This form did not come from tactful's own page; reload the page and try again."
        return render(request, "error.html", 403, title="Refused", message=message)
    return None


def back(form: Any, default: str) -> str:
    """Where to go after a form: a path of this site, never another site."""
    target = form.get("next")
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target.split("?")[0]
    return default


def _status(err: TactfulError) -> int:
    return 409 if isinstance(err, Refused) else 422


#: A page shown again after a failed form: (request, error=(title, reason), status=, form=).
Redisplay = Callable[..., Awaitable[Response]]


async def _write(request: Request, change: Callable[[Any, int], str], title: str, application: Redisplay) -> Response:
    """Apply a form's ``change`` to the application of the path (it returns the query that
    confirms it), then go back; the ``application`` page with the reason when it fails."""
    form = await request.form()
    refused = refused_form(request, form)
    if refused is not None:
        return refused
    app_id = app_id_of(request)
    if not known(scope_of(request).engine, app_id):
        return not_found(request)
    try:
        query = change(form, app_id)
    except TactfulError as err:
        return await application(request, error=(title, for_page(err)), status=_status(err), form=form)
    default = f"{scope_of(request).base}/applications/{app_id}"
    return RedirectResponse(f"{back(form, default)}?{query}", status_code=303)


def event_fields(form: Any) -> dict[str, str]:
    """The record form's fields that the chosen event takes (the page shows only those; a value
    left in another event's field is not sent on)."""
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip() and k in EVENT_FIELDS}
    if "event" not in fields:
        raise InputError("choose what happened before recording it")
    return fields


async def record(request: Request, application: Redisplay) -> Response:
    def change(form: Any, app_id: int) -> str:
        scope = scope_of(request)
        fields = event_fields(form)
        spec = scope.engine.rules_for(scope.engine.load(app_id)).events.get(fields["event"])
        takes = set(spec.params) if spec else set()
        record_event(scope, app_id, {k: v for k, v in fields.items() if k in ("event", "at") or k in takes})
        return f"done={app_id}.{_last_entry(scope, app_id)}"

    return await _write(request, change, "Not recorded", application)


async def undo(request: Request, application: Redisplay) -> Response:
    def change(form: Any, app_id: int) -> str:
        scope = scope_of(request)
        undo_entry(scope, app_id, form.get("entry"))
        return f"undone={app_id}"

    return await _write(request, change, "Not undone", application)


def undo_entry(scope: Scope, app_id: int, entry: Any) -> Application:
    """Take back the entry ``entry`` names, when it is still the last that can be taken back
    (``None``: the last, as `tactful undo`).

    Raises:
        InputError: when there is nothing to take back, or something was written after it.
    """
    last = _undoable(scope, app_id)
    if last is None:
        raise InputError("there is nothing to undo here")
    if entry is not None and str(entry) != str(last.id):
        raise InputError(
            f"something else was written since ({last.name.replace('_', ' ')}); reload the page to undo that"
        )
    return scope.engine.undo(app_id)


def _undoable(scope: Scope, app_id: int) -> LogEntry | None:
    return next((e for e in reversed(scope.engine.history(app_id)) if e.before is not None), None)


def _last_entry(scope: Scope, app_id: int) -> int:
    last = _undoable(scope, app_id)
    return last.id or 0 if last else 0


async def edit(request: Request, application: Redisplay) -> Response:
    def change(form: Any, app_id: int) -> str:
        scope = scope_of(request)
        facts = changed_facts(scope.engine.load(app_id), form)
        if not facts:
            return f"unchanged={app_id}"
        scope.engine.edit(app_id, **facts)
        return f"done={app_id}.{_last_entry(scope, app_id)}"

    return await _write(request, change, "Not saved", application)


def changed_facts(app: Application, form: Any) -> dict[str, Any]:
    """The facts the edit form changes: a field left as it was, or emptied, changes nothing."""
    current = {"company": app.company, **app.facts}
    facts: dict[str, Any] = {}
    for name, _, _ in FACT_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.strip() and value.strip() != str(current.get(name) or ""):
            facts[name] = value.strip()
    for name, _ in FLAG_FIELDS:
        if form.get(name) in ("yes", "no") and (form.get(name) == "yes") != bool(current.get(name)):
            facts[name] = form.get(name) == "yes"
    return facts


async def add(request: Request, board: Redisplay) -> Response:
    """The board's "Add an application" form: the new application's page, or the ``board``
    with the form as filled in and the reason."""
    form = await request.form()
    refused = refused_form(request, form)
    if refused is not None:
        return refused
    scope = scope_of(request)
    names = {n for n, _, _ in FACT_FIELDS} | {"rules"}
    facts: dict[str, Any] = {k: v.strip() for k, v in form.items() if isinstance(v, str) and v.strip() and k in names}
    facts.update({n: True for n, _ in FLAG_FIELDS if form.get(n) == "yes"})
    try:
        company = facts.pop("company", "")
        if not company:
            raise InputError("company is needed: the employer's name")
        made = scope.engine.add(company, **facts)
    except TactfulError as err:
        return await board(request, error=("Not added", for_page(err)), status=_status(err), form=form)
    return RedirectResponse(f"{scope.base}/applications/{made.id}?added={made.id}", status_code=303)


def notice_of(scope: Scope, query: str | Mapping[str, list[str]]) -> Notice | None:
    """What the page confirms, from its query: a write (with its Undo while it is the last
    one), an undo, or a new application."""
    params = parse_qs(urlsplit("?" + query).query) if isinstance(query, str) else query
    for key in ("done", "undone", "added", "unchanged"):
        value = (params.get(key) or [""])[0]
        app_id, _, entry = value.partition(".")
        if not app_id.isdigit() or len(app_id) > 19 or not known(scope.engine, int(app_id)):
            continue
        app = scope.engine.load(int(app_id))
        if key != "done":
            return Notice(app, _SAID[key].format(company=app.company, state=app.state.replace("_", " ")), None)
        last = _undoable(scope, int(app_id))
        if last is None or str(last.id) != entry:
            return None
        return Notice(app, _done_text(app, last), last.id)
    return None


_SAID = {
    "undone": "Undone: {company} is back to {state}.",
    "added": "Added {company}; it is now {state}.",
    "unchanged": "Nothing to save: the facts of {company} are as they were.",
}


def _done_text(app: Application, entry: LogEntry) -> str:
    if entry.kind == "edit":
        return f"Saved the facts of {app.company}."
    moved = f"; now {entry.target.replace('_', ' ')}" if entry.target != entry.source else ""
    return f"Recorded for {app.company}: {entry.name.replace('_', ' ')}{moved}."
