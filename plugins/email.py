"""The built-in email adapter: reminders to the job seeker, with the draft inside, over SMTP.

Configured by the ``email:`` section of ``config.yaml`` in the tactful home::

    email:
      host: smtp.example.org       # required
      port: 587                    # default: 587 (starttls), 465 (tls), 25 (none)
      security: starttls           # starttls (default), tls, or none (this machine only)
      from: tactful <me@example.org>   # default: the 'to' address
      to: me@example.org           # required: your own address, never the employer's
      username: me@example.org     # optional; or TACTFUL_SMTP_USERNAME
      ca_file: ~/my-ca.pem         # optional: trust this CA instead of the system's
      timeout: 30                  # seconds to connect and for each answer
      notify: [action_due]         # add 'transition' for a note on each change of state

The password comes only from the environment (``TACTFUL_SMTP_PASSWORD``) and is never
logged or stored. Each message's Message-ID is derived from the delivery key, so a delivery
retried after a crash is recognisably the same message. Only stdlib (``smtplib``, ``ssl``)
is used, imported when a message is sent.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Location, RuleError, RuleErrors
from ..hookspecs import hookimpl
from ..log import logger
from ..yamltree import YMap

if TYPE_CHECKING:
    from email.message import EmailMessage

    from ..notify import Notice

PASSWORD_VARIABLE = "TACTFUL_SMTP_PASSWORD"  # noqa: S105 - a variable's name, not a password
USERNAME_VARIABLE = "TACTFUL_SMTP_USERNAME"
KEYS = ("host", "port", "security", "from", "to", "username", "ca_file", "timeout", "notify")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
KINDS = ("action_due", "transition")
LOOPBACK_NAMES = ("localhost", "localhost.localdomain")
#: What the subject asks for, per action of the shipped rule sets; others read "ACTION: COMPANY".
PHRASES = {
    "send_thank_you": "thank {company} for the interview",
    "call": "call {company}",
    "call_again": "call {company} again",
    "callback": "call {company} back",
    "send_note": "send {company} a note",
    "send_email": "email {company}",
    "move_on": "move on from {company}",
    "decide_offer": "decide on the offer from {company}",
    "thank_you_letter": "send {company} a thank-you letter",
    "contact_first_choice": "tell {company} about your other offer",
    "withdraw": "withdraw from {company}",
}


class EmailError(Exception):
    """A message could not be sent; the text says why and never holds a secret."""


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


_settings: Settings | None = None


# -- Hooks -------------------------------------------------------------------------------


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Check the ``email:`` section; every problem is reported at ``config.yaml:LINE:COL``."""
    global _settings
    _settings = parse_settings(config)


@hookimpl
def tactful_action_due(notice: Notice, key: str) -> None:
    """Email the job seeker that an action is due, with its draft."""
    settings = _configured()
    if "action_due" in settings.notify:
        send(settings, action_message(settings, notice, key), key)


@hookimpl
def tactful_transition(notice: Notice, key: str) -> None:
    """Email a short note of the change of state, when ``notify`` asks for transitions."""
    settings = _configured()
    if "transition" in settings.notify:
        send(settings, transition_message(settings, notice, key), key)


def _configured() -> Settings:
    if _settings is None:
        raise EmailError("the email adapter was not configured (no 'email:' section was read)")
    return _settings


# -- Settings ----------------------------------------------------------------------------


def parse_settings(section: Mapping[str, Any]) -> Settings:
    """The settings of an ``email:`` section.

    Raises:
        RuleErrors: every problem at once, each where it was written: unknown keys (with the
            closest known one), wrong types, a missing ``host`` or ``to``.
    """
    errors: list[RuleError] = []

    def problem(key: str | None, message: str) -> None:
        errors.append(RuleError(_where(section, key), message))

    suggested: set[str | None] = set()
    for key in section:
        if key not in KEYS:
            close = _closest(key)
            suggested.add(close)
            hint = f"did you mean '{close}'?" if close else f"the settings are {', '.join(KEYS)}"
            errors.append(RuleError(_key_where(section, key), f"unknown setting '{key}' in the email section; {hint}"))
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
    if not errors:
        _check_together(section, values, problem)
    if errors:
        raise RuleErrors(errors)
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


