"""The `tactful` command: track applications, ask what to do, fire timers.

Heavy modules (the rule loader, the state machine, SQLite) are imported inside commands,
so the start-up of every command pays only for what it uses.
"""

from __future__ import annotations

import gc
import json
import sys
from importlib import import_module
from typing import Any

import click

from ..errors import InputError, TactfulError
from ..vocabulary.text import excerpt, safe
from .context import Context, common, fail, json_flag, parse_moment, user_zone, warn

FACT_OPTIONS = (
    click.option("--role", help="The position you interviewed for."),
    click.option("--interviewer", help="Who interviewed you (drafts address them by this name)."),
    click.option("--email", help="The interviewer's email address."),
    click.option("--phone", help="The interviewer's phone number."),
    click.option("--timezone", help="The interviewer's IANA time zone, e.g. Europe/Paris (default UTC)."),
    click.option("--decision-by", help="The decision date the interviewer gave (YYYY-MM-DD)."),
    click.option("--no-calls/--calls-ok", default=None, help="The interviewer asked candidates not to call."),
    click.option("--email-invited/--email-not-invited", default=None, help="The interviewer invited email."),
    click.option("--rank", help="Your preference: 1 for your first choice, 2 for the next…"),
)


def fact_options(func: Any) -> Any:
    for option in reversed(FACT_OPTIONS):
        func = option(func)
    return func


#: The largest id a store can hold (SQLite's INTEGER is 64-bit).
MAX_ID = 2**63 - 1


def parse_id(text: str) -> int:
    try:
        value = int(text) if len(text) <= 19 else 0
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise InputError(f"{excerpt(text)} is not an application id; 'tactful list' shows them")
    return value


#: Commands that a built-in plugin adds (command -> plugin), so that asking for one without
#: the plugin says how to get it rather than "no such command".
PLUGIN_COMMANDS = {"calendar": "calendar"}
#: Commands defined in their own modules (command -> module, attribute), imported only when
#: asked for, so that the common commands start without them.
LAZY_COMMANDS = {
    "demo": ("demo", "demo"),
    "draft": ("draftcmd", "draft"),
    "export": ("transfer", "export"),
    "import": ("transfer", "import_"),
    "outbox": ("plugincmd", "outbox"),
    "plan": ("plancmd", "plan"),
    "plugins": ("plugincmd", "plugins"),
    "rules": ("rulescmd", "rules"),
    "worker": ("workercmd", "worker"),
}


class _Commands(click.Group):
    """The top-level group; commands that plugins add are looked up only when needed."""

    plugins_loaded = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            module, name = LAZY_COMMANDS[cmd_name]
            command = getattr(import_module(f"{__package__}.{module}"), name)
            self.add_command(command, cmd_name)
        if command is None and not self.plugins_loaded:
            self._load_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in PLUGIN_COMMANDS:
            raise click.UsageError(_missing_plugin(cmd_name, PLUGIN_COMMANDS[cmd_name]), ctx)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def _load_plugin_commands(self) -> None:
        if self.plugins_loaded:
            return
        self.plugins_loaded = True
        import os

        ctx = Context(None, os.environ.get("TACTFUL_HOME"))
        ctx.plugins().hook.tactful_register_commands(cli=self)


def _missing_plugin(command: str, plugin: str) -> str:
    from ..hooks.pluginmanager import available

    install = "" if available(plugin) else f"pip install 'tactful[{plugin}]', then "
    return (f"'tactful {command}' comes with the {plugin} plugin: {install}add a '{plugin}:' section to "
            "config.yaml in the tactful home (TACTFUL_HOME)")  # fmt: skip


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tactful")
@click.option("--database", metavar="URL", envvar="TACTFUL_DATABASE",
              help="A PostgreSQL database (postgresql://USER@HOST:PORT/DB), not the home's SQLite file.")  # fmt: skip
@click.pass_context
def cli(click_ctx: click.Context, database: str | None) -> None:
    """Follow up after a job interview: persistent, never pushy.

    Every command answers as of --now (or TACTFUL_NOW); data lives in --home (or
    TACTFUL_HOME, else your user data folder), or in the database --database (or
    TACTFUL_DATABASE) names.
    """
    click_ctx.meta["tactful.database"] = database


@cli.command()
@click.argument("company")
@click.option("--interviewed", required=True, help="The interview date (YYYY-MM-DD).")
@fact_options
@click.option("--rules", help="A shipped rule set (default, small-company) or a rule file.")
@json_flag
@common
def add(ctx: Context, company: str, rules: str | None, **facts: Any) -> None:
    """Start tracking an application."""
    app = ctx.engine().add(company, rules=rules, **facts)
    ctx.emit({"id": app.id}, lambda: f"Added #{app.id} {app.company}. 'tactful show {app.id}' says what comes next.")


