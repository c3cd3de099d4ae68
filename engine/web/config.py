"""What the web app is given: how to open the engine, the clock, the user's zone, the token
and the names it answers to. The CLI's `serve` builds it; tests build their own."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass(frozen=True)
class WebConfig:
    """The web app's settings.

    ``open_engine`` makes an engine; each thread that serves requests gets its own (an SQLite
    connection belongs to the thread that opened it). ``now`` is asked once per request. ``tz``
    is the user's zone: times are shown in it, except on the pages of a candidate with a zone
    of their own.
    ``hosts`` are the ``Host`` names (without port) requests may carry; ``origins`` the
    ``Origin`` values a write may come from. ``calendar_feed`` is the calendar plugin's
    ``.ics`` file, served at ``/calendar.ics`` when set.
    """

    open_engine: Callable[[], Engine]
    now: Callable[[], datetime]
    tz: tzinfo
    token: str
    hosts: frozenset[str]
    origins: frozenset[str]
    any_ip_host: bool = False
    calendar_feed: Path | None = None
    _local: threading.local = field(default_factory=threading.local, repr=False, compare=False)

    def engine(self) -> Engine:
        """This thread's engine, opened on first use."""
        engine: Engine | None = getattr(self._local, "engine", None)
        if engine is None:
            engine = self._local.engine = self.open_engine()
        return engine

    @property
    def csrf(self) -> str:
        """The token forms carry: derived from the API token, so it never reveals it."""
        return hmac.new(self.token.encode(), b"tactful form", hashlib.sha256).hexdigest()
