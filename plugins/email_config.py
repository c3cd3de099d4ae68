"""Reads the ``email:`` section of ``config.yaml`` for the email adapter (:mod:`tactful.plugins.email`).

The section looks like this::

    email:
      host: smtp.example.org       # required
      port: 587                    # default: 587 (starttls), 465 (tls), 25 (none)
      security: starttls           # starttls (default), tls, or none (this machine only)
      from: tactful <me@example.org>   # default: the 'to' address
      to: me@example.org           # required: your own address, never the employer's; also
                                   # where a candidate's go when they have no email of their own
      username: me@example.org     # optional; or TACTFUL_SMTP_USERNAME
      ca_file: ~/my-ca.pem         # optional: trust this CA instead of the system's
      timeout: 30                  # seconds to connect and for each answer
      notify: [action_due]         # add 'transition' for a note on each change of state

:func:`parse_settings` checks every key and reports every problem at once, each at
``config.yaml:LINE:COL``; plain SMTP is allowed only to this machine, and a ``ca_file`` must
hold a PEM certificate. The result is a frozen :class:`Settings`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Location, Problems, RuleErrors
from ..language.yamltree import YMap

KEYS = ("host", "port", "security", "from", "to", "username", "ca_file", "timeout", "notify")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
KINDS = ("action_due", "transition")
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


@dataclass(frozen=True, slots=True)
class Settings:
    """The checked ``email:`` section."""

    host: str
    to: str
    sender: str
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    ca_file: str | None = None
    timeout: float = 30.0
    notify: frozenset[str] = frozenset({"action_due"})


def parse_settings(section: Mapping[str, Any]) -> Settings:
    """The settings of an ``email:`` section.

    Raises:
        RuleErrors: every problem at once, each where it was written: unknown keys (with the
            closest known one), wrong types, a missing ``host`` or ``to``.
    """
    problems = Problems()

    def problem(key: str | None, message: str) -> None:
        problems.error(_where(section, key), message)

    unknown = problems.keys(section, KEYS, "the email section", noun="setting",
                            otherwise=f"; the settings are {', '.join(KEYS)}")  # fmt: skip
    suggested = set(unknown.values())
    values: dict[str, Any] = {}
    for key, check in _CHECKS.items():
        if key in section:
            value, message = check(section[key])
            if message:
                problem(key, f"{key}: {message}")
            else:
                values[key] = value
    for key in ("host", "to"):
        if key not in section and key not in suggested:
            problem(None, f"the email section needs '{key}': {_NEEDS[key]}")
    if not problems.errors:
        _check_together(section, values, problem)
    if problems.errors:
        raise RuleErrors(problems.errors)
    return _build(section, values)


def _build(section: Mapping[str, Any], values: dict[str, Any]) -> Settings:
    security = values.get("security", "starttls")
    ca_file = values.get("ca_file")
    return Settings(
        host=values["host"],
        to=values["to"],
        sender=values.get("from", values["to"]),
        port=values.get("port", DEFAULT_PORTS[security]),
        security=security,
        username=values.get("username"),
        ca_file=str(_resolve(section, ca_file)) if ca_file else None,
        timeout=float(values.get("timeout", 30.0)),
        notify=frozenset(values.get("notify", ("action_due",))),
    )


def _check_together(section: Mapping[str, Any], values: dict[str, Any], problem: Callable[[str, str], None]) -> None:
    """Rules that involve more than one key: plain SMTP only to this machine, a CA that exists."""
    if values.get("security") == "none" and not is_loopback(values["host"]):
        problem("security", "security: none sends mail and passwords unencrypted, so it is allowed only for a "
                "server on this machine (localhost, 127.0.0.1, ::1); use starttls or tls")  # fmt: skip
    if values.get("security") == "none" and "ca_file" in values:
        problem("ca_file", "ca_file: is for starttls or tls; with security: none there is no certificate to check")
    ca_file = values.get("ca_file")
    if ca_file and not _resolve(section, ca_file).is_file():
        problem("ca_file", f"ca_file: no file at {_resolve(section, ca_file)}; give the path of a PEM CA certificate")
    elif ca_file and not _loads_as_ca(_resolve(section, ca_file)):
        problem("ca_file", f"ca_file: {_resolve(section, ca_file)} holds no PEM certificate ('-----BEGIN CERTIFICATE')")


def _loads_as_ca(path: Path) -> bool:
    import ssl

    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError):
        return False
    return True


def _text(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str) or not value.strip():
        return None, "must be text"
    return value.strip(), None


def _port(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        return None, "must be a whole number from 1 to 65535, e.g. 587 for starttls or 465 for tls"
    return value, None


def _security(value: Any) -> tuple[Any, str | None]:
    if value not in DEFAULT_PORTS:
        return None, f"{value!r} is not one of starttls, tls, none"
    return value, None


def _address(value: Any) -> tuple[Any, str | None]:
    from email.utils import parseaddr

    text, message = _text(value)
    if message:
        return None, "must be an email address, e.g. me@example.org"
    _, addr = parseaddr(text)
    local, at, domain = addr.rpartition("@")
    if not (local and at and domain) or " " in addr:
        return None, f"{text!r} is not an email address, e.g. me@example.org or 'Me <me@example.org>'"
    return text, None


def _timeout(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None, "must be a number of seconds above 0, e.g. 30"
    return value, None


def _notify(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list) or not all(item in KINDS for item in value):
        return None, f"must be a list of {' and '.join(KINDS)}, e.g. [action_due, transition]"
    return value, None


_CHECKS = {"host": _text, "port": _port, "security": _security, "from": _address, "to": _address,
           "username": _text, "ca_file": _text, "timeout": _timeout, "notify": _notify}  # fmt: skip
_NEEDS = {"host": "your SMTP server, e.g. smtp.example.org", "to": "your own address, where reminders go"}


def _where(section: Mapping[str, Any], key: str | None) -> Location | None:
    """Where ``key``'s value was written, else where the section was (None for a plain dict)."""
    if not isinstance(section, YMap):
        return None
    return section.loc if key is None else section.where(key)


def _resolve(section: Mapping[str, Any], path: str) -> Path:
    """``path`` with ``~`` expanded; a relative one is taken from the config file's folder."""
    resolved = Path(path).expanduser()
    loc = _where(section, None)
    if not resolved.is_absolute() and loc is not None:
        resolved = Path(loc.path).parent / resolved
    return resolved


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, ``127.0.0.1``, ``::1`` …)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
