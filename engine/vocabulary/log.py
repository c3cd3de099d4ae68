"""Logging through structlog, imported only when something is logged.

The library logs to whatever structlog configuration the embedding app has (or, when there
is none, to the standard library's ``logging`` under the name ``tactful``). The CLI asks
for its own configuration (standard error, level ``TACTFUL_LOG_LEVEL``, default
``warning``), applied on first use so that commands that log nothing never import structlog.
Message bodies, news text and secrets are never logged at info level.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

LEVELS = ("debug", "info", "warning", "error")
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


def configure_cli(default: str = "warning") -> None:
    """Arrange for log lines to go to stderr, filtered by ``TACTFUL_LOG_LEVEL`` (else ``default``).

    Raises:
        ValueError: for a level that is not one of debug, info, warning, error.
    """
    global _pending
    level = os.environ.get("TACTFUL_LOG_LEVEL", default).lower()
    if level not in LEVELS:
        raise ValueError(f"TACTFUL_LOG_LEVEL {level!r} is not one of {', '.join(LEVELS)}")

    def configure() -> None:
        import logging

        import structlog

        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.dev.ConsoleRenderer(colors=False),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level.upper())),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
            cache_logger_on_first_use=True,
        )

    _pending = configure
