"""`tactful plugins` and `tactful outbox`: what is loaded, and what waits for delivery."""

from __future__ import annotations

from typing import Any

import click

from ..errors import InputError
from .context import Context, common, fail, json_flag, warn
from .types import MAX_ID, Count

DELIVERY_ID = Count(max=MAX_ID, meaning="a delivery id", hint="'tactful outbox --all' lists them")


@click.group(invoke_without_command=True)
@json_flag
@common
def plugins(ctx: Context) -> None:
    """The plugins and their state; 'plugins test' sends a sample.

    Each with where it comes from.

    A plugin that is installed but not configured is listed as such, with the reason, and
    warned about once here (tick stays quiet about it); when its section in config.yaml has
    mistakes, each is also a located line on stderr, and the exit is 2.

    \b
    tactful plugins
    tactful plugins --json
    tactful plugins test email
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    from ..errors import RuleErrors
    from ..hooks.pluginmanager import describe
    from .output import table

    pm = ctx.plugins()
    for name, aside in sorted(pm.unconfigured.items()):
        if not aside.errors:  # a section with mistakes says so in located lines below
            warn(f"plugin '{name}' is installed but not configured ({aside.reason}); it gets no notices until it is")
    infos = describe(pm, ctx.config)
    docs = [{"name": i.name, "source": i.source, "status": i.status, "hooks": list(i.hooks)} for i in infos]
    rows = [(i.name, i.status, i.source, ", ".join(h.removeprefix("tactful_") for h in i.hooks)) for i in infos]
    ctx.emit(docs, lambda: table(("name", "status", "from", "hooks"), rows))
    mistakes = [error for aside in pm.unconfigured.values() for error in aside.errors]
    if mistakes:
        fail(RuleErrors(mistakes))


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="The last deliveries, delivered ones included.")
@click.option("--limit", type=Count(), default=20, show_default=True, metavar="N",
              help="With --all: how many of the last deliveries.")  # fmt: skip
@json_flag
@common
def outbox(ctx: Context, show_all: bool, limit: int) -> None:
    """Deliveries waiting or failed: next attempt, last error. 'outbox retry' tries again.

    The home's whole outbox, or with --candidate only that candidate's notices.

    \b
    tactful outbox
    tactful outbox --all --limit 50
    tactful outbox retry 3
    """
    if click.get_current_context().invoked_subcommand is not None:
        return
    from .output import iso, local, table

    items = _listing(ctx, ("pending", "failed", "delivered") if show_all else ("pending", "failed"))
    items = items[-limit:] if show_all else items
    docs = [{"id": d.id, "plugin": d.plugin, "key": d.key, "status": d.status, "attempts": d.attempts,
             "next_attempt": iso(d.next_attempt), "last_error": d.last_error, "kind": d.notice.kind,
             "app_id": d.notice.app_id, "company": d.notice.company, "delivered_at": iso(d.delivered_at)}
            for d in items]  # fmt: skip
    tz = ctx.zone()
    rows = [(d.id, d.plugin, d.status, d.attempts, local(d.delivered_at or d.next_attempt, tz), d.notice.company,
             d.notice.action or d.notice.target, d.last_error or "") for d in items]  # fmt: skip
    headers = ("id", "plugin", "status", "tries", "delivered / next try", "company", "about", "last error")
    empty = "Nothing was delivered yet." if show_all else "The outbox is empty: everything was delivered."
    ctx.emit(docs, lambda: table(headers, rows) if rows else empty)


def _listing(ctx: Context, statuses: tuple[str, ...]) -> list[Any]:
    """The deliveries in ``statuses``, oldest first: the home's, or with --candidate theirs only."""
    found = ctx.engine().store.outbox.listing(statuses)
    return [d for d in found if d.notice.candidate == ctx.candidate] if ctx.candidate else found


@outbox.command()
@click.argument("ids", nargs=-1, type=DELIVERY_ID, metavar="[ID]...")
@json_flag
@common
def retry(ctx: Context, ids: tuple[int, ...]) -> None:
    """Try every undelivered delivery (or the ones given) again, now.

    Failed ones included.

    \b
    tactful outbox retry
    tactful outbox retry 3 4
    """
    known = {d.id: d.status for d in _listing(ctx, ("pending", "failed", "delivered"))}
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise InputError(f"no delivery with id {', '.join(unknown)}; 'tactful outbox' lists the undelivered ones")
    if ctx.candidate and not ids:  # theirs only: an empty list would retry every candidate's
        ids = tuple(i for i, status in known.items() if status != "delivered")
    count = ctx.engine().store.outbox.retry(ctx.now(), ids) if ids or not ctx.candidate else 0
    report = ctx.deliver()
    doc = {"retried": count, "delivered": report.delivered, "failed": len(report.failed)}
    ctx.emit(doc, lambda: f"Retried {count}: {report.delivered} delivered, {len(report.failed)} failed.")


def _add_test() -> None:
    from .plugintest import test_plugin

    plugins.add_command(test_plugin)


_add_test()
