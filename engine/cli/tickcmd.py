"""`tactful tick`: fire due timers durably, deliver notices, say what was done."""

from __future__ import annotations

import json
import sys
from functools import partial

import click

from ..vocabulary.text import safe
from .context import Context, common, json_flag, warn
from .types import Count


@click.command()
@click.option(
    "--batch",
    type=Count(max=200_000),
    help="Applications per transaction, up to 200000 (default 2000, so that workers share them and other writers "
    "wait little).",
)
@click.option("--strict", is_flag=True, help="Exit 1 when a delivery failed (it is retried all the same).")
@json_flag
@common
def tick(ctx: Context, batch: int | None, strict: bool) -> None:
    """Fire every timer due by now, durably, and deliver notices. Safe to run often.

    Prints each change of state (--json: a list of them), then one line on stderr: timers
    fired, notices delivered and failed. --strict exits 1 when a delivery failed. It serves
    every candidate, whatever --candidate says.

    \b
    tactful tick
    tactful tick --json --strict
    """
    from ..engine import TICK_BATCH
    from ..hooks.delivery import Tally, keep_takers
    from ..stores.claims import tick_batch
    from .output import fired_doc, words
    from .workercmd import reconnecting

    engine = ctx.engine()
    pm = ctx.plugins()  # a broken config.yaml stops the tick before anything is written
    keep_takers(engine.store.outbox, pm)  # notices nobody here takes are written expanded
    count, out = 0, sys.stdout  # written as it comes, flushed when the buffer fills (not per line, as click.echo)
    if ctx.as_json:
        out.write("[")

    def fire() -> None:  # a dropped connection loses only its batch: tried again, it fires the rest
        nonlocal count
        for fired in engine.tick_each(
            batch or tick_batch(engine.store, TICK_BATCH)
        ):  # streamed: memory is bounded by the batch
            if ctx.as_json:
                out.write(("," if count else "") + "\n  " + json.dumps(fired_doc(fired), ensure_ascii=False))
            else:
                out.write(safe(f"#{fired.id} {fired.company}: {words(fired.source)} -> {words(fired.target)}") + "\n")
            count += 1

    reconnecting(fire)
    if ctx.as_json:
        out.write("\n]\n" if count else "]\n")
    out.flush()
    report = reconnecting(partial(ctx.deliver, Tally()))  # counted across tries: one cut short kept its count
    publish_schedule(ctx)
    for delivery, error in report.failed:
        warn(f"delivery to {delivery.plugin} failed ({error}); it will be retried, see 'tactful outbox'")
    click.echo(f"tactful: tick: {tick_summary(count, report.delivered, len(report.failed))}", err=True)
    if strict and report.failed:
        sys.exit(1)


def tick_summary(fired: int, delivered: int, failed: int) -> str:
    """``2 timers fired, 3 notices delivered, 1 failed``, or ``nothing was due``."""
    if not (fired or delivered or failed):
        return "nothing was due"
    timers, notices = ("timer" if fired == 1 else "timers"), ("notice" if delivered == 1 else "notices")
    return f"{fired} {timers} fired, {delivered} {notices} delivered, {failed} failed"


def publish_schedule(ctx: Context) -> None:
    """Offer the whole schedule to plugins that keep feeds (the calendar), at every tick: an
    event recorded since the last one may have moved a date even when no timer fired. The
    schedule is worked out only when such a plugin is loaded."""
    from ..vocabulary.log import logger

    hook = ctx.plugins().hook.tactful_schedule
    if not hook.get_hookimpls():
        return
    try:
        hook(schedule=ctx.schedule(), now=ctx.now(), candidates={c.key: c for c in ctx.engine().candidates()})
    except Exception as err:  # noqa: BLE001 - a feed that fails must not fail the tick
        logger().warning("schedule hook failed", error=f"{type(err).__name__}: {err}")
