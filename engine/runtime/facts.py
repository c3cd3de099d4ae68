"""Checks the facts a user gives about an application (at `add`, `edit` and `import`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError, did_you_mean
from ..vocabulary.records import Application
from ..vocabulary.text import excerpt, kept_text, quoted
from ..vocabulary.timecalc import check_year, zone

#: The facts `add` and `edit` take, in the order the CLI lists them.
FIELDS = ("interviewed", "role", "interviewer", "email", "phone", "timezone", "decision_by",
          "no_calls", "email_invited", "rank", "news_feed")  # fmt: skip
#: The longest news feed address kept.
MAX_URL = 2000


_SINGLE = (str, int, float, date)  # dates and datetimes from Python callers
_ZONES_SEEN: set[str] = set()


def option(name: str) -> str:
    """How the CLI spells a fact: ``decision_by`` is ``--decision-by``."""
    return "--" + name.replace("_", "-")


def fact_error(name: str, rest: str) -> InputError:
    """The error ``NAME REST`` about a fact: its name as the API spells it (``decision_by``),
    and, for the CLI to print, as its option (``--decision-by``)."""
    return InputError(f"{name}{rest}", cli=f"{option(name)}{rest}")


def parse_date(value: Any, name: str) -> str:
    """An ISO date (``YYYY-MM-DD``) as text.

    Raises:
        InputError: naming the option and the form expected.
    """
    try:
        day = value.date() if isinstance(value, datetime) else value
        day = day if isinstance(day, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise fact_error(
            name, f" {excerpt(str(value))} is not a date; write it as YYYY-MM-DD, e.g. 2026-05-04"
        ) from None
    try:
        check_year(day, "")  # the message goes on after the name: " 2026-… is out of range; …"
    except ValueError as err:
        raise fact_error(name, str(err)) from None
    return day.isoformat()


def _boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "y"):
        return True
    if text in ("false", "no", "0", "n", ""):
        return False
    raise fact_error(name, f" {quoted(value)} is not yes or no")


#: The lowest rank a preference may have (1 is the first choice).
MAX_RANK = 10_000


def _rank(value: Any, name: str) -> int:
    text = str(value).strip()
    rank = int(text) if text.isdigit() and len(text) <= len(str(MAX_RANK)) else 0
    if not 1 <= rank <= MAX_RANK:
        raise fact_error(name, f" {quoted(value)} is not a rank; write 1 for your first choice, 2 for the next…")
    return rank


def _timezone(value: Any, name: str) -> str:
    text = str(value)
    if text in _ZONES_SEEN:
        return text
    try:
        zone(text)
    except ValueError as err:
        raise fact_error(name, f": {err}") from None
    _ZONES_SEEN.add(text)  # only real zone names: a few hundred at most
    return text


def _text(value: Any, name: str) -> str:
    text = kept_text(str(value).strip(), option(name))
    if name == "email" and text and "@" not in text:
        raise fact_error(name, f" {quoted(value)} is not an email address")
    return text


def company_name(value: Any) -> str:
    """The company's name, trimmed.

    Raises:
        InputError: when it is missing, blank or not plain text.
    """
    if value is not None and not isinstance(value, str | int | float):
        raise InputError(f"the company's name must be text, not {quoted(value)}")
    name = "" if value is None else kept_text(str(value).strip(), "the company's name")
    if not name:
        raise InputError("the company's name is required and cannot be blank")
    return name


def _feed(value: Any, name: str) -> str:
    """A news feed's address: http or https, with a host, no user or password in it."""
    text = str(value).strip()
    try:
        parts = urlsplit(text)
        good = parts.scheme in ("http", "https") and bool(parts.hostname) and len(text) <= MAX_URL
        good = good and parts.username is None and parts.port != 0 and text.isprintable() and " " not in text
    except ValueError:
        good = False
    if not good:
        raise fact_error(name, f" {quoted(value)} is not a feed's address; give its http or https URL, "
                               "e.g. https://northwind.example/news.rss")  # fmt: skip
    return text


