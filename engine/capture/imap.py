"""The mailbox over IMAP, with IMAPClient: folders, their UIDVALIDITY, new UIDs, bounded fetches.

IMAPClient rather than imap-tools: it gives the protocol's own pieces, which bounding a stranger's
mailbox needs: a partial fetch (``BODY.PEEK[TEXT]<0.N>``, so a 50 MB message costs N bytes),
``RFC822.SIZE`` and ``INTERNALDATE`` beside chosen header fields, UIDVALIDITY from SELECT,
SPECIAL-USE flags from LIST, separate connect and read time-outs, STARTTLS with our own SSL
context, and XOAUTH2. imap-tools fetches whole messages or whole headers.

Nothing is ever written to the mailbox: folders are selected read-only, and fetches PEEK, so the
messages' \\Seen flags stay as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from imapclient import IMAPClient, SocketTimeout  # type: ignore[import-untyped]  # it ships no type hints
from imapclient.exceptions import IMAPClientError, LoginError  # type: ignore[import-untyped]
from imapclient.imap4 import IMAP4WithTimeout  # type: ignore[import-untyped]
from imapclient.imapclient import SENT  # type: ignore[import-untyped]
from imapclient.tls import IMAP4_TLS  # type: ignore[import-untyped]

from ..errors import InputError
from .config import Mailbox
from .invites import MAX_ICS_BYTES, calendar_parts
from .messages import FIELDS, MAX_BODY_BYTES, MAX_HEADER_BYTES, Mail, read_header

#: How many messages one FETCH asks for.
BATCH = 500
_HEADER = f"BODY.PEEK[HEADER.FIELDS ({' '.join(FIELDS)})]<0.{MAX_HEADER_BYTES}>".encode()
#: The most bytes of one literal kept (no fetch asks for more), and the most read past them
#: (a server that ignores a partial fetch); a larger literal ends the reading.
KEEP_LITERAL, MAX_LITERAL = MAX_HEADER_BYTES, 64 * 1024 * 1024
_BODY = f"BODY.PEEK[TEXT]<0.{MAX_BODY_BYTES}>".encode()
#: What a server's misbehaviour raises: a time-out, a dropped connection, an answer not IMAP.
SERVER_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.error, IMAPClientError, ValueError,
                                                  TypeError, IndexError, KeyError, EOFError)  # fmt: skip


class SourceFailed(Exception):
    """The mailbox cannot be read on: why, in one line for a warning."""


class AnswerTooLarge(OSError):
    """The server announced a literal above :data:`MAX_LITERAL` bytes (the connection is lost:
    the rest of that answer was never read)."""


class _Bounded:
    """imaplib's ``read`` of a literal, bounded: a server's ``{N}`` is a length the server
    chose, and imaplib would ask for all N bytes at once (a terabyte announced is a MemoryError)."""

    def read(self, size: int) -> bytes:
        if size > MAX_LITERAL:
            raise AnswerTooLarge(f"an answer of {size:,} bytes, above the {MAX_LITERAL >> 20} MB tactful reads")
        kept: bytes = super().read(min(size, KEEP_LITERAL))  # type: ignore[misc]
        left = size - len(kept)
        while left > 0 and (skipped := super().read(min(left, KEEP_LITERAL))):  # type: ignore[misc]
            left -= len(skipped)
        return kept


class _PlainIMAP(_Bounded, IMAP4WithTimeout):  # type: ignore[misc]
    pass


class _TLSIMAP(_Bounded, IMAP4_TLS):  # type: ignore[misc]
    pass


class _Client(IMAPClient):  # type: ignore[misc]
    """IMAPClient over the bounded imaplib classes (its own ``_create_IMAP4``, bar the stream)."""

    def _create_IMAP4(self) -> Any:  # noqa: N802 - IMAPClient's name
        timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _TLSIMAP(self.host, self.port, self.ssl_context, timeout)
        return _PlainIMAP(self.host, self.port, timeout)


@dataclass(frozen=True, slots=True)
class Folder:
    """A folder to read, and whether it holds the mail we sent."""

    name: str
    sent: bool


def lost(err: BaseException) -> bool:
    """Whether ``err`` leaves the connection unusable (a time-out, a drop), not just one folder."""
    return isinstance(err, OSError | EOFError | imaplib.IMAP4.abort)


def describe(err: BaseException, box: Mailbox) -> str:
    """What went wrong talking to the server, in words, without the server's whole answer."""
    where = f"{box.host}:{box.port}"
    if isinstance(err, AnswerTooLarge):
        return f"the IMAP server {where} sent {err}"
    if isinstance(err, TimeoutError | socket.timeout):
        return f"the IMAP server {where} did not answer within {box.timeout:g} s"
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"the IMAP server {where} has a certificate this machine does not trust ({err.verify_message}); " \
               "give its CA with mailbox: ca_file"  # fmt: skip
    if isinstance(err, ssl.SSLError):
        return f"TLS with the IMAP server {where} failed ({err.reason or err}); check mailbox: security and port"
    if isinstance(err, imaplib.IMAP4.abort | ConnectionError | EOFError):
        return f"the IMAP server {where} dropped the connection"
    if isinstance(err, OSError):
        return f"cannot reach the IMAP server {where}: {err.strerror or err}"
    text = " ".join(str(err).split())[:200]
    return f"the IMAP server {where} answered what tactful cannot use ({type(err).__name__}: {text})"


