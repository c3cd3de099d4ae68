"""Shell completion (click's own, through ``_TACTFUL_COMPLETE``): application ids, event,
action and channel names, rule set names.

Each completer reads only what it needs and never fails: a completion that cannot be worked
out offers nothing rather than an error in the middle of the user's typing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..language.ruleset import RuleSet

Completer = Callable[[click.Context, click.Parameter, str], list["CompletionItem"]]


def _given(ctx: click.Context, name: str) -> str | None:
    """The value of global option ``name`` on the line being completed (after the command or
    before it), else None."""
    given: click.Context | None = ctx
    while given is not None:
        if given.params.get(name):
            return str(given.params[name])
        given = given.parent
    return None


def _home(ctx: click.Context) -> Path:
    from .context import home_dir

    return home_dir(_given(ctx, "home") or os.environ.get("TACTFUL_HOME"))


def _candidate(ctx: click.Context) -> str:
    """The candidate the line acts for: only their applications are offered."""
    return _given(ctx, "candidate") or os.environ.get("TACTFUL_CANDIDATE") or ""


def _matching(names: Iterable[tuple[str, str | None]], incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(name, help=help_) for name, help_ in names if name.startswith(incomplete)]


def _safely(completer: Callable[[click.Context, str], list[CompletionItem]]) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        try:
            return completer(ctx, incomplete)
        except Exception:  # noqa: BLE001 - a completion never breaks the shell
            return []

    return complete


def _rules(ctx: click.Context) -> RuleSet:
    """The rule set of the application named on the line (``ID``), else the default one."""
    from ..language.loader import load_rules
    from ..stores.sqlite_store import SQLiteStore
    from .context import DB_NAME

    db, ref = _home(ctx) / DB_NAME, "default"
    app_id = str(ctx.params.get("app_id") or "")
    if app_id.isdigit() and db.is_file():
        store = SQLiteStore(db)
        try:
            app = store.get(int(app_id))
            ref = app.rules if app is not None and app.candidate == _candidate(ctx) else ref
        finally:
            store.close()
    return load_rules(ref)


@_safely
def complete_ids(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """Application ids, each with its company."""
    from ..stores.sqlite_store import SQLiteStore
    from .context import DB_NAME

    db = _home(ctx) / DB_NAME
    if not db.is_file():
        return []
    store = SQLiteStore(db)
    try:
        return _matching(((str(app.id), app.company) for app in store.all(_candidate(ctx))), incomplete)
    finally:
        store.close()


@_safely
def complete_events(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """The events of the application's rule set."""
    return _matching(((name, None) for name in _rules(ctx).events), incomplete)


@_safely
def complete_actions(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """The actions of the application's rule set."""
    return _matching(((name, None) for name in _rules(ctx).actions), incomplete)


@_safely
def complete_channels(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """What ``can`` judges: the channels of the rule set's policies, then its actions."""
    rs = _rules(ctx)
    return _matching(((name, None) for name in dict.fromkeys([*rs.policies, *rs.actions])), incomplete)


@_safely
def complete_rules(ctx: click.Context, incomplete: str) -> list[CompletionItem]:
    """The shipped rule set names, and the rule files (``*.yaml``) where the user is typing."""
    from click.shell_completion import CompletionItem

    from ..language.loader import shipped_names

    folder, _, start = incomplete.rpartition("/")
    base = Path(folder or ".").expanduser()
    files = sorted(f"{folder}/{p.name}" if folder else p.name for p in base.glob(f"{start}*")
                   if p.suffix in (".yaml", ".yml"))  # fmt: skip
    return [*_matching(((n, "shipped") for n in shipped_names()), incomplete), *(CompletionItem(f) for f in files)]


def rule_names(kind: str) -> str:
    """The names the default rule set gives to ``kind`` (events, actions, policies), for help."""
    from ..language.loader import load_rules

    try:
        return ", ".join(getattr(load_rules("default"), kind))
    except Exception:  # noqa: BLE001 - help text must not fail
        return "(see 'tactful rules show default')"


class NamesHelp(click.Command):
    """A command whose help ends with the names an argument takes, read from the default rule
    set when the help is shown (so it cannot drift from the rules)."""

    def __init__(self, *args: Any, names: tuple[tuple[str, str], ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for label, kind in self.names:
            formatter.write_paragraph()
            formatter.write_text(f"{label} (default rule set): {rule_names(kind)}.")
        super().format_epilog(ctx, formatter)