@cli.command()
@click.argument("app_id", metavar="ID")
@click.argument("event")
@click.option("--at", help="When it happened (default: now).")
@click.option("--outcome", help="How a call went: no_answer, voicemail, noncommittal, callback_requested.")
@click.option("--callback-at", help="When the employer asked you to call back (their time zone unless given).")
@click.option("--deadline", help="An offer's deadline (YYYY-MM-DD).")
@click.option("--decision-by", help="A new decision date the interviewer gave (YYYY-MM-DD).")
@click.option("--text", help="The news, for 'news'.")
@json_flag
@common
def record(ctx: Context, app_id: str, event: str, at: str | None, **params: Any) -> None:
    """Record what happened: thank_you_sent, called, note_sent, emailed, offer, rejected,
    accepted, declined, withdrawn, news."""
    engine = ctx.engine()
    moment = parse_moment(at, "--at") if at else None
    done = engine.record(parse_id(app_id), event, at=moment, **params)
    for message in done.warnings:
        warn(message)
    _print_app(ctx, done.app.id or 0, headline=f"Recorded {event.replace('-', '_')}.")


def _print_app(ctx: Context, app_id: int, headline: str = "") -> None:
    from .output import app_doc, show_text

    engine, now = ctx.engine(), ctx.now()
    app = engine.get(app_id, now)
    items = engine.advise(app_id, now)
    text = lambda: "\n".join(filter(None, [headline, show_text(engine, app, items, user_zone())]))  # noqa: E731
    ctx.emit(app_doc(engine, app, now, items) if ctx.as_json else None, text)


@cli.command()
@click.argument("app_id", metavar="ID")
@click.option("--graph", is_flag=True, help="Draw its rule set's state machine (Mermaid), its state marked.")
@json_flag
@common
def show(ctx: Context, app_id: str, graph: bool) -> None:
    """An application's facts, state, history and what comes next."""
    if graph:
        from .authoring import show_graph

        return show_graph(ctx, parse_id(app_id))
    _print_app(ctx, parse_id(app_id))


@cli.command(name="list")
@json_flag
@common
def list_(ctx: Context) -> None:
    """All applications."""
    from .output import app_doc, local, table

    engine, now = ctx.engine(), ctx.now()
    overview = list(engine.overview(now))
    docs = [app_doc(engine, app, now, items, full=False) for app, items in overview]
    tz = user_zone()
    rows = [(app.id, app.company, app.facts.get("role"), app.state, items[0].action if items else None,
             local(items[0].due if items else None, tz)) for app, items in overview]  # fmt: skip
    human = lambda: table(("id", "company", "role", "state", "next", "due"), rows) if docs else "No applications yet."  # noqa: E731
    ctx.emit(docs, human)


@cli.command()
@json_flag
@common
def agenda(ctx: Context) -> None:
    """What is due now and coming up, across applications, soonest first."""
    from .output import iso, local, table

    now = ctx.now()
    items = ctx.engine().agenda(now)
    if ctx.as_json:
        docs = [{"id": app.id, "company": app.company, "action": a.action, "due": iso(a.due), "reason": a.reason,
                 "overdue": a.due <= now} for app, a in items]  # fmt: skip
        return ctx.emit(docs, str)
    tz = user_zone()
    rows = [
        ("now" if a.due <= now else "", local(a.due, tz), app.id, app.company, a.action, a.reason) for app, a in items
    ]
    ctx.emit(None, lambda: table(("", "due", "id", "company", "action", "why"), rows) if rows else "Nothing to do.")


@cli.command()
@click.argument("app_id", metavar="ID")
@click.argument("action")
@json_flag
@common
def can(ctx: Context, app_id: str, action: str) -> None:
    """May I do this now? A channel (call, email, note, linkedin_invite, facebook_request,
    twitter_follow, accept_offer) or an action. Exit 0 yes, 1 no."""
    from .output import verdict_doc

    verdict = ctx.engine().check(parse_id(app_id), action)
    doc = verdict_doc(verdict)
    ctx.emit(doc, lambda: f"{'Yes' if verdict.allowed else 'No'}: {verdict.reason}. [{doc['rule']}]")
    sys.exit(0 if verdict.allowed else 1)


