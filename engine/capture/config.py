"""Reads the ``mailbox:`` section of ``config.yaml``, for `tactful sync`.

The section looks like this::

    mailbox:
      host: imap.example.org       # required
      port: 993                    # default: 993 (tls), 143 (starttls or none)
      security: tls                # tls (default), starttls, or none (this machine only)
      username: me@example.org     # required; the password only from TACTFUL_IMAP_PASSWORD
      folders: [Sent, INBOX]       # default: the folder flagged \\Sent, then INBOX
      every: 15 minutes            # how often `tactful worker` syncs (default: never)
      auto: certain                # let certain proposals record themselves (default: off)
      ca_file: ~/my-ca.pem         # optional: trust this CA instead of the system's
      timeout: 30                  # seconds to connect and for each answer

:func:`parse_mailbox` checks every key and reports every problem at once, each at
``config.yaml:LINE:COL``, as the email section's check does.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..errors import Location, Problems, RuleErrors
from ..language.durations import parse_duration
from ..language.yamltree import YMap

SECTION = "mailbox"
KEYS = ("host", "port", "security", "username", "folders", "every", "auto", "ca_file", "timeout")
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
AUTO = ("certain", "off")
#: The most folders a section may name, and the longest name.
MAX_FOLDERS, MAX_FOLDER_NAME = 50, 200


@dataclass(frozen=True, slots=True)
class Mailbox:
    """The checked ``mailbox:`` section."""

    host: str
    username: str
    port: int = 993
    security: str = "tls"
    folders: tuple[str, ...] = ()  # empty: the \\Sent folder, then INBOX
    every: timedelta | None = None
    auto: bool = False
    ca_file: str | None = None
    timeout: float = 30.0

    @property
    def account(self) -> str:
        """What the reading marks are kept under: ``username@host:port``."""
        return f"{self.username}@{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class News:
    """The checked ``news:`` section: how long to wait for a feed, how often the worker reads them."""

    timeout: float = 20.0
    every: timedelta | None = None


NEWS_SECTION, NEWS_KEYS = "news", ("timeout", "every")


def parse_news(section: Mapping[str, Any]) -> News:
    """The settings of a ``news:`` section (``timeout: 20``, ``every: 1 hour``).

    Raises:
        RuleErrors: every problem at once, each where it was written.
    """
    problems = Problems()
    problems.keys(section, NEWS_KEYS, "the news section", noun="setting", otherwise="; the settings are timeout, every")
    values: dict[str, Any] = {}
    for key in NEWS_KEYS:
        if key in section:
            value, message = _CHECKS[key](section[key])
            if message:
                problems.error(_where(section, key), f"news: {key}: {message}")
            values[key] = value
    if problems.errors:
        raise RuleErrors(problems.errors)
    return News(timeout=float(values.get("timeout", 20.0)), every=values.get("every"))


def parse_mailbox(section: Mapping[str, Any]) -> Mailbox:
    """The settings of a ``mailbox:`` section.

    Raises:
        RuleErrors: every problem at once, each where it was written.
    """
    problems = Problems()
    unknown = problems.keys(section, KEYS, "the mailbox section", noun="setting",
                            otherwise=f"; the settings are {', '.join(KEYS)}")  # fmt: skip
    values: dict[str, Any] = {}
    for key, check in _CHECKS.items():
        if key in section:
            value, message = check(section[key])
            if message:
                problems.error(_where(section, key), f"mailbox: {key}: {message}")
            else:
                values[key] = value
    for key, needs in (("host", "your IMAP server, e.g. imap.fastmail.com"),
                       ("username", "your login, e.g. me@example.org")):  # fmt: skip
        if key not in section and key not in set(unknown.values()):
            problems.error(_where(section, None), f"the mailbox section needs '{key}': {needs}")
    if not problems.errors:
        _check_together(section, values, problems)
    if problems.errors:
        raise RuleErrors(problems.errors)
    security = values.get("security", "tls")
    ca_file = values.get("ca_file")
    return Mailbox(host=values["host"], username=values["username"],
                   port=values.get("port", DEFAULT_PORTS[security]), security=security,
                   folders=tuple(values.get("folders", ())), every=values.get("every"),
                   auto=values.get("auto") == "certain", ca_file=str(_resolve(section, ca_file)) if ca_file else None,
                   timeout=float(values.get("timeout", 30.0)))  # fmt: skip


def _check_together(section: Mapping[str, Any], values: dict[str, Any], problems: Problems) -> None:
    if values.get("security") == "none" and not on_this_machine(values["host"]):
        problems.error(_where(section, "security"), "mailbox: security: none sends your password unencrypted, "
                       "so it is allowed only for a server on this machine (localhost, 127.0.0.1, ::1); "
                       "use tls or starttls")  # fmt: skip
    ca_file = values.get("ca_file")
    if not ca_file:
        return
    path = _resolve(section, ca_file)
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        problems.error(_where(section, "ca_file"), f"mailbox: ca_file: {path} is not a readable PEM CA certificate "
                       "('-----BEGIN CERTIFICATE')")  # fmt: skip


def on_this_machine(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` or a loopback address."""
    if host.lower().rstrip(".") in ("localhost", "localhost.localdomain"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback


def _text(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip() or len(value) > 500:
        return None, "must be text (up to 500 characters)"
    return value.strip(), None


def _port(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return None, "must be a whole number from 1 to 65535, e.g. 993 for tls or 143 for starttls"
    return value, None


def _security(value: Any) -> tuple[Any, str | None]:
    return (value, None) if value in DEFAULT_PORTS else (None, f"{value!r} is not one of tls, starttls, none")


def _folders(value: Any) -> tuple[Any, str | None]:
    good = isinstance(value, list) and 0 < len(value) <= MAX_FOLDERS
    if not good or not all(isinstance(f, str) and f.strip() and len(f) <= MAX_FOLDER_NAME for f in value):
        return None, f"must be a list of folder names (at most {MAX_FOLDERS}), e.g. [Sent, INBOX]"
    return [f.strip() for f in value], None


def _every(value: Any) -> tuple[Any, str | None]:
    try:
        every = parse_duration(value)
    except ValueError as err:
        return None, f"{err} (e.g. '15 minutes')"
    if every < timedelta(minutes=1):
        return None, f"{value!r} is too often; sync at most once a minute, e.g. '15 minutes'"
    return every, None


def _auto(value: Any) -> tuple[Any, str | None]:
    if value is False or value is None:
        return "off", None
    return (value, None) if value in AUTO else (None, f"{value!r} is not one of certain, off")


def _timeout(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
        return None, "must be a number of seconds above 0 and up to 600, e.g. 30"
    return value, None


_CHECKS = {"host": _text, "port": _port, "security": _security, "username": _text, "folders": _folders,
           "every": _every, "auto": _auto, "ca_file": _text, "timeout": _timeout}  # fmt: skip


def _where(section: Mapping[str, Any], key: str | None) -> Location | None:
    """Where ``key`` (None: the section) was written; None for a plain mapping."""
    if isinstance(section, YMap):
        return section.where(key) if key else section.loc
    return None


def _resolve(section: Mapping[str, Any], path: str) -> Path:
    """``path`` with ``~`` expanded, a relative one taken from config.yaml's folder."""
    loc = _where(section, None)
    base = Path(loc.path).parent if loc is not None else Path.cwd()
    return base / Path(path).expanduser()  # an absolute path stays as it is
