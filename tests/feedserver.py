"""A real HTTP server on 127.0.0.1 serving fixture news feeds, and misbehaving on demand.

Each path answers what the test put in ``routes``: a :class:`Route` with a status, headers and
a body, or a behaviour: ``hang`` (read the request, answer nothing), ``drop`` (send half a
chunked body, then close). Every request's headers are kept, to see the conditional GETs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    behaviour: str = ""  # "", "hang", "drop", or "unsized" (no Content-Length: the body until the close)


@dataclass
class FeedServer:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def asked(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]


def rss(*items: tuple[str, str, str], title: str = "Northwind newsroom") -> bytes:
    """An RSS 2.0 feed of ``(title, link, RFC 822 date)`` items."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{d}</pubDate></item>"
                      for t, link, d in items)  # fmt: skip
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://northwind.example/</link>{entries}</channel></rss>").encode()  # fmt: skip


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    state = FeedServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # the name http.server looks for
            state.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = state.routes.get(self.path, Route(b"not here", 404))
            if route.behaviour == "hang":
                state.release.wait(60)  # until the test ends: the client's time-out comes first
                return
            if route.behaviour == "drop":
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                half = route.body[: len(route.body) // 2]
                self.wfile.write(f"{len(route.body):x}\r\n".encode() + half)
                self.wfile.flush()
                self.close_connection = True
                return
            etag = route.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(route.status)
            for name, value in {"Content-Type": "application/rss+xml", **route.headers}.items():
                self.send_header(name, value)
            if route.behaviour == "unsized":
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped: a size cap
                self.wfile.write(route.body)

        def log_message(self, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
