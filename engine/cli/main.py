"""The `tactful` command: track applications, ask what to do, fire timers.

Heavy modules (the rule loader, the state machine, SQLite) are imported inside commands,
so the start-up of every command pays only for what it uses.
"""

from __future__ import annotations

import gc
import sys
from importlib import import_module
from typing import Any

import click

from ..errors import TactfulError
from ..views.documents import AGENDA_DAYS, MAX_AGENDA_DAYS
from ..vocabulary.version import __version__
from .complete import NamesHelp, complete_channels, complete_ids, complete_rules
from .context import Context, common, error_line, fail, global_options, json_flag, warn
from .types import DATE, DAY, ID, MAX_ID, RANK, ZONE, BadValue, Count, parse_id

FACT_OPTIONS = (
    click.option("--role", metavar="TITLE", help="The position you interviewed for."),
    click.option("--interviewer", metavar="NAME", help="Who interviewed you (drafts address them by this name)."),
    click.option("--email", metavar="ADDRESS", help="The interviewer's email address."),
    click.option("--phone", metavar="NUMBER", help="The interviewer's phone number."),
    click.option("--timezone", type=ZONE, help="The interviewer's IANA time zone (default: your own zone)."),
    click.option("--decision-by", type=DATE, help="The decision date the interviewer gave (YYYY-MM-DD)."),
    click.option("--no-calls/--calls-ok", default=None, help="The interviewer asked candidates not to call."),
    click.option("--email-invited/--email-not-invited", default=None, help="The interviewer invited email."),
    click.option("--rank", type=RANK, help="Your preference: 1 for your first choice, 2 for the next…"),
    click.option("--news-feed", metavar="URL", help="The company's RSS or Atom news feed, read by 'tactful sync'."),
)


def fact_options(func: Any) -> Any:
    for option in reversed(FACT_OPTIONS):
        func = option(func)
    return func


__all__ = ["MAX_ID", "cli", "fact_options", "main", "parse_id", "print_app"]  # parse_id: for the commands' modules


#: New objects after which a command's cycle collector runs (Python's default: 700).
COLLECT_AFTER = 50_000
#: Commands that a built-in plugin adds (command -> plugin), so that asking for one without
#: the plugin says how to get it rather than "no such command".
PLUGIN_COMMANDS = {"calendar": "calendar"}
#: Commands defined in their own modules (command -> module, attribute), imported only when
#: asked for, so that the common commands start without them.
LAZY_COMMANDS = {
    "candidates": ("candidatescmd", "candidates"),
    "demo": ("demo", "demo"),
    "draft": ("draftcmd", "draft"),
    "edit": ("changes", "edit"),
    "export": ("transfer", "export"),
    "home": ("homecmd", "home"),
    "import": ("transfer", "import_"),
    "inbox": ("capturecmd", "inbox"),
    "outbox": ("plugincmd", "outbox"),
    "plan": ("plancmd", "plan"),
    "plugins": ("plugincmd", "plugins"),
    "record": ("changes", "record"),
    "remove": ("changes", "remove"),
    "report": ("reportcmd", "report"),
    "rules": ("rulescmd", "rules"),
    "serve": ("servecmd", "serve"),
    "sync": ("capturecmd", "sync"),
    "tick": ("tickcmd", "tick"),
    "undo": ("changes", "undo"),
    "why": ("whycmd", "why"),
    "worker": ("workercmd", "worker"),
}


class _Commands(click.Group):
    """The top-level group; commands that plugins add are looked up only when needed."""

    plugins_loaded = False

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        ctx.meta["tactful.home"] = _home_option(args[1:])  # a plugin's command is looked up in that home
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            module, name = LAZY_COMMANDS[cmd_name]
            command = getattr(import_module(f"{__package__}.{module}"), name)
            self.add_command(command, cmd_name)
        if command is None and not self.plugins_loaded:
            self._load_plugin_commands(ctx)
            command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in PLUGIN_COMMANDS:
            raise click.UsageError(_missing_plugin(cmd_name, PLUGIN_COMMANDS[cmd_name]), ctx)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands(ctx)
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        if self.plugins_loaded:
            return
        self.plugins_loaded = True
        import os

        given = click.get_current_context(silent=True)
        before = given.find_root().params.get("home") if given else None
        after = ctx.meta.get("tactful.home") if ctx is not None else None
        home = after or before or os.environ.get("TACTFUL_HOME")
        Context(None, home).plugins().hook.tactful_register_commands(cli=self)


