"""Reads a message as a stranger wrote it: headers and a bounded start of the body, never more.

Every value is cut before it is decoded (an encoded-word bomb in a subject costs what its first
few thousand characters cost), charsets that do not exist or bytes that are not theirs are
replaced, a malformed MIME structure gives what can be read of it, and an HTML-only body is read
as its text. Nothing here is stored: the body text lives in memory while a message is matched.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message

#: The header fields fetched for each message.
FIELDS = ("MESSAGE-ID", "DATE", "FROM", "TO", "CC", "SUBJECT", "IN-REPLY-TO", "REFERENCES", "CONTENT-TYPE",
          "CONTENT-TRANSFER-ENCODING")  # fmt: skip
#: The most header bytes read of a message, and the longest value of one field read.
MAX_HEADER_BYTES, MAX_FIELD = 64 * 1024, 4000
#: The most characters of a subject kept, of recipients looked at, of message ids a thread names.
MAX_SUBJECT, MAX_RECIPIENTS, MAX_REFERENCES = 300, 100, 50
#: The bytes of a body fetched (a prefix), the parts of it looked at, and the text kept of it.
MAX_BODY_BYTES, MAX_PARTS, MAX_TEXT = 32 * 1024, 20, 20_000
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
_TAGS = re.compile(r"<(script|style)\b[^>]{0,500}>.{0,20000}?</\1\s*>|<[^>]{0,2000}>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Mail:
    """What a message says about itself: enough to match it, nothing to keep but its id, date,
    subject and domains."""

    uid: int
    message_id: str | None
    date: datetime
    sender: str
    recipients: tuple[str, ...]
    subject: str
    threads: tuple[str, ...]  # the ids In-Reply-To and References name, nearest first
    header: bytes = b""  # Content-Type and its kin, to read a body fetched later
    calendar: tuple[tuple[str, str], ...] = ()  # its calendar parts: (part number, transfer encoding)


def read_header(uid: int, raw: bytes, arrived: datetime | None) -> Mail:
    """A message's header fields (as fetched), read within the bounds above.

    ``arrived`` (the server's INTERNALDATE) stands in for a missing or unreadable Date.
    """
    parsed = email.message_from_bytes(raw[:MAX_HEADER_BYTES], policy=email.policy.compat32)
    senders = _addresses(parsed, "from")
    refs = _MESSAGE_ID.findall(_field(parsed, "in-reply-to")) + _MESSAGE_ID.findall(_field(parsed, "references"))[::-1]
    ids = _MESSAGE_ID.findall(_field(parsed, "message-id"))
    return Mail(
        uid=uid,
        message_id=ids[0] if ids else None,
        date=_date(_field(parsed, "date"), arrived),
        sender=senders[0] if senders else "",
        recipients=tuple((_addresses(parsed, "to") + _addresses(parsed, "cc"))[:MAX_RECIPIENTS]),
        subject=decode_words(_field(parsed, "subject")),
        threads=tuple(dict.fromkeys(refs))[:MAX_REFERENCES],
        header=b"".join(f"{k}: {v}\r\n".encode("utf-8", "replace") for k, v in _content_fields(parsed)),
    )


def _field(parsed: Message, name: str) -> str:
    value = parsed.get(name)
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return text[:MAX_FIELD]


def _content_fields(parsed: Message) -> list[tuple[str, str]]:
    return [(k, _field(parsed, k)) for k in ("content-type", "content-transfer-encoding") if parsed.get(k) is not None]


def decode_words(text: str) -> str:
    """A header value with its encoded words (``=?utf-8?b?…?=``) decoded, on one line, cut to
    :data:`MAX_SUBJECT` characters; anything undecodable is replaced, never raised."""
    try:
        parts = email.header.decode_header(text[:MAX_FIELD])
        decoded = "".join(_decode(chunk, charset) for chunk, charset in parts)
    except (email.errors.HeaderParseError, ValueError, LookupError, AssertionError):
        decoded = text
    return " ".join(decoded.split())[:MAX_SUBJECT]


def _decode(chunk: bytes | str, charset: str | None) -> str:
    if isinstance(chunk, str):
        return chunk
    try:
        return chunk.decode(charset or "ascii", "replace")
    except LookupError:
        return chunk.decode("utf-8", "replace")


def _addresses(parsed: Message, name: str) -> list[str]:
    try:
        pairs = email.utils.getaddresses([_field(parsed, name)])
    except (ValueError, TypeError):
        return []
    found = []
    for _, address in pairs[:MAX_RECIPIENTS]:
        address = address.strip().lower()
        if "@" in address and len(address) <= 254 and " " not in address:
            found.append(address)
    return found


def _date(text: str, arrived: datetime | None) -> datetime:
    moment: datetime | None = None
    if text:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (ValueError, TypeError, IndexError, OverflowError):
            moment = None
    moment = moment or arrived or datetime(1970, 1, 1, tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def domain_of(address: str) -> str:
    """The domain of an address, lower case (``""`` for none)."""
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def body_text(mail: Mail, prefix: bytes) -> str:
    """The text of a body's first bytes (``BODY[TEXT]`` cut at :data:`MAX_BODY_BYTES`): its
    plain parts, else its HTML parts as text; empty when nothing can be read."""
    try:
        parsed = email.message_from_bytes(mail.header + b"\r\n" + prefix[:MAX_BODY_BYTES], policy=email.policy.compat32)
        plain, markup = _texts(parsed)
    except (RecursionError, ValueError, LookupError, TypeError, AssertionError, email.errors.MessageError):
        return ""
    text = " ".join(plain) if plain else _unmark(" ".join(markup))
    return " ".join(text.split())[:MAX_TEXT]


def _texts(parsed: Message) -> tuple[list[str], list[str]]:
    """The plain and the HTML text parts, the first :data:`MAX_PARTS` parts looked at, no deeper
    than the structure of a bounded prefix allows."""
    plain: list[str] = []
    markup: list[str] = []
    stack, looked = [parsed], 0
    while stack and looked < MAX_PARTS:
        part, looked = stack.pop(), looked + 1
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(p for p in reversed(payload[:MAX_PARTS]) if isinstance(p, Message))
            continue
        kind = part.get_content_type()
        text = _payload_text(part) if kind in ("text/plain", "text/html") else ""
        if text.strip():
            (plain if kind == "text/plain" else markup).append(text)
    return plain, markup


def _payload_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _unmark(markup: str) -> str:
    return html.unescape(_TAGS.sub(" ", markup[: MAX_BODY_BYTES * 2]))
