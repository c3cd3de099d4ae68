"""The built-in email adapter: reminders to the job seeker, with the draft inside, over SMTP.

Each message goes to the candidate the notice concerns: their own ``email`` when they have one,
else the section's ``to`` (the implicit candidate of a person using tactful alone has none, so
theirs go to ``to``). A notice of another candidate that arrives without their record (an
application that delivers without ``candidates=``) fails its delivery instead of going to ``to``.

This module is the plugin (its hooks), and builds and sends the messages; the ``email:``
section of ``config.yaml`` in the tactful home is read and checked by
:mod:`tactful.plugins.email_config`, which describes its keys.

The password comes only from the environment (``TACTFUL_SMTP_PASSWORD``) and is never
logged or stored. Each message's Message-ID is derived from the delivery key, so a delivery
retried after a crash is recognisably the same message. Only stdlib (``smtplib``, ``ssl``)
is used, imported when a message is sent.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl
from ..runtime.notify import task
from ..vocabulary.log import logger
from ..vocabulary.timecalc import known_zone
from .email_config import KEYS as KEYS  # re-exported: callers read the settings' names here
from .email_config import Settings, parse_settings
from .email_config import is_loopback as is_loopback  # re-exported, like KEYS
from .routing import unroutable

if TYPE_CHECKING:
    from email.message import EmailMessage

    from ..runtime.notify import Notice
    from ..vocabulary.records import Candidate

PASSWORD_VARIABLE = "TACTFUL_SMTP_PASSWORD"  # noqa: S105 - a variable's name, not a password
USERNAME_VARIABLE = "TACTFUL_SMTP_USERNAME"


class EmailError(Exception):
    """A message could not be sent; the text says why and never holds a secret."""


_settings: Settings | None = None


# -- Hooks -------------------------------------------------------------------------------


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Check the ``email:`` section; every problem is reported at ``config.yaml:LINE:COL``."""
    global _settings
    _settings = parse_settings(config)


@hookimpl
def tactful_action_due(notice: Notice, key: str, candidate: Candidate | None) -> None:
    """Email the job seeker that an action is due, with its draft."""
    settings = _configured()
    if "action_due" in settings.notify:
        to = recipient(settings, notice, candidate)
        send(settings, action_message(settings, notice, key, to), key, to)


@hookimpl
def tactful_transition(notice: Notice, key: str, candidate: Candidate | None) -> None:
    """Email a short note of the change of state, when ``notify`` asks for transitions."""
    settings = _configured()
    if "transition" in settings.notify:
        to = recipient(settings, notice, candidate)
        send(settings, transition_message(settings, notice, key, to), key, to)


def _configured() -> Settings:
    if _settings is None:
        raise EmailError("the email adapter was not configured (no 'email:' section was read)")
    return _settings


def recipient(settings: Settings, notice: Notice, candidate: Candidate | None) -> str:
    """Whom the notice is mailed to: the candidate's own address (with their name) when they
    have one, else the section's ``to``.

    Raises:
        EmailError: for a notice of a candidate other than the implicit one that came without
            their record, or with another's: it is not sent to ``to`` in their place.
    """
    problem = unroutable(notice, candidate)
    if problem:
        raise EmailError(problem)
    if candidate is None or not candidate.email:
        return settings.to
    from email.utils import formataddr, parseaddr

    written = formataddr((candidate.name, candidate.email)) if candidate.name else candidate.email
    if parseaddr(written)[1] != candidate.email:  # read back as another address: never send it there
        raise EmailError(f"candidate '{candidate.key}' has an email address that mail cannot be sent to as written "
                         f"({candidate.email!r}); correct it with edit_candidate")  # fmt: skip
    return written


# -- Messages ----------------------------------------------------------------------------


def message_id(key: str) -> str:
    """The Message-ID of the delivery ``key``: the same for every attempt, so retries match."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@tactful>"


def action_message(settings: Settings, notice: Notice, key: str, to: str | None = None) -> EmailMessage:
    """The reminder that ``notice.action`` is due: what, when, why, and the draft; to ``to``
    (default: the section's)."""
    action = notice.action or "act"
    phrase = task(action, notice.company)
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
    return _message(settings, key, subject, "\n".join(lines) + "\n", to)


def transition_message(settings: Settings, notice: Notice, key: str, to: str | None = None) -> EmailMessage:
    """A short note that an application moved from one state to another; to ``to`` (default:
    the section's)."""
    source, target = _words(notice.source or "?"), _words(notice.target or notice.state)
    cause = "a timer" if notice.event in (None, "timer") else f"'{_words(notice.event or '')}' was recorded"
    at = _local(notice.at, notice.timezone)
    text = _fill(f"#{notice.app_id} {notice.company} moved from {source} to {target} on {_moment(at)} ({cause}).")
    text += f"\n\n--\n'tactful show {notice.app_id}' says what comes next.\n"
    return _message(settings, key, f"tactful: {notice.company} is now {target}", text, to)


def _message(settings: Settings, key: str, subject: str, body: str, to: str | None) -> EmailMessage:
    from email.message import EmailMessage
    from email.utils import formatdate

    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to or settings.to
    message["Subject"] = " ".join(subject.split())  # a company name typed with a line break
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(key)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to reminders
    message.set_content(body)
    return message


def _local(moment: datetime, zone_name: str) -> datetime:
    zone = known_zone(zone_name)
    return moment if zone is None else moment.astimezone(zone)


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


def send(settings: Settings, message: EmailMessage, key: str, to: str | None = None) -> None:
    """Send ``message`` to ``to`` (default: ``settings.to``); log only the key and the
    recipient's domain.

    Raises:
        EmailError: naming what failed and what to check; never the password or the body.
    """
    from email.utils import parseaddr

    username, password = credentials(settings)
    sender, address = parseaddr(settings.sender)[1], parseaddr(to or settings.to)[1]
    try:
        _transmit(settings, message, sender, address, username, password)
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear line for the outbox
        raise EmailError(explain(settings, err, address)) from None
    logger().info("email sent", key=key, domain=address.rpartition("@")[2])


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


def explain(settings: Settings, err: BaseException, address: str | None = None) -> str:
    """One line for a failed send (to ``address``, default ``settings.to``): what went wrong
    with which server, and what to check."""
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
        return f"{server} refused the recipient {address or settings.to!r}"
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