@cli.command()
@click.option("--batch", type=click.IntRange(min=1), help="Applications per transaction (default 20000).")
@json_flag
@common
def tick(ctx: Context, batch: int | None) -> None:
    """Fire every timer due by now, durably. Safe to run as often as you like."""
    from ..engine import TICK_BATCH
    from .output import fired_doc
    from .workercmd import reconnecting

    engine = ctx.engine()
    ctx.plugins()  # a broken config.yaml stops the tick before anything is written
    count = 0
    if ctx.as_json:
        click.echo("[", nl=False)

    def fire() -> None:  # a dropped connection loses only its batch: tried again, it fires the rest
        nonlocal count
        for fired in engine.tick_each(batch or TICK_BATCH):  # streamed: memory is bounded by the batch
            doc = fired_doc(fired)
            if ctx.as_json:
                click.echo(("," if count else "") + "\n  " + json.dumps(doc, ensure_ascii=False), nl=False)
            else:
                click.echo(safe(f"#{doc['id']} {doc['company']}: {doc['from']} -> {doc['to']}"))
            count += 1

    reconnecting(fire)
    if ctx.as_json:
        click.echo("\n]" if count else "]")
    elif not count:
        click.echo("Nothing was due.")
    report = reconnecting(ctx.deliver)
    _publish_schedule(ctx)
    for delivery, error in report.failed:
        warn(f"delivery to {delivery.plugin} failed ({error}); it will be retried, see 'tactful outbox'")


def _publish_schedule(ctx: Context) -> None:
    """Offer the whole schedule to plugins that keep feeds (the calendar), at every tick: an
    event recorded since the last one may have moved a date even when no timer fired. The
    schedule is worked out only when such a plugin is loaded."""
    from ..vocabulary.log import logger

    hook = ctx.plugins().hook.tactful_schedule
    if not hook.get_hookimpls():
        return
    try:
        hook(schedule=ctx.schedule(), now=ctx.now())
    except Exception as err:  # noqa: BLE001 - a feed that fails must not fail the tick
        logger().warning("schedule hook failed", error=f"{type(err).__name__}: {err}")


@cli.command()
@click.argument("app_id", metavar="ID")
@click.option("--company", help="The company's name.")
@click.option("--interviewed", help="The interview date (YYYY-MM-DD).")
@fact_options
@click.option("--rules", help="Cannot change once started; shown for symmetry with add.")
@json_flag
@common
def edit(ctx: Context, app_id: str, **facts: Any) -> None:
    """Correct an application's facts."""
    app = ctx.engine().edit(parse_id(app_id), **facts)
    _print_app(ctx, app.id or 0, headline="Updated.")


@cli.command()
@click.argument("app_id", metavar="ID")
@json_flag
@common
def undo(ctx: Context, app_id: str) -> None:
    """Take back the last recorded event (or edit)."""
    app = ctx.engine().undo(parse_id(app_id))
    _print_app(ctx, app.id or 0, headline="Undone.")


@cli.command()
@click.argument("app_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask.")
@json_flag
@common
def remove(ctx: Context, app_id: str, yes: bool) -> None:
    """Delete an application and its history (asks unless --yes)."""
    from .output import app_doc

    engine, number = ctx.engine(), parse_id(app_id)
    app = engine.get(number, ctx.now())
    doc = app_doc(engine, app, ctx.now(), engine.advise(number, ctx.now()))
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("removing needs confirmation; pass --yes to remove without asking")
        click.confirm(f"Remove #{app.id} {app.company} and its history?", abort=True, err=True)
    engine.remove(number)
    ctx.emit(doc, lambda: f"Removed #{app.id} {app.company}.")


def main() -> None:
    """Run the CLI: a user's mistake is one line on stderr and an exit code, never a traceback."""
    # What is imported by now lives until the process ends: spare the garbage collector
    # walking it again at each full collection and at exit (~10 ms of `agenda` over 1,000
    # applications). Objects made later are collected as usual.
    gc.freeze()
    from ..vocabulary.log import configure_cli

    try:
        configure_cli()
    except ValueError as err:
        click.echo(f"tactful: {err}", err=True)
        sys.exit(2)
    try:
        _run()
    except Exception as err:  # noqa: BLE001 - a defect: one line and a crash report, never a traceback
        from .crash import report_crash

        sys.exit(report_crash(err, sys.argv))


def _run() -> None:
    """The CLI, with each kind of user error turned into one line and its exit code."""
    try:
        cli.main(standalone_mode=False, prog_name="tactful")
    except KeyboardInterrupt:
        click.echo("tactful: interrupted", err=True)
        sys.exit(130)
    except click.exceptions.Abort:
        click.echo("tactful: aborted; nothing was changed", err=True)
        sys.exit(1)
    except click.UsageError as err:
        command = f" {err.ctx.command_path.partition(' ')[2]}" if err.ctx and " " in err.ctx.command_path else ""
        click.echo(f"tactful: {err.format_message()} (see 'tactful{command} --help')", err=True)
        sys.exit(err.exit_code)
    except click.ClickException as err:
        click.echo(f"tactful: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except TactfulError as err:
        fail(err)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
