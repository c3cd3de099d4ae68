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
    drafts = ctx.engine().drafts(app_id, action)
    docs = [draft_doc(d) for d in drafts]
    ctx.emit(docs[0] if len(docs) == 1 else docs, lambda: "\n\n".join(draft_text(d) for d in drafts))