def _home_option(args: list[str]) -> str | None:
    """The value of ``--home`` among a command's arguments, if given there."""
    for number, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--home" and number + 1 < len(args):
            return args[number + 1]
        if arg.startswith("--home="):
            return arg.partition("=")[2]
    return None


def _missing_plugin(command: str, plugin: str) -> str:
    from ..hooks.pluginmanager import available

    install = "" if available(plugin) else f"pip install 'tactful[{plugin}]', then "
    return (f"'tactful {command}' comes with the {plugin} plugin: {install}add a '{plugin}:' section to "
            "config.yaml in the tactful home (TACTFUL_HOME)")  # fmt: skip


#: The environment variables that are not an option's, for the top-level help.
ENVIRONMENT = """\b
Environment:
  TACTFUL_HOME, TACTFUL_NOW   as --home and --now
  TACTFUL_TZ                  your IANA time zone (default: the system's)
  TACTFUL_LOG_LEVEL           debug, info, warning (default) or error
  TACTFUL_LOG_FORMAT          console (default) or json
  TACTFUL_TRACE_PLUGINS       1: log every plugin hook call
  TACTFUL_SMTP_USERNAME, TACTFUL_SMTP_PASSWORD      the email plugin's login
  TACTFUL_SMS_URLS                                  the sms plugin's Apprise URLs
  TACTFUL_SMS_<NAME>                                a candidate's own, named by their sms field
  TACTFUL_CALDAV_USERNAME, TACTFUL_CALDAV_PASSWORD  the calendar plugin's CalDAV login
  TACTFUL_IMAP_PASSWORD, TACTFUL_IMAP_OAUTH_TOKEN   the mailbox's login, for sync
"""


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]}, epilog=ENVIRONMENT)
@click.version_option(__version__, package_name="tactful")
@global_options
@click.option("--database", metavar="URL", envvar="TACTFUL_DATABASE", show_envvar=True,
              help="A PostgreSQL database (postgresql://USER@HOST:PORT/DB), not the home's SQLite file.")  # fmt: skip
@click.pass_context
def cli(click_ctx: click.Context, /, database: str | None, **_options: Any) -> None:
    """Follow up after a job interview: persistent, never pushy.

    Every command answers as of --now (or TACTFUL_NOW); data lives in --home (or
    TACTFUL_HOME, else your user data folder), or in the PostgreSQL database --database (or
    TACTFUL_DATABASE) names, given before the command. A home may keep several job seekers
    ('tactful candidates'): --candidate KEY (or TACTFUL_CANDIDATE) acts for one of them;
    without it, for you. --home, --now, --candidate and --json may come before the command
    or after it. Your time zone, for times without an offset and times shown, is an IANA
    zone: the candidate's own, else TACTFUL_TZ, else TZ, else the system's.

    \b
    tactful add Northwind --interviewed today --interviewer "Ms. Rivera"
    tactful agenda
    tactful --home ~/job-search list --json
    tactful --candidate alice agenda
    """
    click_ctx.meta["tactful.database"] = database


@cli.command()
@click.argument("company")
@click.option("--interviewed", required=True, type=DAY, help="The interview date: YYYY-MM-DD, today or yesterday.")
@fact_options
@click.option("--rules", metavar="NAME|PATH", shell_complete=complete_rules,
              help="A shipped rule set (default, small-company) or a rule file.")  # fmt: skip
