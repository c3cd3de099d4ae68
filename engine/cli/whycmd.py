"""`tactful why`: what decided an application's advice, or one action's or may-I answer."""

from __future__ import annotations

import sys

import click

from .complete import complete_channels, complete_ids
from .context import Context, common, json_flag
from .types import ID


@click.command()
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.argument("name", metavar="[ACTION|CHANNEL]", required=False, shell_complete=complete_channels)
@json_flag
@common
def why(ctx: Context, app_id: int, name: str | None) -> None:
    """Why the advice is what it is, from the rules that decided it.

    The trace shows the state and its history, each rule that took part (file:line, in the
    file that set it), each guard with the facts and settings it read, each due moment as
    arithmetic, and when the answer changes next.

    An ACTION explains that advised action; a CHANNEL also explains what `tactful can ID
    CHANNEL` answers (a name that is both, such as call, explains both).

    \b
    tactful why 1
    tactful why 1 call --json
    """
    from ..views.why import trace_doc, trace_text

    trace = ctx.engine().why(app_id, name, ctx.now())
    ctx.emit(trace_doc(trace), lambda: trace_text(trace, ctx.zone()))


def can_why(ctx: Context, app_id: int, action: str) -> None:
    """`can --why`: the answer, then the trace of the evaluation that gave it."""
    from ..views.why import trace_doc, trace_text
    from .output import verdict_doc

    engine = ctx.engine()
    channel = engine.rules_for(engine.load(app_id)).channel_of(action.replace("-", "_"))
    trace = engine.why(app_id, channel or action, ctx.now())
    verdict = trace.verdict
    if verdict is None:  # an action without a channel: as `can` says of it
        verdict = engine.check(app_id, action, ctx.now())
    doc = verdict_doc(verdict)
    text = f"{'Yes' if verdict.allowed else 'No'}: {verdict.reason}. [{doc['rule']}]"
    ctx.emit({**doc, "trace": trace_doc(trace)}, lambda: f"{text}\n\n{trace_text(trace, ctx.zone())}")
    sys.exit(0 if verdict.allowed else 1)
