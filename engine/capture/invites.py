"""Interview invitations: an ``.ics`` part of a mail (``text/calendar`` or ``application/ics``)
whose organiser or title names a company proposes ``add`` (a company not tracked yet) or
``edit`` (a tracked one) with the interview's date, time and zone, and the organiser as the
interviewer.

The parts are found in the message's BODYSTRUCTURE (fetched with its header fields), at most
:data:`MAX_PARTS` of a message and no deeper than :data:`MAX_DEPTH`; of each, the first
:data:`MAX_ICS_BYTES` are fetched and parsed with icalendar (what the calendar plugin uses).
A part that is no calendar, or has no event with a start, proposes nothing.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from ..vocabulary.proposals import Proposal
from .matching import FREE_MAIL, Index, Match, company_key
from .messages import MAX_SUBJECT, domain_of

#: The calendar parts looked at in a message, how deep its structure is walked, the bytes read of one.
MAX_PARTS, MAX_DEPTH, MAX_ICS_BYTES = 3, 8, 64 * 1024
ADD, EDIT = "add", "edit"
_CALENDAR = {(b"text", b"calendar"), (b"application", b"ics")}
#: "Interview with NAME", "interview at NAME": NAME ends at a dash, colon, bracket, comma or "for".
_TITLE = re.compile(
    r"\b(?i:interview)\b.{0,20}?\b(?i:with|at)\s+([A-Z][\w&.' -]{1,60}?)"
    r"(?:\s+[-:(|,]|[:(|,]|\s+(?i:for)\b|$)"
)


@dataclass(frozen=True, slots=True)
class Invite:
    """What an invitation says: who organises it, what it is called, when it starts."""

    title: str
    start: datetime
    zone: str
    organiser: str  # an address, lower case ("" for none)
    name: str  # the organiser's name (CN), if given


def calendar_parts(structure: Any) -> list[tuple[str, str]]:
    """The (part number, transfer encoding) of each calendar part of a BODYSTRUCTURE."""
    return list(_walk(structure, "", 0))[:MAX_PARTS]


def _walk(part: Any, number: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > MAX_DEPTH or not isinstance(part, tuple | list) or not part:
        return
    if isinstance(part[0], list):  # multipart: its parts, numbered from 1
        for i, child in enumerate(part[0][:20], 1):
            yield from _walk(child, f"{number}.{i}" if number else str(i), depth + 1)
        return
    kind = tuple(x.lower() if isinstance(x, bytes) else b"" for x in part[:2])
    if kind in _CALENDAR:
        encoding = part[5] if len(part) > 5 and isinstance(part[5], bytes) else b"7bit"
        yield number or "1", encoding.decode("ascii", "replace").lower()


def decode_part(data: bytes, encoding: str) -> bytes:
    """A part's bytes as they were before the transfer encoding, within :data:`MAX_ICS_BYTES`."""
    data = data[: MAX_ICS_BYTES * 2]
    try:
        if encoding == "base64":
            clean = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
            data = base64.b64decode(clean[: len(clean) // 4 * 4])  # a cut part: its whole quads
        elif encoding == "quoted-printable":
            data = quopri.decodestring(data)
    except (binascii.Error, ValueError):
        return b""
    return data[:MAX_ICS_BYTES]


def read_invite(data: bytes) -> Invite | None:
    """The first event of an ``.ics`` document with a start; None for anything else."""
    import icalendar  # only an invitation needs it

    try:
        calendar = icalendar.Calendar.from_ical(data.decode("utf-8", "replace"))
        event = next((c for c in calendar.walk("VEVENT")), None)
        if event is None or event.get("DTSTART") is None:
            return None
        start = event.decoded("DTSTART")
        organiser = event.get("ORGANIZER")
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None
    if isinstance(start, datetime):
        zone = getattr(start.tzinfo, "key", None) or ("UTC" if start.tzinfo is not None else "")
        start = start if start.tzinfo is not None else start.replace(tzinfo=UTC)
    elif isinstance(start, date):
        start, zone = datetime.combine(start, time(9), tzinfo=UTC), ""
    else:
        return None
    address = str(organiser or "").removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()
    name = str(getattr(organiser, "params", {}).get("CN", "") or "")[:200]
    title = " ".join(str(event.get("SUMMARY") or "").split())[:MAX_SUBJECT]
    return Invite(title, start, zone or "UTC", address if "@" in address else "", name)


def invite_proposals(candidate: str, subject: str, invite: Invite, index: Index, key: str) -> list[Proposal]:
    """``edit`` for each tracked application the invitation names (its organiser's address or
    domain, or the company in its title), else ``add`` for the company it names; none when it
    names none."""
    facts = {"interviewed": invite.start.date().isoformat(), "time": invite.start.strftime("%H:%M"),
             "timezone": invite.zone, "interviewer": invite.name, "email": invite.organiser}  # fmt: skip
    shown = f"an invitation for {facts['interviewed']} {facts['time']} ({invite.zone})"
    found = index.match([invite.organiser], {}, False) if invite.organiser else []
    named = _title_company(invite.title)
    if not found and named:
        found = [Match(app, "possible", f"its title names {app.company}", "")
                 for app in index.by_name.get(company_key(named), ())]  # fmt: skip
    domain = domain_of(invite.organiser)
    if found:
        return [Proposal(0, candidate, key, m.app.id, EDIT, invite.start, m.tier, domain, invite.title or subject,
                         f"{shown}, {m.why}", ({"outcome": EDIT, "facts": facts},)) for m in found]  # fmt: skip
    company = named or _domain_company(domain)
    if not company:
        return []
    return [Proposal(0, candidate, key, None, ADD, invite.start, "possible", domain, invite.title or subject,
                     f"{shown}, organised by {invite.organiser or 'someone'}",
                     ({"outcome": ADD, "facts": {"company": company, **facts}},))]  # fmt: skip


def _title_company(title: str) -> str:
    found = _TITLE.search(title)
    return found.group(1).strip(" .-") if found else ""


def _domain_company(domain: str) -> str:
    """A company's likely name from its mail domain (``northwind-traders.example`` -> Northwind Traders)."""
    if not domain or domain in FREE_MAIL:
        return ""
    label = domain.split(".")[-2] if domain.count(".") >= 1 else domain
    return " ".join(w.capitalize() for w in label.split("-") if w)


def facts_of(outcomes: Sequence[Any]) -> dict[str, Any]:
    """The facts an invitation's proposal carries (``time`` is shown, not kept)."""
    facts = dict(outcomes[0].get("facts", {})) if outcomes else {}
    facts.pop("time", None)
    return {k: v for k, v in facts.items() if v}