@json_flag
@common
def add(ctx: Context, company: str, rules: str | None, **facts: Any) -> None:
    """Start tracking an application.

    Warns when the interview date is after today or more than four weeks ago, or when an
    application with the same company and interview date exists already. The interviewer's
    time zone is your own unless --timezone gives theirs.

    \b
    tactful add Northwind --interviewed today --interviewer "Ms. Rivera"
    tactful add "Tiny Bakery" --interviewed 2026-05-04 --rules small-company --rank 2
    """
    facts["interviewed"] = ctx.day(facts["interviewed"])
    engine = ctx.engine()
    slips = _add_warnings(ctx, company, facts["interviewed"])  # looked at before the add, said after it
    app = engine.add(company, rules=rules, **facts)
    for message in slips:
        warn(message)
    ctx.emit({"id": app.id}, lambda: f"Added #{app.id} {app.company}. 'tactful show {app.id}' says what comes next.")


def _add_warnings(ctx: Context, company: str, interviewed: str) -> list[str]:
    """What looks like a slip in a new application: an interview after today, a second
    application with the same company and interview date."""
    from datetime import date

    try:
        day = date.fromisoformat(interviewed.strip())
    except ValueError:
        return []  # the engine says what is wrong with it
    today = ctx.now().astimezone(ctx.zone()).date()
    said = [f"the interview date {day} is after today ({today}); 'tactful edit ID --interviewed DATE' corrects it"
            ] if day > today else []  # fmt: skip
    if (today - day).days > 28:  # four weeks: past the default first inquiry, and past any thank-you
        said.append(
            f"the interview on {day} was {(today - day).days} days ago, so its follow-up is long overdue; "
            "record what already happened with --at, or correct the date with 'tactful edit ID --interviewed'"
        )
    name = company.strip().casefold()
    for app in ctx.engine().stored():  # the candidate's own only
        if app.company.casefold() == name and app.facts.get("interviewed") == day.isoformat():
            said.append(f"#{app.id} {app.company}, interviewed {day}, is tracked already; "
                        "'tactful remove ID' takes back a duplicate")  # fmt: skip
            break
    return said


def print_app(ctx: Context, app_id: int, headline: str = "") -> None:
    from .output import show_doc, show_text

    engine, now = ctx.engine(), ctx.now()
    if ctx.as_json:
        return ctx.emit(show_doc(engine, app_id, now), str)
    app = engine.get(app_id, now)
    items = engine.advise(app_id, now)
    ctx.emit(None, lambda: "\n".join(filter(None, [headline, show_text(engine, app, items, ctx.zone())])))


@cli.command()
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.option("--graph", is_flag=True, help="Draw its rule set's state machine (Mermaid), its state marked.")
@json_flag
@common
def show(ctx: Context, app_id: int, graph: bool) -> None:
    """An application's facts, state, history and next steps.

    Each step names the event that records it. Times are in your zone: the candidate's own
    (--candidate), else TACTFUL_TZ, else TZ, else the system's.

    \b
    tactful show 1
    tactful show 1 --json
    tactful show 1 --graph
    """
    if graph:
        from .authoring import show_graph

        return show_graph(ctx, app_id)
    print_app(ctx, app_id)


@cli.command(name="list")
@click.option("--limit", type=Count(max=MAX_ID), help="At most N applications (default: all).")
@click.option("--after", type=Count(min=0, max=MAX_ID), metavar="ID", default=0, help="Only ids above ID.")
@json_flag
@common
def list_(ctx: Context, limit: int | None, after: int) -> None:
    """All applications, by id, with what each does next.

    --limit and --after give them a page at a time.

    \b
    tactful list
    tactful list --json
    tactful list --limit 50 --after 120
    """
    from .output import list_doc, local, table, words

    engine, now = ctx.engine(), ctx.now()
    overview = list(engine.overview(now, after=after, limit=limit))
    docs = list_doc(engine, overview, now)
    tz = ctx.zone()
    rows = [(app.id, app.company, app.facts.get("role"), words(app.state), words(items[0].action) if items else None,
             local(items[0].due if items else None, tz)) for app, items in overview]  # fmt: skip
    human = lambda: table(("id", "company", "role", "state", "next", "due"), rows) if docs else "No applications yet."  # noqa: E731
    ctx.emit(docs, human)


@cli.command()
@click.option("--days", type=Count(min=0, max=MAX_AGENDA_DAYS), default=AGENDA_DAYS, show_default=True,
              help="Show what comes due in the next N days, besides everything overdue.")  # fmt: skip
