"""The built-in SMS adapter: a short reminder to your phone when an action is due, through Apprise.

Apprise (``pip install 'tactful[sms]'``) speaks to Twilio, Vonage, AWS SNS, Signal, and
most other SMS and chat services, each addressed by a URL such as
``twilio://SID:TOKEN@FROM/TO``. Those URLs usually carry secrets, so give them in the
environment, separated by spaces, and keep only an empty section in ``config.yaml``::

    export TACTFUL_SMS_URLS='twilio://SID:TOKEN@+15550001111/+15552223333'

    # config.yaml
    sms:

A URL without a secret may be written in the config file instead (``TACTFUL_SMS_URLS``,
when set, replaces the list)::

    sms:
      urls:
        - signal://localhost:8080/+15550001111/+15552223333

Each notice is texted to the candidate it concerns: when their record names an environment
variable (``sms: TACTFUL_SMS_<NAME>``), to the URLs that variable holds, else to the configured
ones. Only a variable named ``TACTFUL_SMS_...`` is read for a candidate, so that no record can
have tactful send to whatever another variable holds (a password, a database URL). The
variable is read when the text is sent, in the process that delivers (a worker), and its URLs
are never logged or stored. A candidate whose variable is unset or empty there gets a failed
delivery, retried and listed by ``tactful outbox``, never a text sent to the configured
URLs in their place; so does a notice of a candidate other than the implicit one that arrives
without their record.

Each reminder is one line of at most 160 characters:
``tactful: call Northwind (#3, Ms. Rivera), due Thu 21 May 09:00 Europe/Paris``. A service
that fails makes the delivery fail, so the outbox tries again later; SMS has no idempotency
key, so a retry after a partial failure (one URL of two) may repeat the text on the other.
URLs are never logged, and error messages leave out every part of them.

Loading the plugin checks only each URL's shape (``service://...``), so that a command does
not wait for Apprise to load; whether Apprise knows the service and finds every part it needs
is checked by ``tactful plugins`` and before each send, and reported where the URL was given.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import Location, Problems, RuleError, RuleErrors
from ..hookspecs import hookimpl
from ..language.yamltree import YMap
from ..runtime.candidates import ENV_NAME, SMS_PREFIX
from ..vocabulary.log import add_secrets, logger
from ..vocabulary.timecalc import known_zone
from .routing import unroutable

if TYPE_CHECKING:
    from ..runtime.notify import Notice
    from ..vocabulary.records import Candidate

URLS_VARIABLE = "TACTFUL_SMS_URLS"
KEYS = ("urls",)
#: The length of one SMS in the GSM alphabet; reminders never go beyond it.
LIMIT = 160
WIKI = "https://github.com/caronc/apprise/wiki"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: What configure checks of a URL (Apprise, slow to import, is asked when sending).
SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


class Url(NamedTuple):
    """A configured Apprise URL; messages name it by ``name`` (and ``where``), never by itself."""

    url: str
    where: Location | None
    name: str


_urls: tuple[Url, ...] = ()


class SmsError(Exception):
    """An SMS was not sent; the text says why and never holds a URL or any part of one."""


# -- Hooks -------------------------------------------------------------------------------


@hookimpl
def tactful_configure(config: Mapping[str, Any]) -> None:
    """Take the Apprise URLs from ``TACTFUL_SMS_URLS``, else the section's ``urls``, and check
    their shape; Apprise itself is asked about them only when sending, and by :func:`check`."""
    global _urls
    _urls = configured_urls(config, os.environ.get(URLS_VARIABLE, ""))
    add_secrets(*secret_parts([url.url for url in _urls]))  # Apprise's own log lines quote them


@hookimpl
def tactful_action_due(notice: Notice, key: str, candidate: Candidate | None) -> None:
    """Text the job seeker that an action is due.

    Raises:
        SmsError: when the candidate's URLs cannot be had (see :func:`recipients`), a URL is
            not one Apprise understands (named where it was given), or a service did not take
            the message (the outbox retries later).
    """
    urls = recipients(notice, candidate)
    problems = not_understood(urls)
    if problems:
        raise SmsError(" | ".join(str(problem) for problem in problems))
    send(reminder(notice), [url.url for url in urls])
    logger().info("sms sent", key=key, services=len(urls))


def recipients(notice: Notice, candidate: Candidate | None) -> tuple[Url, ...]:
    """The URLs to text ``notice`` to: those in the environment variable the candidate's ``sms``
    names, else the configured ones.

    Raises:
        SmsError: when that variable is unset or empty, or holds something that is not shaped
            like an Apprise URL; when the candidate's ``sms`` is not a variable of tactful's SMS
            namespace (``TACTFUL_SMS_...``: no other secret of the environment is read); for a
            notice of a candidate other than the implicit one that came without their record,
            or with another's. Never sent elsewhere instead.
    """
    problem = unroutable(notice, candidate)
    if problem:
        raise SmsError(problem)
    if candidate is not None and candidate.sms:
        if not ENV_NAME.fullmatch(candidate.sms):  # a record written past add_candidate's check
            raise SmsError(f"candidate '{candidate.key}' has sms {candidate.sms!r}, which is not a variable "
                           f"tactful reads SMS URLs from ({SMS_PREFIX}...); correct it with edit_candidate. "
                           "Not sent")  # fmt: skip
        return candidate_urls(candidate.key, candidate.sms, os.environ.get(candidate.sms, ""))
    if not _urls:
        raise SmsError("the sms adapter was not configured (no 'sms:' section was read)")
    return _urls


def candidate_urls(key: str, variable: str, environment: str) -> tuple[Url, ...]:
    """The URLs (space-separated in ``environment``, the value of ``variable``) of candidate ``key``.

    Raises:
        SmsError: when there are none, or one is not shaped ``service://...`` (named by position).
    """
    found = environment.split()
    if not found:
        raise SmsError(f"candidate '{key}' has their SMS URLs in {variable}, which is not set (or empty) where "
                       f"tactful delivers; set it there, or clear their sms. Not sent to anyone else")  # fmt: skip
    add_secrets(*secret_parts(found))  # Apprise's own log lines quote them
    urls = tuple(Url(url, None, f"{variable}: URL {n} of {len(found)}") for n, url in enumerate(found, 1))
    for url in urls:
        if not SHAPE.fullmatch(url.url):
            raise SmsError(f"{url.name} (candidate '{key}') is not an Apprise URL, which reads service://... "
                           f"(e.g. twilio://SID:TOKEN@FROM/TO); see {WIKI}")  # fmt: skip
    return urls


def check() -> None:
    """The check configure leaves out to stay quick: whether Apprise understands every URL.
    ``tactful plugins`` runs it (see :func:`tactful.hooks.pluginmanager.describe`).

    Raises:
        RuleErrors: one for each URL Apprise does not understand, where it was given.
    """
    problems = not_understood(_urls)
    if problems:
        raise RuleErrors(problems)


# -- Settings ----------------------------------------------------------------------------


def configured_urls(section: Mapping[str, Any], environment: str) -> tuple[Url, ...]:
    """The Apprise URLs to send to: those in ``environment`` (space-separated) if any, else
    the section's ``urls`` (one URL or a list).

    Raises:
        RuleErrors: every problem at once, at ``config.yaml:LINE:COL`` where it was written:
            an unknown key, ``urls`` that is not text, a URL not shaped ``service://...``, or
            no URL at all. A bad URL from the environment is named by its position only.
    """
    problems = Problems()
    problems.keys(section, KEYS, "the sms section", noun="setting",
                  otherwise=f"; the only setting is 'urls' (or set {URLS_VARIABLE})")  # fmt: skip
    errors = problems.errors
    from_env = environment.split()
    found: list[Url]
    if from_env:
        found = [Url(url, None, f"{URLS_VARIABLE}: URL {n} of {len(from_env)}") for n, url in enumerate(from_env, 1)]
    else:
        found, more = _section_urls(section)
        errors += more
    if not found and not errors:
        errors.append(RuleError(_where(section, None), f"the sms section needs an Apprise URL: set {URLS_VARIABLE} "
                                "(best, as such URLs hold secrets) or list them under 'urls'"))  # fmt: skip
    for url, where, name in found:
        if not SHAPE.fullmatch(url):
            errors.append(RuleError(where, f"{name} is not an Apprise URL, which reads service://... (e.g. "
                                    f"twilio://SID:TOKEN@FROM/TO); see {WIKI}"))  # fmt: skip
    if errors:
        raise RuleErrors(errors)
    for url, where, _ in found:
        if where is not None and _holds_password(url):
            logger().warning("a URL in the sms section holds a password; secrets belong in the environment",
                             at=str(where), instead=URLS_VARIABLE)  # fmt: skip
    return tuple(found)


def not_understood(urls: Sequence[Url]) -> list[RuleError]:
    """An error for each URL whose service Apprise does not know or whose parts it misses."""
    return [RuleError(where, f"{name} is not an Apprise URL tactful can send with (unknown service, or parts "
                      f"missing); see {WIKI}") for url, where, name in urls if not understood(url)]  # fmt: skip


def _holds_password(url: str) -> bool:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password is not None
    except ValueError:
        return False


def _section_urls(section: Mapping[str, Any]) -> tuple[list[Url], list[RuleError]]:
    value = section.get("urls")
    if value is None:
        return [], []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(url, str) and url.strip() for url in items):
        return [], [RuleError(_where(section, "urls"), "urls: must be an Apprise URL or a list of them")]
    locs: list[Location | None] = list(getattr(items, "locs", [])) or [_where(section, "urls")] * len(items)
    return [Url(url.strip(), loc, "this URL") for url, loc in zip(items, locs, strict=False)], []


def understood(url: str) -> bool:
    """Whether Apprise knows the service ``url`` names and finds every part it needs."""
    import apprise

    with _apprise_log():
        return bool(apprise.Apprise().add(url))


def _where(section: Mapping[str, Any], key: str | None) -> Location | None:
    """Where ``key``'s value was written, else where the section was (None for a plain dict)."""
    if not isinstance(section, YMap):
        return None
    return section.loc if key is None else section.where(key)


