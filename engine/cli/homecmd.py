"""`tactful home`: where the data lives, and what this home runs with: the store, the config
file, your time zone and the plugins' state. It writes nothing."""

from __future__ import annotations

import os
from typing import Any

import click

from ..errors import TactfulError
from .context import DB_NAME, Context, common, json_flag


@click.command()
@click.option("--path", "path_only", is_flag=True, help="Print the home's path alone (for scripts).")
@json_flag
@common
def home(ctx: Context, path_only: bool) -> None:
    """Where the data lives, your time zone, and the plugins' state.

    The home is --home, else TACTFUL_HOME, else your user data folder; a PostgreSQL store is
    shown without its password. --path prints the home alone, for scripts.

    \b
    tactful home
    tactful home --json
    cat "$(tactful home --path)/web-token"
    """
    if path_only:
        return click.echo(str(ctx.home))
    doc = {"home": str(ctx.home), "exists": ctx.home.is_dir(), "store": _store(ctx),
           "config": _config(ctx), "zone": _zone(ctx), "plugins": _plugins(ctx)}  # fmt: skip
    ctx.emit(doc, lambda: _text(doc))


def _store(ctx: Context) -> dict[str, Any]:
    if ctx.database:
        from ..stores.pgurl import PostgresURL

        shown = _shown_url(ctx.database, PostgresURL)
        return {"kind": "postgresql", "where": shown, "from": _database_source()}
    path = ctx.home / DB_NAME
    return {"kind": "sqlite", "where": str(path), "exists": path.is_file()}


def _shown_url(url: str, parser: Any) -> str:
    """The URL without its password; one that cannot be read is named, never quoted."""
    try:
        return str(parser.parse(url).shown)
    except TactfulError:
        return "postgresql://… (malformed: any command that opens it says why)"


def _database_source() -> str:
    """Whether ``--database`` or ``TACTFUL_DATABASE`` named the database."""
    from click.core import ParameterSource

    root = click.get_current_context().find_root()
    return "--database" if root.get_parameter_source("database") == ParameterSource.COMMANDLINE else "TACTFUL_DATABASE"


def _config(ctx: Context) -> dict[str, Any]:
    path = ctx.home / "config.yaml"
    return {"where": str(path), "exists": path.is_file()}


def _zone(ctx: Context) -> dict[str, Any]:
    """Your zone and where it comes from (the candidate's own, TACTFUL_TZ, TZ, the system's)."""
    zone = ctx.zone()
    origin = "the system's"
    if ctx.candidate and ctx.engine().zone is not None:
        origin = f"candidate {ctx.candidate}'s own"
    else:
        origin = next((v for v in ("TACTFUL_TZ", "TZ") if os.environ.get(v, "").strip()), origin)
    return {"name": str(zone), "from": origin}


def _plugins(ctx: Context) -> list[dict[str, str]] | str:
    """Each plugin's name and state, or why they cannot be told (config.yaml's mistakes)."""
    from ..hooks.pluginmanager import describe

    try:
        pm = ctx.plugins()
        return [{"name": i.name, "status": i.status} for i in describe(pm, ctx.config)]
    except TactfulError:
        return "config.yaml has mistakes: 'tactful plugins' lists them"


def _text(doc: dict[str, Any]) -> str:
    store, config, zone = doc["store"], doc["config"], doc["zone"]
    where = store["where"]
    if store["kind"] == "sqlite" and not store["exists"]:
        where += " (made by the first 'tactful add')"
    lines = [
        f"home:    {doc['home']}" + ("" if doc["exists"] else " (not made yet)"),
        f"store:   {store['kind']}, {where}" + (f" (from {store['from']})" if store.get("from") else ""),
        f"config:  {config['where']}" + ("" if config["exists"] else " (none yet: plugins and the mailbox go there)"),
        f"zone:    {zone['name']} ({zone['from']})",
    ]
    plugins = doc["plugins"]
    if isinstance(plugins, str):
        return "\n".join([*lines, f"plugins: {plugins}"])
    width = max((len(p["name"]) for p in plugins), default=0)
    lines.append("plugins:" + ("" if plugins else " none"))
    lines += [f"  {p['name']:<{width}}  {p['status']}" for p in plugins]
    return "\n".join(lines)
