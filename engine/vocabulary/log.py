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
import re
import sys
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from .text import quoted

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("console", "json")
#: The standard-library loggers of the adapters' libraries, logged through tactful's pipeline
#: (same level, format and colour), their secrets redacted first (see :func:`redact`).
LIBRARY_LOGGERS = ("apprise", "caldav", "psycopg")
#: Libraries whose warnings come to tactful's log as info: psycopg's pool says "discarding
#: closed connection" when one drops, which tactful reports itself, in its own words.
QUIET_LIBRARIES = ("psycopg",)
#: What :func:`redact` puts in place of a secret.
HIDDEN = "***"
#: A URL's login (``scheme://user:password@``) and the value of an ``Authorization`` header,
#: as a library writes it in a line, a header dump or a dict's repr.
_USERINFO = re.compile(r"(?P<keep>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@'\"]+@")
_AUTHORIZATION = re.compile(r"(?P<keep>(?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+", re.IGNORECASE)
_verbosity = 0
_level = "warning"
#: The least level of a library's line that is written, when a command keeps them quieter
#: than its own (the worker: its own start and stop at info, libraries' chatter not).
_library_floor = "debug"
_pending: Callable[[], None] | None = None
_forwarding = False
#: Secrets a plugin handed over (the parts of its URLs, a password), never shown in a library's
#: log line; longest first, so that a part of a longer secret does not leave the rest readable.
_secrets: list[str] = []


def add_secrets(*values: str) -> None:
    """Never let ``values`` (an Apprise URL's tokens, a password) appear in a library's log
    line: :func:`redact` replaces them. Values shorter than 3 characters are ignored."""
    known = set(_secrets)
    known.update(value for value in values if value and len(value) >= 3)
    _secrets[:] = sorted(known, key=len, reverse=True)


def redact(text: str, secrets: bool = True) -> str:
    """``text`` without the secrets it may hold: URL logins, ``Authorization`` header values
    and, with ``secrets``, every value given to :func:`add_secrets`."""
    text = _USERINFO.sub(rf"\g<keep>{HIDDEN}@", text)
    text = _AUTHORIZATION.sub(rf"\g<keep>{HIDDEN}", text)
    if secrets:
        for secret in _secrets:
            text = text.replace(secret, HIDDEN)
    return text


def _redact_event(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """The structlog processor: every text value of a line redacted; a library's lines (which
    may quote what tactful never logs itself) also lose every secret a plugin handed over."""
    secrets = "library" in event
    return {key: redact(value, secrets) if isinstance(value, str) else value for key, value in event.items()}


class _Quiet:
    """The CLI's logger while its level lets no ``debug`` or ``info`` line through and nothing
    has been written yet: those lines cost a call, and structlog (a tenth of a second to
    import) is imported only for a line that is written."""

    def debug(self, *_args: Any, **_values: Any) -> None:
        return None

    info = debug

    def __getattr__(self, name: str) -> Any:
        return getattr(_structlog_logger(), name)


_QUIET = _Quiet()


def logger() -> Any:
    """The ``tactful`` structlog logger (configured first, if the CLI asked for that).

    When nobody configured structlog, tactful logs through the standard library's
    ``logging.getLogger("tactful")`` instead of structlog's default of printing to stdout, so
    an embedding app hears nothing unless it configures logging.
    """
    if _pending is not None and LEVELS.index(level()) > LEVELS.index("info"):
        return _QUIET
    return _structlog_logger()


def _structlog_logger() -> Any:
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
    library_levels()


def level() -> str:
    """The level the CLI logs at: ``TACTFUL_LOG_LEVEL`` (or the default), moved by -v/-q."""
    index = min(max(LEVELS.index(_level) - _verbosity, 0), len(LEVELS) - 1)
    return LEVELS[index]


def configure_cli(default: str = "warning", libraries: str | None = None) -> None:
    """Arrange for log lines to go to stderr, filtered by ``TACTFUL_LOG_LEVEL`` (else
    ``default``; moved by ``-v``/``-q``), rendered as ``TACTFUL_LOG_FORMAT`` says: ``console``
    (default; coloured only on a terminal, never when ``NO_COLOR`` is set) or ``json`` (one
    object a line, for cron and systemd). The lines of Apprise, caldav and psycopg take the same
    way, at the same level (psycopg's warnings as info), and from ``libraries`` up when that
    is given, unless the level is ``debug``; every line is redacted first (see :func:`redact`).

    Raises:
        ValueError: for a level or a format that is not one of those known.
    """
    global _pending, _level, _library_floor
    given = os.environ.get("TACTFUL_LOG_LEVEL", default).lower()
    _library_floor = libraries if libraries in LEVELS else "debug"
    if given not in LEVELS:
        raise ValueError(f"TACTFUL_LOG_LEVEL {quoted(given)} is not one of {', '.join(LEVELS)}")
    fmt = os.environ.get("TACTFUL_LOG_FORMAT", "console").lower()
    if fmt not in FORMATS:
        raise ValueError(f"TACTFUL_LOG_FORMAT {quoted(fmt)} is not one of {', '.join(FORMATS)}")
    _level = given
    _forward_library_logs()

    def configure() -> None:
        import logging

        import structlog

        structlog.configure(
            processors=[
                _redact_event,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                _renderer(fmt),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level().upper())),
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
    """Send the lines of the adapters' libraries (standard ``logging``) through tactful's log,
    at tactful's level; :func:`_redact_event` takes their secrets out on the way."""
    import logging

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                said = record.getMessage()
            except Exception:  # noqa: BLE001 - a library's malformed line is not worth a crash
                said = str(record.msg)
            quiet = record.name.split(".")[0] in QUIET_LIBRARIES
            number = min(record.levelno, logging.INFO) if quiet else record.levelno
            if number >= getattr(logging, _library_floor.upper()) or level() == "debug":
                logger().log(number, said, library=record.name)

    global _forwarding
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        if not any(type(h).__name__ == "Forward" for h in library.handlers):
            library.addHandler(Forward())
        library.propagate = False
    _forwarding = True
    library_levels()


def library_levels() -> None:
    """The libraries log what tactful's level lets through, and their warnings always (the sms
    adapter collects Apprise's into a failed delivery's reason). Called again after importing
    a library that sets its own level on import (caldav does)."""
    if not _forwarding:
        return
    import logging

    number = getattr(logging, level().upper())
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.setLevel(min(number, logging.WARNING))
        for handler in library.handlers:
            if type(handler).__name__ == "Forward":
                handler.setLevel(number)