# -- The message -------------------------------------------------------------------------


def reminder(notice: Notice) -> str:
    """One line of at most :data:`LIMIT` characters: what to do, for whom, and when.

    ``tactful: call Northwind (#3, Ms. Rivera), due Thu 21 May 09:00 Europe/Paris``; the
    time is the interviewer's. A long name is shortened, the interviewer left out first.
    """
    what = (notice.action or "follow up").replace("_", " ")
    due = f", due {_moment(notice.due or notice.at, notice.timezone)}"
    company, person = _one_line(notice.company), _one_line(notice.interviewer or "")
    text = _compose(what, company, notice.app_id, person, due)
    if len(text) > LIMIT:
        text = _compose(what, company, notice.app_id, "", due)
    if len(text) > LIMIT:
        room = max(len(company) - (len(text) - LIMIT) - 3, 1)
        text = _compose(what, company[:room].rstrip() + "...", notice.app_id, "", due)
    return text[:LIMIT]


def _compose(what: str, company: str, app_id: int, person: str, due: str) -> str:
    who = f"#{app_id}, {person}" if person else f"#{app_id}"
    return f"tactful: {what} {company} ({who}){due}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _moment(moment: datetime, timezone: str) -> str:
    known = known_zone(timezone)
    local, zone = (moment, moment.tzname() or "UTC") if known is None else (moment.astimezone(known), timezone)
    return f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local:%H:%M} {zone}"


