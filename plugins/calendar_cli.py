"""``tactful calendar``: rebuild the calendar feed now, or serve it over HTTP on 127.0.0.1.

Added by the calendar plugin (:func:`tactful.plugins.calendar.tactful_register_commands`),
so these commands exist when ``config.yaml`` has a ``calendar:`` section.
"""

from __future__ import annotations

import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from ..cli.context import Context, common, json_flag
from ..cli.types import Count
from ..vocabulary.log import logger
from . import calendar_config as adapter
from .calendar_caldav import brief_error, push
from .calendar_files import feed_path, write_feeds

#: The paths the feed is served at; anything else is 404.
FEED_PATHS = ("/", "/calendar.ics")


@click.group(name="calendar", short_help="The calendar feed of what is due: write it, or serve it.")
def calendar() -> None:
    """The calendar feed of what is due: rebuild it, or serve it on 127.0.0.1.

    'write' rebuilds it now, 'serve' serves it for calendar apps that subscribe by URL.

    \b
    tactful calendar write
    tactful calendar serve --port 8765
    """


@calendar.command(short_help="Rebuild the feeds now (and push to CalDAV).")
@json_flag
@common
def write(ctx: Context) -> None:
    """Rebuild the feeds from the store now (and push to CalDAV when configured).

    Each candidate has a feed of their own; the implicit candidate's is the configured file,
    and only theirs is pushed to CalDAV.

    \b
    tactful calendar write
    tactful calendar write --json
    """
    settings = _settings(ctx)
    feeds = _write_all(ctx, settings)
    events = feeds[""]
    doc: dict[str, Any] = {"file": str(settings.file), "events": len(events), "caldav": None,
                           "feeds": [{"candidate": key, "file": str(feed_path(settings.file, key)),
                                      "events": len(found)} for key, found in sorted(feeds.items())]}  # fmt: skip
    text = f"Wrote {len(events)} event{'s' if len(events) != 1 else ''} to {settings.file}."
    if len(feeds) > 1:
        text += f" Wrote the feeds of {len(feeds) - 1} other candidate{'s' if len(feeds) > 2 else ''} beside it."
    if settings.caldav is not None:
        try:
            report = push(settings.caldav, events)
        except Exception as err:  # noqa: BLE001 - any failure of the server or the library is reported the same way
            raise click.ClickException(f"the feed was written, but pushing to {settings.caldav.url} failed: "
                                       f"{brief_error(err)}") from None  # fmt: skip
        doc["caldav"] = {"created": report.created, "updated": report.updated, "deleted": report.deleted,
                         "unchanged": report.unchanged}  # fmt: skip
        text += (f" CalDAV: {len(report.created)} created, {len(report.updated)} updated, "
                 f"{len(report.deleted)} removed, {report.unchanged} unchanged.")  # fmt: skip
    ctx.emit(doc, lambda: text)


@calendar.command(short_help="Serve the feed on 127.0.0.1 until Ctrl-C.")
@click.option("--host", metavar="ADDRESS", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8765, show_default=True, type=Count(min=0, max=65535, meaning="a port"),
              metavar="PORT", help="The port to listen on; 0 picks a free one.")  # fmt: skip
@common
def serve(ctx: Context, host: str, port: int) -> None:
    """Serve the feed at http://HOST:PORT/calendar.ics until stopped (Ctrl-C).

    The feeds are rebuilt from the store first; after that each request reads the file that
    'tactful tick' keeps up to date. This serves the implicit candidate's feed (yours, when
    you use tactful alone); other candidates' files are beside it, for your own server.

    \b
    tactful calendar serve
    tactful calendar serve --port 0
    """
    settings = _settings(ctx)
    _write_all(ctx, settings)
    try:
        server = _server(host, port, settings.file)
    except OSError as err:
        raise click.ClickException(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    bound = server.server_address[1]
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"tactful: serving {settings.file} at http://{shown}:{bound}/calendar.ics (Ctrl-C stops)", err=True)
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("tactful: stopped serving the calendar feed", err=True)
    finally:
        server.server_close()


def _settings(ctx: Context) -> adapter.Settings:
    """The calendar settings of ``ctx``'s home (its config.yaml, loaded with the plugins)."""
    if not ctx.plugins().has_plugin("calendar"):
        raise click.ClickException(f"the calendar plugin is not configured in {ctx.home / 'config.yaml'}")
    return adapter.configured()


def _write_all(ctx: Context, settings: adapter.Settings) -> dict[str, Any]:
    """Every candidate's feed, rebuilt from the store: their events, by key."""
    candidates = {c.key: c for c in ctx.engine().candidates()}
    return write_feeds(settings.file, ctx.schedule(), candidates, ctx.now())


def _server(host: str, port: int, feed: Path) -> FeedServer:
    return (FeedServer6 if ":" in host else FeedServer)((host, port), feed)


class FeedServer(ThreadingHTTPServer):
    """An HTTP server for one feed file."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], feed: Path) -> None:
        self.feed = feed
        super().__init__(address, FeedHandler)


class FeedServer6(FeedServer):
    """The same, on an IPv6 address."""

    address_family = socket.AF_INET6


class FeedHandler(BaseHTTPRequestHandler):
    """Answers GET (and HEAD) for the feed with the file's current content; 404 otherwise."""

    server: FeedServer
    server_version = "tactful"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        if urlsplit(self.path).path not in FEED_PATHS:
            self._send(404, b"Not found: the feed is at /calendar.ics\n", "text/plain; charset=utf-8", with_body)
            return
        try:
            data = self.server.feed.read_bytes()
        except FileNotFoundError:
            self._send(503, b"No feed yet: run 'tactful calendar write'\n", "text/plain; charset=utf-8", with_body)
            return
        self._send(200, data, "text/calendar; charset=utf-8", with_body)

    def _send(self, status: int, data: bytes, kind: str, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the signature http.server calls
        logger().info("calendar feed request", request=self.requestline, client=self.client_address[0])
