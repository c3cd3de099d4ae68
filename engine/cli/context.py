"""What every command shares: the home folder, the clock, the engine, errors and output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import InputError, InputErrors, RuleErrors, TactfulError
from ..vocabulary.text import safe

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet

F = TypeVar("F", bound=Callable[..., Any])
DB_NAME = "tactful.sqlite3"


def user_zone() -> tzinfo:
    """The user's own time zone, an IANA zone (never a fixed offset, so times across a change
    to daylight saving time come out right): ``TACTFUL_TZ``, else ``TZ``, else the system's
    (``/etc/localtime``), else UTC.

    Raises:
        InputError: when ``TACTFUL_TZ`` or ``TZ`` names no IANA zone.
    """
    from ..vocabulary.timecalc import UTC, system_zone, zone

    for variable in ("TACTFUL_TZ", "TZ"):
        name = os.environ.get(variable, "").strip().removeprefix(":")
        if name:
            try:
                return zone(name)
            except ValueError as err:
                raise InputError(f"{variable}: {err}") from None
    return system_zone() or UTC


def parse_moment(text: str, what: str, tz: tzinfo | None = None) -> datetime:
    """An ISO date or date-time; without an offset it is in ``tz`` (the user's zone).

    A date alone means 09:00 that day.

    Raises:
        InputError: naming ``what`` and the form expected.
    """
    from ..vocabulary.timecalc import read_moment

    return read_moment(text, what, tz or user_zone())


def home_dir(home: str | None) -> Path:
    """Where tactful keeps its data: ``--home``, ``TACTFUL_HOME``, or the user data folder."""
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("tactful", appauthor=False))


class Context:
    """Per-invocation state: options common to all commands, and the engine, made lazily."""

    def __init__(self, now: str | None, home: str | None, as_json: bool = False) -> None:
        self.now_text = now
        self.home = home_dir(home)
        self.as_json = as_json
        self._engine: Engine | None = None
        self._now: datetime | None = None
        self._plugins: Any = None
        self._extensions: Any = None
        self._rule_options: dict[str, Any] | None = None
        self.config: Any = None

    def now(self) -> datetime:
        if self._now is None:
            self._now = parse_moment(self.now_text, "--now") if self.now_text else datetime.now(user_zone())
        return self._now

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self.open_engine(self.now)
        return self._engine

    def open_engine(self, clock: Callable[[], datetime]) -> Engine:
        """A new engine over the home's store, with ``clock`` (`serve` opens one per thread)."""
        from ..engine import Engine
        from ..language.rulebook import RuleBook
        from ..stores.sqlite_store import SQLiteStore
        from ..vocabulary.perms import private_dir

        try:
            private_dir(self.home)
        except OSError as err:
            raise InputError(f"cannot create the tactful home {self.home}: {err.strerror}") from None
        rules = RuleBook(cache_dir=self.home / "cache", check_templates=False,  # drafts check their own
                         **self.rule_options())  # fmt: skip
        return Engine(SQLiteStore(self.home / DB_NAME), clock, rules, notify=True, zone=user_zone())

    def plugins(self) -> Any:
        """The plugin manager, configured from the home's config.yaml (loaded on first use).

        Made once per command: the plugins already configured for the rules (see
        :meth:`extensions`) are kept, and only the built-ins are added.

        Raises:
            RuleErrors: every problem of config.yaml's sections and of the built-ins' settings,
                all at once. Third-party plugins that cannot be configured are set aside instead.
        """
        if self._plugins is None:
            from ..hooks.config import read_config
            from ..hooks.pluginmanager import add_builtins, get_plugin_manager

            config, errors = read_config(self.home)
            pm = self.extensions() or get_plugin_manager(config, builtins=False)
            self.config = config
            try:
                add_builtins(pm, config)
            except RuleErrors as err:
                errors.extend(err.errors)
            if errors:  # stopped anyway: the sections of the plugins set aside are reported too
                raise RuleErrors(errors + [e for aside in pm.unconfigured.values() for e in aside.errors])
            self._plugins = pm
            _share(self.home, pm)
        return self._plugins

    def extensions(self) -> Any:
        """The plugins that may extend the rules, configured, or None when no third-party plugin
        is installed (the usual case, which costs a cached check and no import).

        Built-in adapters are left out, so that commands that only read rules never import
        their libraries; they register no rule functions. A mistake in config.yaml does not stop
        these commands: the plugin it concerns is set aside (see :meth:`plugins`), and what
        delivers reports it. See :mod:`tactful.hooks.entrypoints`.
        """
        if self._plugins is not None:
            return self._plugins
        if self._extensions is None:
            self._extensions = _shared(self.home) or False
            if self._extensions:
                self._plugins = self._extensions
                return self._extensions
            from ..hooks.entrypoints import installed_plugins

            if installed_plugins(self.home / "cache"):
                from ..hooks.config import read_config
                from ..hooks.pluginmanager import get_plugin_manager

                try:
                    self.config = read_config(self.home)[0]
                except RuleErrors:  # unreadable YAML: plugins get no section; what delivers says why
                    self.config = None
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
        """Deliver what the outbox holds for the plugins; returns the report. A plugin that is
        not configured is skipped, with one warning."""
        from ..hooks.delivery import deliver

        pm = self.plugins()
        for name, aside in sorted(pm.unconfigured.items()):
            warn(f"plugin '{name}' is not configured ({aside.reason}); skipped: it gets no notices until it is")
        return deliver(self.engine().store.outbox, pm, self.now())

    def emit(self, document: Any, human: Callable[[], str]) -> None:
        """Print ``document`` as JSON with ``--json``, else the human text."""
        if self.as_json:
            click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            text = human()
            if text:
                click.echo(safe(text, keep_lines=True))


def _share(home: Path, pm: Any) -> None:
    """Keep the plugin manager of ``home`` for the rest of this command (in click's context), so
    that looking up a plugin's command and running it configure the plugins once."""
    root = click.get_current_context(silent=True)
    if root is not None:
        root.find_root().meta[f"tactful.plugins:{home}"] = pm


def _shared(home: Path) -> Any:
    """The plugin manager of ``home`` made earlier in this command, or None."""
    root = click.get_current_context(silent=True)
    return root.find_root().meta.get(f"tactful.plugins:{home}") if root is not None else None


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
    elif isinstance(error, InputErrors):
        for problem in error.problems:
            click.echo(_line(f"tactful: {problem}"), err=True)
    else:
        click.echo(_line(f"tactful: {error}"), err=True)
    sys.exit(error.exit_code)