_PARSERS = {"interviewed": parse_date, "decision_by": parse_date, "no_calls": _boolean,
            "email_invited": _boolean, "rank": _rank, "timezone": _timezone, "news_feed": _feed}  # fmt: skip
#: Each fact's check, by name (text for those without one of their own).
_CHECKS = {name: _PARSERS.get(name, _text) for name in FIELDS}
#: Dates already checked (as given, as stored); an import meets the same few hundred again and again.
_DATES_SEEN: dict[str, str] = {}
_DATES_KEPT = 10_000


def _date(value: Any, name: str) -> str:
    if value.__class__ is str:
        known = _DATES_SEEN.get(value)
        if known is None:
            known = parse_date(value, name)
            if len(_DATES_SEEN) < _DATES_KEPT:
                _DATES_SEEN[value] = known
        return known
    return parse_date(value, name)


_CHECKS.update(interviewed=_date, decision_by=_date)


def normalize(raw: Mapping[str, Any], *, new: bool, others: bool = False) -> dict[str, Any]:
    """Check and convert user-given facts; unset (None or empty) ones are dropped. With
    ``others``, names that are no fact are passed over (an import row's other columns).

    Raises:
        InputError: for an unknown fact, a malformed value, a missing interview date, or a
            decision date before the interview.
    """
    facts: dict[str, Any] = {}
    for name, value in raw.items():
        check = _CHECKS.get(name)
        if check is None:
            if others:
                continue
            known = "; known: " + ", ".join(FIELDS)
            raise InputError(f"unknown field '{name}'{did_you_mean(name, FIELDS, known)}")
        if value is None or value == "":
            continue
        if value.__class__ is not str and not isinstance(value, _SINGLE):
            raise fact_error(name, f" must be a single value, not {quoted(value)}")
        facts[name] = check(value, name)
    if new:
        if "interviewed" not in facts:
            raise fact_error("interviewed", " is required: the date of the interview, YYYY-MM-DD")
        facts.setdefault("timezone", "UTC")
    return facts


def check_dates(facts: Mapping[str, Any]) -> None:
    """Raise InputError when the decision date comes before the interview."""
    decision, interviewed = facts.get("decision_by"), facts.get("interviewed")
    if decision and interviewed and decision < interviewed:
        raise fact_error("decision_by", f" {decision} is before the interview on {interviewed}")


def check_after_interview(facts: Mapping[str, Any], at: datetime) -> None:
    """Raise InputError when ``at`` falls on a day before the interview (in the interviewer's zone)."""
    interviewed = facts.get("interviewed")
    day = at.astimezone(zone(facts.get("timezone") or "UTC")).date()
    if interviewed and day.isoformat() < interviewed:
        raise fact_error("at", f" {day.isoformat()} is before the interview on {interviewed}; "
                                        "record what happened since")  # fmt: skip


def corrected(app: Application, facts: Mapping[str, Any], company: str | None,
              rules: str | None) -> tuple[Application, dict[str, Any]]:  # fmt: skip
    """``app`` with ``facts`` (and ``company``) corrected as `edit` takes them, and the facts given.

    Raises:
        InputError: when nothing is to change, a fact is malformed, the dates disagree, or
            ``rules`` is given (a started application keeps its rule set).
    """
    given = normalize(facts, new=False)
    if not given and not company and rules is None:
        raise InputError(
            "nothing to change; give the facts to correct, e.g. decision_by='2026-05-20'",
            cli="nothing to change; give the options to correct, e.g. --decision-by 2026-05-20",
        )
    merged = {**app.facts, **given}
    check_dates(merged)
    if rules is not None:
        raise InputError("rules cannot change once an application has started; add it again instead",
                         cli="--rules cannot change once an application has started; add it again instead")  # fmt: skip
    return app._replace(facts=merged, company=company_name(app.company if company is None else company)), given