# -- Sending -----------------------------------------------------------------------------


def send(text: str, urls: Sequence[str]) -> None:
    """Send ``text`` through each Apprise URL.

    Raises:
        SmsError: naming, by position and service, each URL that did not take the message,
            with Apprise's reason (every part of the URLs left out).
    """
    import apprise

    failures = []
    for number, url in enumerate(urls, 1):
        service = apprise.Apprise()
        with _apprise_log() as said:
            taken = service.add(url) and bool(service.notify(body=text))
        if not taken:
            name = service[0].service_name if len(service) else "unknown service"
            reason = "; ".join(dict.fromkeys(said)) or "Apprise gave no reason"
            failures.append(f"URL {number} ({name}): {redact(reason, urls)}")
    if failures:
        raise SmsError(f"the SMS was not sent through {len(failures)} of {len(urls)} Apprise URLs: "
                       + " | ".join(failures))  # fmt: skip


@contextmanager
def _apprise_log() -> Iterator[list[str]]:
    """Collect what Apprise warns about meanwhile, for a failed delivery's reason (its log lines
    reach the log too, redacted: see :func:`tactful.vocabulary.log.redact`)."""
    said: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record.getMessage())

    handler = Collect(logging.WARNING)
    log = logging.getLogger("apprise")
    log.addHandler(handler)
    try:
        yield said
    finally:
        log.removeHandler(handler)


def redact(text: str, urls: Sequence[str]) -> str:
    """``text`` with every part of every URL (user, password, host, path, query) replaced by ``***``."""
    for part in sorted(secret_parts(urls), key=len, reverse=True):
        text = text.replace(part, "***")
    return text


def secret_parts(urls: Sequence[str]) -> set[str]:
    """Every part of ``urls`` that may be a secret or lead to one: each URL whole, its
    ``service://``, what follows it, and each piece of that of 3 characters or more (an Apprise
    URL holds its tokens anywhere: ``slack://TOKEN_A/TOKEN_B/TOKEN_C``)."""
    parts: set[str] = set()
    for url in urls:
        scheme, sep, rest = url.partition("://")
        rest = rest or url
        parts.update(p for p in re.split(r"[/:@?&=#,+;\s]+", rest) if len(p) >= 3)
        parts.update({url, rest} | ({f"{scheme}{sep}"} if sep else set()))
    return parts
