"""What every command shares: the home folder, the clock, the engine, errors and output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import InputError, RuleErrors, TactfulError
from ..vocabulary.text import excerpt, safe

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet

F = TypeVar("F", bound=Callable[..., Any])
DB_NAME = "tactful.sqlite3"


def user_zone() -> tzinfo:
    """The user's own time zone: ``TACTFUL_TZ`` if set, else the system's."""
    name = os.environ.get("TACTFUL_TZ")
    if name:
        from ..vocabulary.timecalc import zone

        try:
            return zone(name)
        except ValueError as err:
            raise InputError(f"TACTFUL_TZ: {err}") from None
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def parse_moment(text: str, what: str, tz: tzinfo | None = None) -> datetime:
    """An ISO date or date-time; without an offset it is in ``tz`` (the user's zone).

    A date alone means 09:00 that day.

    Raises:
        InputError: naming ``what`` and the form expected.
    """
    from ..vocabulary.timecalc import check_year

    text = text.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(9, 0))
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{what} {excerpt(text)} is not a date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+HH:MM]"
        ) from None
    try:
        check_year(moment.date(), what)
    except ValueError as err:
        raise InputError(str(err)) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz or user_zone())


def home_dir(home: str | None) -> Path:
    """Where tactful keeps its data: ``--home``, ``TACTFUL_HOME``, or the user data folder."""
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tactful", appauthor=False))


def database_option() -> str | None:
    """The database the global ``--database`` option (or ``TACTFUL_DATABASE``) names, if any."""
    click_ctx = click.get_current_context(silent=True)
    given = click_ctx.find_root().meta.get("tactful.database") if click_ctx is not None else None
    return given or os.environ.get("TACTFUL_DATABASE") or None


class Context:
    """Per-invocation state: options common to all commands, and the engine, made lazily."""

    def __init__(self, now: str | None, home: str | None, as_json: bool = False) -> None:
        self.now_text = now
        self.home = home_dir(home)
        self.database = database_option()
        self.as_json = as_json
        self._engine: Engine | None = None
        self._now: datetime | None = None
        self._plugins: Any = None
        self._extensions: Any = None
        self._rule_options: dict[str, Any] | None = None
        self.config: Any = None

    def refresh_now(self) -> None:
        """Read the clock again at the next :meth:`now` (a long-running command's next pass);
        a moment given with --now stays."""
        if self.now_text is None:
            self._now = None

    def now(self) -> datetime:
        if self._now is None:
            self._now = parse_moment(self.now_text, "--now") if self.now_text else datetime.now().astimezone()
        return self._now

    def engine(self) -> Engine:
        if self._engine is None:
            from ..engine import Engine
            from ..language.rulebook import RuleBook
            from ..stores.opening import open_store
            from ..vocabulary.perms import private_dir

            try:
                private_dir(self.home)
            except OSError as err:
                raise InputError(f"cannot create the tactful home {self.home}: {err.strerror}") from None
            rules = RuleBook(cache_dir=self.home / "cache", check_templates=False,  # drafts check their own
                             **self.rule_options())  # fmt: skip
            store = open_store(self.database or self.home / DB_NAME)
            self._engine = Engine(store, self.now, rules, notify=True)
        return self._engine

    def plugins(self) -> Any:
        """The plugin manager, configured from the home's config.yaml (loaded on first use)."""
        if self._plugins is None:
            from ..hooks.config import load_config
            from ..hooks.pluginmanager import get_plugin_manager

            self.config = load_config(self.home)
            self._plugins = get_plugin_manager(self.config)
        return self._plugins

    def extensions(self) -> Any:
        """The plugins that may extend the rules, configured, or None when no third-party plugin
        is installed (the usual case, which costs a cached check and no import).

        Built-in adapters are left out, so that commands that only read rules never import
        their libraries; they register no rule functions. See :mod:`tactful.hooks.entrypoints`.
        """
        if self._plugins is not None:
            return self._plugins
        if self._extensions is None:
            from ..hooks.entrypoints import installed_plugins

            self._extensions = False
            if installed_plugins(self.home / "cache"):
                from ..hooks.config import load_config
                from ..hooks.pluginmanager import get_plugin_manager

                self.config = load_config(self.home)
                self._extensions = get_plugin_manager(self.config, builtins=False)
        return self._extensions or None

    def rule_options(self) -> dict[str, Any]:
        """``functions`` and ``on_load`` for loading rules: what plugins register for rule
        expressions, and the ``tactful_rules_loaded`` hook. Empty when no plugin is installed."""
        if self._rule_options is None:
            pm = self.extensions()
            self._rule_options = {}
            if pm is not None:
                from ..hooks.pluginmanager import rule_functions, rules_announcer

                self._rule_options = {"functions": rule_functions(pm), "on_load": rules_announcer(pm)}
        return self._rule_options

    def load_rules(self, ref: str) -> RuleSet:
        """The rule set ``ref`` (a shipped name or a path) for commands that only read rules,
        with the plugins' functions, announced to the plugins like the engine's."""
        from ..language.loader import load_rules

        options = self.rule_options()
        rules = load_rules(ref, functions=options.get("functions"))
        if "on_load" in options:
            options["on_load"](rules)
        return rules

    def schedule(self) -> list[Any]:
        """Every advised action across applications, soonest first, as the notices the
        ``tactful_schedule`` hook receives."""
        from ..runtime.notify import action_notice

        engine, now = self.engine(), self.now()
        return [action_notice(app, item, engine.draft_text(app, item.action, now)) for app, item in engine.agenda(now)]

    def deliver(self) -> Any:
        """Deliver what the outbox holds for the plugins; returns the report."""
        from ..hooks.delivery import deliver

        return deliver(self.engine().store.outbox, self.plugins(), self.now())

    def emit(self, document: Any, human: Callable[[], str]) -> None:
        """Print ``document`` as JSON with ``--json``, else the human text."""
        if self.as_json:
            click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            text = human()
            if text:
                click.echo(safe(text, keep_lines=True))


def common(func: F) -> F:
    """Add ``--now`` and ``--home`` to a command and pass a :class:`Context` first."""

    @click.option("--home", envvar="TACTFUL_HOME", help="Data folder (default: your user data folder).")
    @click.option("--now", "now", envvar="TACTFUL_NOW", help="Answer as of this moment (ISO 8601).")
    @wraps(func)
    def wrapper(*args: Any, now: str | None, home: str | None, **kwargs: Any) -> Any:
        as_json = bool(kwargs.pop("as_json", False))
        return func(Context(now, home, as_json), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def json_flag(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")(func)


def warn(message: str) -> None:
    click.echo(f"tactful: warning: {safe(message)}", err=True)


#: The longest error line printed: what a user wrote is quoted in it, and may be long.
MAX_LINE = 400


def _line(text: str) -> str:
    """One error line, escaped, cut to :data:`MAX_LINE` characters."""
    shown = safe(text)
    return shown if len(shown) <= MAX_LINE else shown[: MAX_LINE - 1] + "…"


def fail(error: TactfulError) -> None:
    """Print a user's error, one line each, and exit with its code."""
    if isinstance(error, RuleErrors):
        for item in error.errors:
            click.echo(_line(str(item)), err=True)
    else:
        click.echo(_line(f"tactful: {getattr(error, 'cli', None) or error}"), err=True)
    sys.exit(error.exit_code)