@click.option("--all-candidates", is_flag=True, help="Every candidate's, grouped by candidate (a coach's view).")
@click.option("--wide", is_flag=True, help="Print each reason whole, not cut to the terminal's width.")
@json_flag
@common
def agenda(ctx: Context, days: int, all_candidates: bool, wide: bool) -> None:
    """What is due now and in the next days, soonest first.

    Each item names the event that records it.

    Across applications; "now" marks what is due already. Everything overdue is shown, and
    what comes due in the next --days (14 by default). --all-candidates shows every
    candidate's, grouped by candidate, each in their own time zone. The "why" column is cut
    to the terminal's width (COLUMNS) with an ellipsis; --wide prints it whole.

    \b
    tactful agenda
    tactful agenda --days 30 --now 2026-05-21T09:00 --json
    tactful agenda --all-candidates
    """
    from datetime import timedelta

    from .output import agenda_doc, agenda_text

    now = ctx.now()
    if all_candidates:
        from .candidatescmd import agenda_of_every_candidate

        return agenda_of_every_candidate(ctx, now, now + timedelta(days=days), wide)
    items = ctx.engine().agenda(now, until=now + timedelta(days=days))
    if ctx.as_json:
        return ctx.emit(agenda_doc(items, now), str)
    ctx.emit(None, lambda: agenda_text(items, now, ctx.zone(), wide))


@cli.command(cls=NamesHelp, names=(("Channels", "policies"), ("Actions", "actions")))
@click.argument("app_id", type=ID, shell_complete=complete_ids)
@click.argument("action", metavar="CHANNEL|ACTION", shell_complete=complete_channels)
@click.option("--why", "explain", is_flag=True, help="Print the trace after the answer (see 'tactful why').")
@json_flag
@common
def can(ctx: Context, app_id: int, action: str, explain: bool) -> None:
    """May I do this now? Exit 0 yes, 1 no, with the reason.

    \b
    tactful can 1 call
    tactful can 1 linkedin_invite --json
    tactful can 1 call --why
    """
    from .output import verdict_doc

    if explain:
        from .whycmd import can_why

        return can_why(ctx, app_id, action)
    verdict = ctx.engine().check(app_id, action)
    doc = verdict_doc(verdict)
    ctx.emit(doc, lambda: f"{'Yes' if verdict.allowed else 'No'}: {verdict.reason}. [{doc['rule']}]")
    sys.exit(0 if verdict.allowed else 1)


def main() -> None:
    """Run the CLI: a user's mistake is one line on stderr and an exit code, never a traceback."""
    # What is imported by now lives until the process ends: spare the garbage collector
    # walking it again at each full collection and at exit (~10 ms of `agenda` over 1,000
    # applications). Objects made later are collected as usual, but the young ones after
    # 50,000 new objects rather than 700: a command makes records by the thousand (a tick's
    # batch, an import's rows and remembered starts) and almost no reference cycles (the rest
    # is freed as it goes), and every few collections the collector walked all of them again
    # (5% of a tick of 100,000, a sixteenth of an import).
    gc.freeze()
    gc.set_threshold(COLLECT_AFTER, 20, 100)
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
        _interrupted()
    except click.exceptions.Abort as err:
        if isinstance(err.__cause__ or err.__context__, KeyboardInterrupt):  # click's prompts turn Ctrl-C into Abort
            _interrupted()
        click.echo("tactful: aborted; nothing was changed", err=True)
        sys.exit(1)
    except click.exceptions.NoArgsIsHelpError as err:  # bare `tactful` (or a bare group): its help, as gh does
        click.echo(err.ctx.get_help() if err.ctx else "")
        sys.exit(0)
    except BadValue as err:  # says what, where and what would be right already
        click.echo(error_line(f"tactful: {err.format_message()}"), err=True)
        sys.exit(err.exit_code)
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


def _interrupted() -> None:
    """Ctrl-C: one line, and the exit code shells expect after SIGINT (128 + 2)."""
    click.echo("\ntactful: interrupted", err=True)
    sys.exit(130)
