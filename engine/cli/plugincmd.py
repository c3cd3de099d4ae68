"""`tactful plugins` and `tactful outbox`: what is loaded, and what waits for delivery."""

from __future__ import annotations

import click

from ..errors import InputError
from .context import Context, common, fail, json_flag


@click.command()
@json_flag
@common
def plugins(ctx: Context) -> None:
    """The plugins loaded and the built-in adapters, with where they come from.

    A plugin that is installed but not configured is listed as such, with the reason; when its
    section in config.yaml has mistakes, each is also a located line on stderr, and the exit is 2.
    """
    from ..errors import RuleErrors
    from ..hooks.pluginmanager import describe
    from .output import table

    pm = ctx.plugins()
    infos = describe(pm, ctx.config)
    docs = [{"name": i.name, "source": i.source, "status": i.status, "hooks": list(i.hooks)} for i in infos]
    rows = [(i.name, i.status, i.source, ", ".join(h.removeprefix("tactful_") for h in i.hooks)) for i in infos]
    ctx.emit(docs, lambda: table(("name", "status", "from", "hooks"), rows))
    mistakes = [error for aside in pm.unconfigured.values() for error in aside.errors]
    if mistakes:
        fail(RuleErrors(mistakes))


@click.group(invoke_without_command=True)
@json_flag
@common
def outbox(ctx: Context) -> None:
    """Deliveries waiting or failed, with their last error. 'outbox retry' tries again."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    from .output import iso, table

    items = ctx.engine().store.outbox.listing(("pending", "failed"))
    docs = [{"id": d.id, "plugin": d.plugin, "key": d.key, "status": d.status, "attempts": d.attempts,
             "next_attempt": iso(d.next_attempt), "last_error": d.last_error, "kind": d.notice.kind,
             "app_id": d.notice.app_id, "company": d.notice.company} for d in items]  # fmt: skip
    rows = [(d.id, d.plugin, d.status, d.attempts, d.notice.company, d.notice.action or d.notice.target,
             d.last_error or "") for d in items]  # fmt: skip
    ctx.emit(docs, lambda: table(("id", "plugin", "status", "tries", "company", "about", "last error"), rows)
             if rows else "The outbox is empty: everything was delivered.")  # fmt: skip


@outbox.command()
@click.argument("ids", nargs=-1, type=int)
@json_flag
@common
def retry(ctx: Context, ids: tuple[int, ...]) -> None:
    """Try every undelivered delivery (or the ones given) again, now, failed ones included."""
    outbox = ctx.engine().store.outbox
    known = {d.id for d in outbox.listing(("pending", "failed", "delivered"))}
    unknown = [str(i) for i in ids if i not in known]
    if unknown:
        raise InputError(f"no delivery with id {', '.join(unknown)}; 'tactful outbox' lists the undelivered ones")
    count = outbox.retry(ctx.now(), ids)
    report = ctx.deliver()
    doc = {"retried": count, "delivered": len(report.delivered), "failed": len(report.failed)}
    ctx.emit(doc, lambda: f"Retried {count}: {len(report.delivered)} delivered, {len(report.failed)} failed.")