def _closest(key: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(key, KEYS, n=1)
    return close[0] if close else None


def _where(section: Mapping[str, Any], key: str | None) -> Location | None:
    """Where ``key``'s value was written, else where the section was (None for a plain dict)."""
    if not isinstance(section, YMap):
        return None
    return section.loc if key is None else section.where(key)


def _key_where(section: Mapping[str, Any], key: str) -> Location | None:
    """Where the key itself was written."""
    return section.key_locs.get(key, section.loc) if isinstance(section, YMap) else None


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


# -- Messages ----------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The Message-ID of the delivery ``key``: the same for every attempt, so retries match."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@tactful>"


def action_message(settings: Settings, notice: Notice, key: str) -> EmailMessage:
    """The reminder that ``notice.action`` is due: what, when, why, and the draft."""
    action = notice.action or "act"
    phrase = PHRASES.get(action, action.replace("_", " ") + ": {company}").format(company=notice.company)
    due = _local(notice.due or notice.at, notice.timezone)
    lines = [
        _fill(f"It is time to {phrase}."),
        "",
        _field("Application", f"#{notice.app_id} {notice.company} ({_words(notice.state)})"),
        _field("Due", _moment(due)),
        _field("", f"the interviewer's time ({notice.timezone})"),
    ]
    if notice.interviewer:
        lines.append(_field("Interviewer", notice.interviewer))
    if notice.reason:
        lines.append(_field("Why", notice.reason))
    if notice.draft:
        lines += ["", "Draft", "-----", notice.draft.rstrip()]
    lines += ["", "--", f"tactful sends this once; 'tactful show {notice.app_id}' has the whole history."]
    subject = f"tactful: {phrase} (due {due:%a} {due.day} {due:%b})"
    return _message(settings, key, subject, "\n".join(lines) + "\n")


def transition_message(settings: Settings, notice: Notice, key: str) -> EmailMessage:
    """A short note that an application moved from one state to another."""
    source, target = _words(notice.source or "?"), _words(notice.target or notice.state)
    cause = "a timer" if notice.event in (None, "timer") else f"'{_words(notice.event or '')}' was recorded"
    at = _local(notice.at, notice.timezone)
    text = _fill(f"#{notice.app_id} {notice.company} moved from {source} to {target} on {_moment(at)} ({cause}).")
    text += f"\n\n--\n'tactful show {notice.app_id}' says what comes next.\n"
    return _message(settings, key, f"tactful: {notice.company} is now {target}", text)


def _message(settings: Settings, key: str, subject: str, body: str) -> EmailMessage:
    from email.message import EmailMessage
    from email.utils import formatdate

    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = settings.to
    message["Subject"] = " ".join(subject.split())  # a company name typed with a line break
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(key)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to reminders
    message.set_content(body)
    return message


def _local(moment: datetime, zone_name: str) -> datetime:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return moment.astimezone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def _moment(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M} {moment.tzname() or ''}".rstrip()


def _fill(text: str) -> str:
    import textwrap

    return textwrap.fill(text, width=72)


def _field(label: str, text: str) -> str:
    """``Label:      text``, wrapped under the text's first column."""
    import textwrap

    head = f"{label + ':' if label else '':<13}"
    return textwrap.fill(text, width=72, initial_indent=head, subsequent_indent=" " * 13)


def _words(name: str) -> str:
    return name.replace("_", " ")


# -- Sending -----------------------------------------------------------------------------


def send(settings: Settings, message: EmailMessage, key: str) -> None:
    """Send ``message`` to ``settings.to``; log only the key and the recipient's domain.

    Raises:
        EmailError: naming what failed and what to check; never the password or the body.
    """
    from email.utils import parseaddr

    username, password = credentials(settings)
    sender, recipient = parseaddr(settings.sender)[1], parseaddr(settings.to)[1]
    try:
        _transmit(settings, message, sender, recipient, username, password)
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear line for the outbox
        raise EmailError(explain(settings, err)) from None
    logger().info("email sent", key=key, domain=recipient.rpartition("@")[2])


def credentials(settings: Settings) -> tuple[str | None, str | None]:
    """The login: user from ``TACTFUL_SMTP_USERNAME`` (else ``username:``), password from
    ``TACTFUL_SMTP_PASSWORD``; ``(None, None)`` to send without logging in.

    Raises:
        EmailError: when only one of the two is given.
    """
    username = os.environ.get(USERNAME_VARIABLE) or settings.username
    password = os.environ.get(PASSWORD_VARIABLE) or None
    if username and not password:
        raise EmailError(f"the SMTP login needs a password: set {PASSWORD_VARIABLE} in the environment")
    if password and not username:
        raise EmailError(f"{PASSWORD_VARIABLE} is set but no user name: set 'username:' in the email "
                         f"section or {USERNAME_VARIABLE}")  # fmt: skip
    return username, password


def _transmit(settings: Settings, message: EmailMessage, sender: str, recipient: str,
              username: str | None, password: str | None) -> None:  # fmt: skip
    import smtplib

    context = tls_context(settings) if settings.security != "none" else None
    client: smtplib.SMTP
    if settings.security == "tls":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=context)
        if username and password:
            client.login(username, password)
        client.send_message(message, from_addr=sender, to_addrs=[recipient])


def tls_context(settings: Settings) -> Any:
    """A verifying TLS context: the system's CAs, or only ``ca_file`` when it is set."""
    import ssl

    return ssl.create_default_context(cafile=settings.ca_file)


def explain(settings: Settings, err: BaseException) -> str:
    """One line for a failed send: what went wrong with which server, and what to check."""
    import smtplib
    import ssl

    server = f"the SMTP server {settings.host}:{settings.port}"
    if isinstance(err, smtplib.SMTPNotSupportedError) and settings.security == "starttls":
        return f"{server} does not offer STARTTLS; use security: tls if it expects TLS from the start (port 465)"
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"{server} has a certificate that is not trusted ({err.verify_message}); set ca_file: to its CA"
    if isinstance(err, ssl.SSLError):
        return f"TLS with {server} failed ({err.reason or err}); security: tls expects port 465, starttls 587"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return (f"{server} refused the login ({_answer(err)}); check the user name and "
                f"{PASSWORD_VARIABLE}")  # fmt: skip
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return f"{server} refused the recipient {settings.to!r}"
    if isinstance(err, smtplib.SMTPResponseException):
        return f"{server} answered {_answer(err)}"
    if isinstance(err, TimeoutError) or isinstance(err.__context__, TimeoutError):
        hint = "; port 465 usually expects security: tls" if settings.port == 465 and settings.security != "tls" else ""
        return f"{server} did not answer within {settings.timeout:g} seconds{hint}"
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return f"{server} closed the connection before the message was accepted"
    if isinstance(err, OSError) and not isinstance(err, smtplib.SMTPException):
        return f"cannot reach {server}: {err.strerror or err}"
    return f"sending through {server} failed: {type(err).__name__}: {err}"


def _answer(err: Any) -> str:
    text = err.smtp_error.decode(errors="replace") if isinstance(err.smtp_error, bytes) else str(err.smtp_error)
    return f"{err.smtp_code} {text}"
