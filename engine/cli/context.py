"""What every command shares: the home folder, the clock, the engine, errors and output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, tzinfo
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.core import ParameterSource

from ..errors import InputError, InputErrors, RuleErrors, TactfulError
from ..vocabulary.text import safe
from .types import DATETIME, DAY_WORDS, CandidateKey, Folder

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


def database_option() -> str | None:
    """The database the global ``--database`` option (or ``TACTFUL_DATABASE``) names, if any."""
    click_ctx = click.get_current_context(silent=True)
    given = click_ctx.find_root().meta.get("tactful.database") if click_ctx is not None else None
    return given or os.environ.get("TACTFUL_DATABASE") or None


class Context:
    """Per-invocation state: options common to all commands, and the engine, made lazily."""

    def __init__(self, now: str | None = None, home: str | None = None, as_json: bool = False,
                 candidate: str | None = None) -> None:  # fmt: skip
        self.now_text = now
        self.home = home_dir(home)
        self.candidate = candidate or None  # None: the implicit candidate
        self.database = database_option()
        self.as_json = as_json
        self._engine: Engine | None = None
        self._home: Engine | None = None
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
            self._now = (
                parse_moment(self.now_text, "--now", self.zone()) if self.now_text else datetime.now(user_zone())
            )
        return self._now

    def zone(self) -> tzinfo:
        """The zone times are shown in, and read in when they carry no offset: the candidate's
        own when ``--candidate`` names one who has a zone, else the user's (:func:`user_zone`).

        Raises:
            InputError: for an unknown or malformed ``--candidate``, or a bad ``TACTFUL_TZ``.
        """
        if self.candidate:
            return self.engine().zone or user_zone()
        return user_zone()

    def day(self, text: str | None) -> str | None:
        """A date option's value, with ``today`` and ``yesterday`` (in :meth:`zone`, as of
        ``--now``) written out as YYYY-MM-DD; anything else as given, checked later."""
        if text is None or text.strip().lower() not in DAY_WORDS:
            return text
        today = self.now().astimezone(self.zone()).date()
        return (today - timedelta(days=DAY_WORDS[text.strip().lower()])).isoformat()

    def engine(self) -> Engine:
        """The engine over the home's store, bound to ``--candidate`` when one is given.

        Raises:
            InputError: for an unknown or malformed ``--candidate``, in one line.
        """
        if self._engine is None:
            home = self.home_engine()
            self._engine = home.candidate(self.candidate) if self.candidate else home
        return self._engine

    def home_engine(self) -> Engine:
        """The engine over the home's store, bound to no one whatever ``--candidate`` says: for
        `candidates`, which manages the home's candidates (``TACTFUL_CANDIDATE=alice tactful
        candidates add alice`` adds her; a key left in the environment after a removal does not
        hide the list). :meth:`engine` shares its store."""
        if self._home is None:
            self._home = self.open_engine(self.now)
        return self._home

    def unbound(self) -> Engine:
        """The engine, for a command that spans every candidate (``--all-candidates``), which
        takes no ``--candidate``.

        Raises:
            InputError: when ``--candidate`` (or ``TACTFUL_CANDIDATE``) is given too.
        """
        if self.candidate:
            raise InputError("--all-candidates covers every candidate; leave out --candidate (and TACTFUL_CANDIDATE)")
        return self.engine()

    def every_candidate(self) -> Iterator[Engine]:
        """An engine bound to each candidate in turn, the implicit one first (see :meth:`unbound`)."""
        engine = self.unbound()
        return (engine.candidate(person.key) for person in engine.candidates())

    def open_engine(self, clock: Callable[[], datetime]) -> Engine:
        """A new engine over the home's store, with ``clock`` (`serve` opens one per thread)."""
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
        store = open_store(self.database or self.home / DB_NAME, self.candidate)  # stated, for row security
        return Engine(store, clock, rules, notify=True, zone=user_zone())

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
            # no extensions: no third-party plugin is installed (a cached answer), so pluggy
            # need not scan the installed distributions for them again
            pm = self.extensions() or get_plugin_manager(config, builtins=False, entry_points=False)
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
        """Every advised action across candidates and their applications, soonest first, as the
        notices the ``tactful_schedule`` hook receives (with ``engine().candidates()``)."""
        from ..runtime.notify import action_notice

        engine, now = self.engine(), self.now()
        items = sorted((pair for _, pairs in engine.agenda_by_candidate(now) for pair in pairs),
                       key=lambda pair: (pair[1].due.timestamp(), pair[0].id or 0))  # fmt: skip
        return [action_notice(app, item, engine.draft_text(app, item.action, now)) for app, item in items]

    def deliver(self, tally: Any = None) -> Any:
        """Deliver everything the outbox holds for the plugins, a batch at a time; returns the
        tally (``tally``, counted on, when given). A plugin that is not configured is skipped:
        quietly when it has no section (``tactful plugins`` warns about it), else with one warning."""
        from ..hooks.delivery import drain

        pm, engine = self.plugins(), self.engine()
        for name, aside in sorted(pm.unconfigured.items()):
            if name in (self.config or {}):
                warn(f"plugin '{name}' is not configured ({aside.reason}); skipped: it gets no notices until it is")
        return drain(engine.store.outbox, pm, self.now(), drafts=engine.notice_draft,
                     candidates=engine.store.get_candidate, tally=tally)  # fmt: skip

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


