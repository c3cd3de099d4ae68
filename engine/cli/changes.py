"""Commands that change an application: `record` what happened, `edit` its facts, `undo` the
last change, `remove` it. Loaded when one of them runs (see ``LAZY_COMMANDS`` in main)."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..errors import InputError, Refused
from .complete import NamesHelp, complete_events, complete_ids
from .context import Context, common, json_flag, parse_moment, warn
from .main import fact_options, print_app
from .types import DATE, DATETIME, DAY, ID


@click.command(cls=NamesHelp, names=(("Events", "events"),))
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.argument("event", shell_complete=complete_events)
@click.option("--at", type=DATETIME, help="When it happened (default: now).")
@click.option("--outcome", metavar="OUTCOME",
              help="How a call went: no_answer, voicemail, noncommittal, callback_requested.")  # fmt: skip
@click.option("--callback-at", type=DATETIME,
              help="When the employer asked you to call back (their time zone unless given).")  # fmt: skip
@click.option("--deadline", type=DATE, help="An offer's deadline (YYYY-MM-DD).")
@click.option("--decision-by", type=DATE, help="A new decision date the interviewer gave (YYYY-MM-DD).")
@click.option("--text", metavar="NEWS", help="The news, for 'news'.")
@json_flag
@common
def record(ctx: Context, app_id: int, event: str, at: str | None, **params: Any) -> None:
    """Record what happened (an EVENT), now or --at when it did.

    Each advised action names the event that records it ('show': "done: record EVENT"; JSON:
    "record"). An event on a channel 'tactful can' says no to is recorded with a warning.

    \b
    tactful record 1 thank_you_sent
    tactful record 1 called --outcome noncommittal --at 2026-05-21T10:30
    tactful record 1 news --text "Northwind opened an office in Lyon"
    """
    engine, number = ctx.engine(), app_id
    moment = parse_moment(at, "--at", ctx.zone()) if at else None
    try:
        done = engine.record(number, event, at=moment, **params)
    except Refused as refusal:
        if moment is None:
            _suggest_at(ctx, number, event.replace("-", "_"), params, refusal)
        raise
    for message in done.warnings:
        warn(message)
    print_app(ctx, done.app.id or 0, headline=f"Recorded {event.replace('-', '_')}.")


def _suggest_at(ctx: Context, number: int, event: str, params: dict[str, Any], refusal: Refused) -> None:
    """Refuse again with a hint when ``event`` would have been accepted at an earlier moment:
    a late thank-you is recorded with ``--at``, the moment it was sent."""
    from ..runtime.hindsight import accepted_earlier

    engine = ctx.engine()
    stored = engine.load(number)
    try:
        when = accepted_earlier(engine.rules_for(stored), stored, event, params, engine.now(), engine.portfolio(stored))
    except (ValueError, OverflowError):  # the hint is a courtesy: the refusal stands without it
        return
    if when is None:
        return
    text = when.astimezone(ctx.zone()).strftime("%Y-%m-%dT%H:%M")  # read back in the same zone
    raise Refused(f"{refusal.reason}; if it happened in time, say when: "
                  f"'tactful record {number} {event} --at {text}'", refusal.rule) from None  # fmt: skip


@click.command()
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.option("--company", metavar="NAME", help="The company's name.")
@click.option("--interviewed", type=DAY, help="The interview date: YYYY-MM-DD, today or yesterday.")
@fact_options
@json_flag
@common
def edit(ctx: Context, app_id: int, **facts: Any) -> None:
    """Correct an application's facts; the due dates follow.

    \b
    tactful edit 1 --decision-by 2026-05-20
    tactful edit 1 --interviewed yesterday --timezone Europe/Paris
    """
    facts["interviewed"] = ctx.day(facts["interviewed"])
    app = ctx.engine().edit(app_id, **facts)
    print_app(ctx, app.id or 0, headline="Updated.")


@click.command()
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@json_flag
@common
def undo(ctx: Context, app_id: int) -> None:
    """Take back the last recorded event (or edit).

    \b
    tactful undo 1
    """
    app = ctx.engine().undo(app_id)
    print_app(ctx, app.id or 0, headline="Undone.")


@click.command()
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.option("--yes", is_flag=True, help="Do not ask.")
@json_flag
@common
def remove(ctx: Context, app_id: int, yes: bool) -> None:
    """Delete an application and its history.

    Asks first, unless --yes.

    \b
    tactful remove 1
    tactful remove 1 --yes
    """
    from .output import app_doc

    engine, number = ctx.engine(), app_id
    app = engine.get(number, ctx.now())
    doc = app_doc(engine, app, ctx.now(), engine.advise(number, ctx.now()))
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("removing needs confirmation; pass --yes to remove without asking")
        click.confirm(f"Remove #{app.id} {app.company} and its history?", abort=True, err=True)
    engine.remove(number)
    ctx.emit(doc, lambda: f"Removed #{app.id} {app.company}.")
