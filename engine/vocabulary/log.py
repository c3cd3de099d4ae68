"""Logging through structlog, imported only when something is logged.

The library logs to whatever structlog configuration the embedding app has (or, when there
is none, to the standard library's ``logging`` under the name ``tactful``). The CLI asks
for its own configuration (standard error, level ``TACTFUL_LOG_LEVEL``, default
``warning``, format ``TACTFUL_LOG_FORMAT``), applied on first use so that commands that
log nothing never import structlog.
Message bodies, news text and secrets are never logged at info level.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("console", "json")
#: The standard-library loggers of the adapters' libraries, logged through tactful's pipeline.
#: Not Apprise's: its lines quote the service URLs, which hold the secrets; the sms plugin
#: collects them, redacted, into the delivery's error, which is logged and shown.
LIBRARY_LOGGERS = ("caldav", "psycopg")
#: Libraries whose warnings come to tactful's log as info: psycopg's pool says "discarding
#: closed connection" when one drops, which tactful reports itself, in its own words.
QUIET_LIBRARIES = ("psycopg",)
_verbosity = 0
_pending: Callable[[], None] | None = None


def logger() -> Any:
    """The ``tactful`` structlog logger (configured first, if the CLI asked for that).

    When nobody configured structlog, tactful logs through the standard library's
    ``logging.getLogger("tactful")`` instead of structlog's default of printing to stdout, so
    an embedding app hears nothing unless it configures logging.
    """
    global _pending
    import structlog

    if _pending is not None:
        configure, _pending = _pending, None
        configure()
    if not structlog.is_configured():
        import logging

        renderer = structlog.processors.KeyValueRenderer(key_order=["event"])
        return structlog.wrap_logger(logging.getLogger("tactful"), processors=[renderer])
    return structlog.get_logger("tactful")


def set_verbosity(steps: int) -> None:
    """Log ``steps`` levels more (``-v``: positive) or fewer (``-q``: negative) than the
    configured level; applied when the CLI's configuration is."""
    global _verbosity
    _verbosity = steps


def configure_cli(default: str = "warning") -> None:
    """Arrange for log lines to go to stderr, filtered by ``TACTFUL_LOG_LEVEL`` (else
    ``default``; moved by ``-v``/``-q``), rendered as ``TACTFUL_LOG_FORMAT`` says: ``console`` (default; coloured only
    on a terminal, never when ``NO_COLOR`` is set) or ``json`` (one object a line, for cron and
    systemd). caldav's warnings take the same way (psycopg's as info); Apprise's reach it redacted, through the sms
    plugin's delivery errors.

    Raises:
        ValueError: for a level or a format that is not one of those known.
    """
    global _pending
    level = os.environ.get("TACTFUL_LOG_LEVEL", default).lower()
    if level not in LEVELS:
        raise ValueError(f"TACTFUL_LOG_LEVEL {level!r} is not one of {', '.join(LEVELS)}")
    fmt = os.environ.get("TACTFUL_LOG_FORMAT", "console").lower()
    if fmt not in FORMATS:
        raise ValueError(f"TACTFUL_LOG_FORMAT {fmt!r} is not one of {', '.join(FORMATS)}")
    _forward_library_logs()

    def configure() -> None:
        import logging

        import structlog

        index = min(max(LEVELS.index(level) - _verbosity, 0), len(LEVELS) - 1)
        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                _renderer(fmt),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, LEVELS[index].upper())),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
            cache_logger_on_first_use=True,
        )

    _pending = configure


def _renderer(fmt: str) -> Any:
    import structlog

    if fmt == "json":
        return structlog.processors.JSONRenderer()
    colors = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    return structlog.dev.ConsoleRenderer(colors=colors)


def _forward_library_logs() -> None:
    """Send the warnings of the adapters' libraries (standard ``logging``) through tactful's log.

    Only warnings and errors: their debug lines may hold URLs and logins.
    """
    import logging

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            quiet = record.name.split(".")[0] in QUIET_LIBRARIES
            level = min(record.levelno, logging.INFO) if quiet else record.levelno
            logger().log(level, record.getMessage(), library=record.name)

    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.addHandler(Forward(logging.WARNING))
        library.propagate = False