#: The options every command takes, before or after its name (``tactful --home DIR list`` and
#: ``tactful list --home DIR`` are the same): parameter name -> a factory of its click option.
#: Adding an option here gives it to the top-level group and to every command at once; the
#: value reaches :class:`Context` under its parameter name.
GLOBAL_OPTIONS: dict[str, Callable[[], Callable[[F], F]]] = {
    "home": lambda: click.option(
        "--home", envvar="TACTFUL_HOME", show_envvar=True, type=Folder(),
        help="Data folder (default: your user data folder).",
    ),
    "now": lambda: click.option(
        "--now", "now", envvar="TACTFUL_NOW", show_envvar=True, type=DATETIME,
        help="Answer as of this moment (ISO 8601; default: the clock).",
    ),
    "candidate": lambda: click.option(
        "--candidate", envvar="TACTFUL_CANDIDATE", show_envvar=True, type=CandidateKey(implicit=True),
        help="Act for this job seeker ('tactful candidates' lists them; default: you).",
    ),
}  # fmt: skip
#: Options that only set how much is logged; they never reach :class:`Context`.
VERBOSITY_OPTIONS: dict[str, Callable[[], Callable[[F], F]]] = {
    "verbose": lambda: click.option(
        "-v",
        "--verbose",
        count=True,
        help="Log more than TACTFUL_LOG_LEVEL (default warning) says: -v info, -vv debug.",
    ),
    "quiet": lambda: click.option("-q", "--quiet", count=True, help="Log less: -q errors only."),
}
JSON_OPTION = "as_json"


def _json_option() -> Callable[[F], F]:
    return click.option("--json", JSON_OPTION, is_flag=True, help="Print one JSON document on stdout.")


def global_options(func: F) -> F:
    """Give the top-level group every global option (and ``--json``), so they may come first."""
    for factory in reversed([*GLOBAL_OPTIONS.values(), *VERBOSITY_OPTIONS.values(), _json_option]):
        func = factory()(func)
    return func


def inherited(name: str, value: Any) -> Any:
    """``value`` of option ``name`` as given to this command, else as given before it on the
    command line (``tactful --home DIR rules validate``), else from the environment or default."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.PROMPT):
        return value
    parent = ctx.parent
    while parent is not None:
        if parent.get_parameter_source(name) == ParameterSource.COMMANDLINE:
            return parent.params[name]
        parent = parent.parent
    return value


def common(func: F) -> F:
    """Add the global options (``--now``, ``--home``, ``--candidate``, ``-v``, ``-q``) to a
    command and pass a :class:`Context` first."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: inherited(name, kwargs.pop(name)) for name in GLOBAL_OPTIONS}
        verbosity = {name: inherited(name, kwargs.pop(name)) for name in VERBOSITY_OPTIONS}
        from ..vocabulary.log import set_verbosity

        set_verbosity(verbosity["verbose"] - verbosity["quiet"])
        as_json = bool(inherited(JSON_OPTION, kwargs.pop(JSON_OPTION))) if JSON_OPTION in kwargs else False
        return func(Context(as_json=as_json, **given), *args, **kwargs)

    for factory in reversed([*GLOBAL_OPTIONS.values(), *VERBOSITY_OPTIONS.values()]):
        wrapper = factory()(wrapper)
    return wrapper  # type: ignore[return-value]


def json_flag(func: F) -> F:
    """Add ``--json``; it may also come before the command's name."""
    return _json_option()(func)


def warn(message: str) -> None:
    click.echo(f"tactful: warning: {safe(message)}", err=True)


#: The longest error line printed: what a user wrote is quoted in it, and may be long.
MAX_LINE = 400


def error_line(text: str) -> str:
    """One error line, escaped, cut to :data:`MAX_LINE` characters."""
    shown = safe(text)
    return shown if len(shown) <= MAX_LINE else shown[: MAX_LINE - 1] + "…"


def fail(error: TactfulError) -> None:
    """Print a user's error, one line each, and exit with its code."""
    if isinstance(error, RuleErrors):
        for item in error.errors:
            click.echo(error_line(str(item)), err=True)
    elif isinstance(error, InputErrors):
        for problem in error.problems:
            click.echo(error_line(f"tactful: {problem}"), err=True)
    else:
        click.echo(error_line(f"tactful: {getattr(error, 'cli', None) or error}"), err=True)
    sys.exit(error.exit_code)
