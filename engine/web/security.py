"""Safe by default: the API token kept in the home, the ``Host`` check against DNS
rebinding, and the rules every write follows (a token, no foreign ``Origin``)."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import WebConfig

TOKEN_FILE = "web-token"  # noqa: S105 - the name of the file that keeps it, not a token
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def load_token(home: Path) -> str:
    """The API's bearer token, made on first use and kept readable by the user alone."""
    path = home / TOKEN_FILE
    if path.exists():
        path.chmod(0o600)
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 32:
            return token
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("0.0.0.0", "::", "")  # noqa: S104 - recognising it, not binding to it


def host_names(host: str) -> tuple[frozenset[str], bool]:
    """The ``Host`` names a server bound to ``host`` answers to, and whether any IP address
    literal is allowed too (bound to every interface)."""
    names = {host.strip("[]").lower()}
    if is_loopback(host):
        names |= LOOPBACK_NAMES
    if is_wildcard(host):
        import socket

        names |= LOOPBACK_NAMES | {socket.gethostname().lower()}
    return frozenset(names), is_wildcard(host)


def _host_name(value: str) -> str:
    """The name part of a ``Host`` header: ``[::1]:8765`` -> ``::1``."""
    if value.startswith("["):
        return value[1 : value.find("]")].lower() if "]" in value else ""
    return value.rsplit(":", 1)[0].lower() if value.count(":") == 1 else value.lower()


def _ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class HostGuard:
    """Refuses (400) a request whose ``Host`` is not a name the server was bound as: a page
    on another site that rebinds its DNS name to 127.0.0.1 still sends its own name. Every
    answer says ``nosniff``, so that no browser reads a JSON error as a page."""

    def __init__(self, app: ASGIApp, config: WebConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = _host_name(Headers(scope=scope).get("host", ""))
            allowed = name in self.config.hosts or (self.config.any_ip_host and _ip_literal(name))
            if not allowed:
                response = PlainTextResponse("Bad request: this server answers only to its own address.\n", 400)
                return await response(scope, receive, send)

        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-content-type-options", b"nosniff")]
            await send(message)

        await self.app(scope, receive, send_nosniff if scope["type"] == "http" else send)


def foreign_origin(headers: Headers, config: WebConfig) -> bool:
    """True when the request comes from a page of another site (its ``Origin`` is not ours)."""
    origin = headers.get("origin")
    if origin is None:
        return False
    return origin != f"http://{headers.get('host', '')}" and origin not in config.origins


def bearer_ok(headers: Headers, config: WebConfig) -> bool:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), config.token.encode())


def csrf_ok(given: object, config: WebConfig) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given.encode(), config.csrf.encode())


def origins_for(host: str, port: int) -> frozenset[str]:
    """The ``Origin`` values of this server's own pages."""
    names, _ = host_names(host)
    return frozenset(f"http://{'[' + n + ']' if ':' in n else n}:{port}" for n in names)


#: The largest request body the board takes (a form or a JSON event): an event's fields are a
#: few texts of at most 4,000 characters each.
MAX_BODY = 64 * 1024


class _TooLarge(Exception):
    """A request body past :data:`MAX_BODY`, found while it streams in."""


class BodyLimit:
    """Answers 413, one line of JSON, for a request body past :data:`MAX_BODY`: one that says so
    in its ``Content-Length`` before it is read, one that streams past it as it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = Headers(scope=scope).get("content-length", "0")
        if not length.isdigit() or len(length) > 12 or int(length) > MAX_BODY:
            return await _too_large(scope, receive, send)
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    from starlette.responses import JSONResponse

    message = f"the request body is larger than {MAX_BODY // 1024} KiB; an event's fields are a few lines"
    await JSONResponse({"error": message}, status_code=413)(scope, receive, send)
