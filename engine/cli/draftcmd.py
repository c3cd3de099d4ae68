"""`tactful draft ID [ACTION]`: the message to send, or the script to say, for what is due."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .complete import NamesHelp, complete_actions, complete_ids
from .context import Context, common, json_flag
from .types import ID

if TYPE_CHECKING:
    from ..vocabulary.records import Draft


def draft_doc(draft: Draft) -> dict[str, Any]:
    return {"id": draft.id, "action": draft.action, "subject": draft.subject, "body": draft.body,
            "channel": draft.channel}  # fmt: skip


def draft_text(draft: Draft) -> str:
    """A draft for people: what it is for, then the subject (if any) and the body."""
    how = f" ({draft.channel})" if draft.channel else ""
    head = [f"#{draft.id} {draft.action}{how}", ""]
    if draft.subject:
        head += [f"Subject: {draft.subject}", ""]
    return "\n".join([*head, draft.body])


@click.command(cls=NamesHelp, names=(("Actions", "actions"),))
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.argument("action", required=False, shell_complete=complete_actions)
@json_flag
@common
def draft(ctx: Context, app_id: int, action: str | None) -> None:
    """The message to send, or a call's script.

    For what is due, or for ACTION: what to write, or what to say on a call.

    Without ACTION: the first advised action that contacts someone and has a template.
    decide_offer gives two drafts, accept_offer and decline_offer (--json: a list).
    Exit 1 when there is nothing to draft; 2 for an unknown id or action.

    \b
    tactful draft 1
    tactful draft 1 call_again --json
    """
    from ..errors import Refused

    if action is not None:
        _refuse_when_decided(ctx, app_id, action.replace("-", "_"))
    try:
        drafts = ctx.engine().drafts(app_id, action)
    except Refused as refusal:  # the way on is the command line's: said here, not by the engine
        if action is not None or not refusal.reason.startswith("nothing to draft"):
            raise
        raise Refused(f"{refusal.reason}; name an action to draft it anyway", refusal.rule) from None
    docs = [draft_doc(d) for d in drafts]
    ctx.emit(docs[0] if len(docs) == 1 else docs, lambda: "\n\n".join(draft_text(d) for d in drafts))


def _refuse_when_decided(ctx: Context, app_id: int, name: str) -> None:
    """Refuse to draft an action named explicitly for an application whose outcome is decided
    (a final state, or ``decided`` where the rule set defines it: rejected, an offer) when
    its rules advise that action no more: no withdrawal after a rejection, no inquiry call
    after the job went to someone else. What is still advised (the thank-you letter after a
    rejection) is drafted, and so is anything for an application still in the running.

    Raises:
        Refused: naming the state and the drafts that are still advised.
    """
    from ..errors import Refused
    from ..language.namespace import Namespace
    from ..runtime.core import substitute

    engine, now = ctx.engine(), ctx.now()
    app = engine.get(app_id, now)
    rs = engine.rules_for(app)
    advised = [item.action for item in engine.advise(app_id, now)]
    ns = Namespace(rs, app, now, portfolio=engine.portfolio(app))
    if name not in rs.actions or name in advised or substitute(rs, name, ns) in advised:
        return  # still advised, or done in its place by what is (decide_offer: the decline)
    decided = rs.states[app.state].final or ("decided" in rs.derived and bool(ns["decided"]))
    if not decided:
        return
    left = [action for action in advised if action in rs.templates]
    still = f"drafts still advised for it: {', '.join(left)}" if left else "nothing is left to draft for it"
    raise Refused(f"#{app.id} {app.company} is {app.state.replace('_', ' ')}, and its rules no longer advise "
                  f"'{name}'; {still}")  # fmt: skip
