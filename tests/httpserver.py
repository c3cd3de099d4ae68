"""A real HTTP server on 127.0.0.1 for tests: it records every request and answers with the
status the test sets. The stdlib's ThreadingHTTPServer, in a thread, on a free port."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RecordingServer:
    """What a running :func:`recording_server` has seen; set ``status`` to change its answer."""

    port: int
    status: int = 200
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def posts(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]


@contextmanager
def recording_server() -> Iterator[RecordingServer]:
    """Run a server until the block ends; every request is kept, in order."""
    state = RecordingServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server looks for
            length = int(self.headers.get("Content-Length") or 0)
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request("POST", self.path, headers, self.rfile.read(length))
            with state.lock:
                state.requests.append(request)
                status = state.status
            body = b'{"ok": true}' if status < 300 else b'{"error": "the test server says no"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # the stdlib names it so
            return  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name="recording-http-server", daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
