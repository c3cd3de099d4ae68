"""Run the web app with uvicorn on a socket bound first, so that the URL printed is the one
listening (``--port 0`` picks a free port) before the first request."""

from __future__ import annotations

import socket
from collections.abc import Callable

from ..errors import InputError
from ..vocabulary.text import quoted


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port``.

    Raises:
        InputError: when the address cannot be had (in use, not this machine's).
    """
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise InputError(f"--host {quoted(host)} is not an address of this machine ({err.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        hint = "; choose another with --port (0 picks a free one)" if err.errno == 98 else ""
        raise InputError(f"cannot listen on {host}:{port}: {err.strerror}{hint}") from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> tuple[str, int, str]:
    """(host, port, URL) of a bound socket; an IPv6 address in brackets."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):  # noqa: S104 - naming it, not binding to it
        shown = "127.0.0.1"
    return host, port, f"http://{shown}:{port}/"


def run(app: object, sock: socket.socket, on_started: Callable[[], None] = lambda: None) -> int | None:
    """Serve ``app`` on ``sock`` until Ctrl-C (or SIGTERM); uvicorn finishes what is under way.

    ``on_started`` is called once a signal would stop the server (print the URL there: a
    Ctrl-C right after it is not lost). Returns the signal that stopped it, if one did.
    """
    import signal

    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    caught: list[int] = []

    def note(signum: int, _frame: object) -> None:  # before uvicorn listens, and when it raises it again after
        caught.append(signum)
        server.should_exit = True

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        on_started()
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return caught[0] if caught else None