class Reader:
    """One connection to the mailbox, logged in; a context manager that logs out."""

    def __init__(self, box: Mailbox, password: str | None, token: str | None) -> None:
        if not password and not token:
            raise InputError("the mailbox needs a password: set TACTFUL_IMAP_PASSWORD (an app password: see "
                             "docs/capture.md), or TACTFUL_IMAP_OAUTH_TOKEN for XOAUTH2")  # fmt: skip
        self.box = box
        self.client = self._connect()
        try:
            if token:
                self.client.oauth2_login(box.username, token)
            else:
                self.client.login(box.username, password)
        except LoginError as err:
            self.close()
            secret = "TACTFUL_IMAP_OAUTH_TOKEN" if token else "TACTFUL_IMAP_PASSWORD"
            raise InputError(f"the IMAP server {box.host} refused the login of {box.username} "
                             f"({_said(err)}); check {secret} and mailbox: username") from None  # fmt: skip
        except SERVER_ERRORS as err:
            self.close()
            raise SourceFailed(describe(err, box)) from None

    def _connect(self) -> IMAPClient:
        box = self.box
        context = ssl.create_default_context(cafile=box.ca_file) if box.security != "none" else None
        try:
            client = _Client(box.host, port=box.port, ssl=box.security == "tls", ssl_context=context,
                                timeout=SocketTimeout(box.timeout, box.timeout))  # fmt: skip
            if box.security == "starttls":
                client.starttls(context)
        except SERVER_ERRORS as err:
            raise SourceFailed(describe(err, box)) from None
        return client

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out, or drop the connection when the server no longer answers."""
        try:
            self.client.logout()
        except SERVER_ERRORS:
            with contextlib.suppress(*SERVER_ERRORS):
                self.client.shutdown()

    def folders(self) -> list[Folder]:
        """The folders to read, sent mail first (so an answer finds the message it answers):
        the config's, else the one flagged ``\\Sent`` (SPECIAL-USE) and INBOX."""
        listed = self.client.list_folders()
        flagged = {name for flags, _, name in listed if SENT in flags}
        if self.box.folders:
            chosen = [Folder(name, name in flagged or name.lower() == "sent") for name in self.box.folders]
        else:
            sent = self.client.find_special_folder(SENT)
            chosen = ([Folder(sent, True)] if sent else []) + [Folder("INBOX", False)]
        return sorted(chosen, key=lambda f: not f.sent)

    def open(self, folder: str) -> int:
        """Select ``folder`` read-only; its UIDVALIDITY."""
        status = self.client.select_folder(folder, readonly=True)
        return int(status.get(b"UIDVALIDITY", 0))

    def uids(self, after: int) -> list[int]:
        """The UIDs of the selected folder above ``after``, ascending."""
        found = self.client.search(["UID", f"{after + 1}:*"] if after else "ALL")
        return sorted(uid for uid in map(int, found) if uid > after)  # n:* names the last UID even below n

    def headers(self, uids: list[int]) -> Iterator[Mail]:
        """The header fields of ``uids`` (one FETCH), read within bounds; messages the server
        leaves out of its answer are skipped."""
        answer: dict[int, dict[bytes, Any]] = self.client.fetch(uids, [_HEADER, b"INTERNALDATE", b"BODYSTRUCTURE"])
        for uid in uids:
            data = answer.get(uid)
            if data is None:
                continue
            raw = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
            arrived = data.get(b"INTERNALDATE")
            arrived = arrived if isinstance(arrived, datetime) else None
            mail = read_header(uid, raw if isinstance(raw, bytes) else b"", arrived)
            parts = calendar_parts(data.get(b"BODYSTRUCTURE"))
            yield dataclasses.replace(mail, calendar=tuple(parts)) if parts else mail

    def part(self, uids: list[int], number: str) -> dict[int, bytes]:
        """The first :data:`MAX_ICS_BYTES` of part ``number`` of each of ``uids`` (a partial fetch)."""
        if not uids or not re.fullmatch(r"\d{1,3}(\.\d{1,3}){0,8}", number):
            return {}
        answer = self.client.fetch(uids, [f"BODY.PEEK[{number}]<0.{MAX_ICS_BYTES}>".encode()])
        found = {}
        for uid, data in answer.items():
            value = next((v for k, v in data.items() if k.startswith(b"BODY[")), b"")
            found[int(uid)] = value[:MAX_ICS_BYTES] if isinstance(value, bytes) else b""
        return found

    def bodies(self, uids: list[int]) -> dict[int, bytes]:
        """The first bytes of each body (a partial fetch: never the whole of a large message)."""
        if not uids:
            return {}
        answer = self.client.fetch(uids, [_BODY])
        found = {}
        for uid, data in answer.items():
            part = next((v for k, v in data.items() if k.startswith(b"BODY[TEXT]")), b"")
            found[int(uid)] = part[:MAX_BODY_BYTES] if isinstance(part, bytes) else b""
        return found


def _said(err: BaseException) -> str:
    return " ".join(str(err).split())[:200] or "no reason given"
