"""`tactful serve`: the board, a local web view of the whole search (the ``web`` extra)."""

from __future__ import annotations

import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from .context import Context, common, user_zone, warn
from .types import Count


@click.command()
@click.option(
    "--host",
    metavar="ADDRESS",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; anything but this machine's loopback is reachable by others.",
)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=Count(min=0, max=65535),
    metavar="PORT",
    help="The port; 0 picks a free one.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the board in your web browser.")
@click.option("--show-token", is_flag=True, help="Print the API token itself, not only the file that keeps it.")
@common
def serve(ctx: Context, host: str, port: int, open_browser: bool, show_token: bool) -> None:
    """Serve the board, a web view of the search, until Ctrl-C.

    At http://HOST:PORT/: every application by stage, what to do and when, may I, the drafts,
    and a JSON API equal to --json.

    \b
    tactful serve
    tactful serve --port 9000 --open
    """
    start(ctx, host, port, open_browser, show_token)


def start(ctx: Context, host: str, port: int, open_browser: bool, show_token: bool = False) -> None:
    """Serve ``ctx``'s home; `demo --serve` calls it for the demo's folder."""
    check_extra()
    from ..web.app import create_app
    from ..web.security import is_loopback, load_token
    from ..web.server import bind, run, url_of

    config = _web_config(ctx, host)
    if not is_loopback(host):
        warn(f"--host {host} is not this machine's loopback: others on the network can read your search")
    sock = bind(host, port)
    _, bound_port, url = url_of(sock)
    config = _with_origins(config, host, bound_port)
    token_file = ctx.home / "web-token"
    token = f": {load_token(ctx.home)}" if show_token else ""  # else kept out of journals and scrollback

    def opened() -> None:  # a Ctrl-C from here on stops the server cleanly
        click.echo(f"tactful: the board is at {url} (Ctrl-C stops)", err=True)
        click.echo(f"tactful: API token (kept in {token_file}){token}", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url)

    try:
        stopped_by = run(create_app(config), sock, opened)
    finally:
        sock.close()
    click.echo("tactful: stopped", err=True)
    if stopped_by == signal.SIGINT:
        sys.exit(130)  # what shells expect after Ctrl-C (128 + 2); SIGTERM is a clean stop, 0


def check_extra() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise InputError("'tactful serve' needs the web extra: pip install 'tactful[web]'") from None


def _web_config(ctx: Context, host: str) -> Any:
    from ..web.config import WebConfig
    from ..web.security import host_names, load_token

    fixed = ctx.now() if ctx.now_text else None
    now = (lambda: fixed) if fixed else (lambda: datetime.now().astimezone())
    ctx.home.mkdir(parents=True, exist_ok=True)
    names, any_ip = host_names(host)
    return WebConfig(open_engine=lambda: ctx.open_engine(now), now=now, tz=user_zone(), token=load_token(ctx.home),
                     hosts=names, origins=frozenset(), any_ip_host=any_ip, calendar_feed=_feed(ctx))  # fmt: skip


def _with_origins(config: Any, host: str, port: int) -> Any:
    from dataclasses import replace

    from ..web.security import origins_for

    return replace(config, origins=origins_for(host, port))


def _feed(ctx: Context) -> Path | None:
    """The calendar plugin's feed, rebuilt now, when a ``calendar:`` section turns it on."""
    ctx.plugins()
    if ctx.config is None or "calendar" not in ctx.config:
        return None
    from .tickcmd import publish_schedule

    publish_schedule(ctx)
    section = ctx.config["calendar"] or {}
    path = Path(str(section.get("file", "calendar.ics"))).expanduser()
    return path if path.is_absolute() else ctx.home / path
