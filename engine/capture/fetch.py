"""One bounded HTTP GET of a news feed: a time-out, a size cap, a conditional GET, and no
address but the one given.

- Each connect and each read waits at most ``timeout`` seconds, and the whole body must come
  within ``timeout`` seconds too (a server that sends a byte a second is cut off).
- At most :data:`MAX_FEED_BYTES` are read: a larger ``Content-Length`` is refused before the
  body is read, and a body that runs past the cap is cut off there.
- ``If-None-Match`` and ``If-Modified-Since`` carry what the last fetch answered (ETag,
  Last-Modified); a 304 means nothing new, and nothing is read.
- Only the URL given is fetched. A redirect is followed only to the same host over the same
  scheme, or from http to https on it (a site moving ``/news`` to ``/news/``, or to TLS), at
  most :data:`MAX_REDIRECTS` times; a redirect to another host is refused with the address it
  names, so that the person decides whether to give that one (a feed address given for one
  company never makes tactful fetch from somewhere else).
- ``Accept-Encoding: identity``: a compressed body is never inflated (no gzip bomb).
"""

from __future__ import annotations

import http.client
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..vocabulary.text import quoted
from ..vocabulary.version import __version__

#: The largest feed read, the redirects followed (same host only), the size of one read.
MAX_FEED_BYTES, MAX_REDIRECTS, CHUNK = 2 * 1024 * 1024, 3, 64 * 1024
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"


class FetchFailed(Exception):
    """The feed could not be fetched: why, in words, for a warning."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What the server said last time, sent back to ask only for something new."""

    etag: str = ""
    modified: str = ""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetch's outcome: ``body`` None when the server said nothing changed (304)."""

    body: bytes | None
    content_type: str
    validators: Validators


def fetch(url: str, known: Validators, timeout: float, limit: int = MAX_FEED_BYTES) -> Fetched:
    """GET ``url`` within the bounds above.

    Raises:
        FetchFailed: a time-out, a refused or dropped connection, an error status, a redirect
            elsewhere, a body above ``limit``.
    """
    address = url
    for _ in range(MAX_REDIRECTS + 1):
        try:
            response, connection = _get(address, known, timeout)
            try:
                target = _redirect(url, address, response)
                if target is None:
                    return _read(response, known, timeout, limit)
            finally:
                connection.close()
        except TimeoutError:
            raise FetchFailed(f"the server did not answer within {timeout:g} s") from None
        except ssl.SSLCertVerificationError as err:
            raise FetchFailed(f"its certificate is not trusted here ({err.verify_message})") from None
        except (OSError, http.client.HTTPException, ValueError) as err:
            raise FetchFailed(_said(err)) from None
        address = target
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


_Answer = tuple[http.client.HTTPResponse, http.client.HTTPConnection]


def _get(address: str, known: Validators, timeout: float) -> _Answer:
    parts = urlsplit(address)
    host, port = parts.hostname or "", parts.port
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": f"tactful/{__version__} (news feed reader)", "Accept": ACCEPT,
               "Accept-Encoding": "identity"}  # fmt: skip
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.modified:
        headers["If-Modified-Since"] = known.modified
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse(), connection
    except BaseException:
        connection.close()
        raise


def _redirect(given: str, address: str, response: http.client.HTTPResponse) -> str | None:
    """Where a redirect leads, when it may be followed; None for an answer that is no redirect."""
    if response.status not in (301, 302, 303, 307, 308):
        return None
    location = response.getheader("Location") or ""
    target = urljoin(address, location[:2000])
    old, new = urlsplit(given), urlsplit(target)
    upgrade = (old.scheme, new.scheme) in (("http", "http"), ("https", "https"), ("http", "https"))
    if not location or new.hostname != old.hostname or not upgrade:
        raise FetchFailed(f"it redirects to {quoted(target)}, and tactful fetches only the address you gave; "
                          "if that is the feed now, give it with 'tactful edit ID --news-feed URL'")  # fmt: skip
    return target


def _read(response: http.client.HTTPResponse, known: Validators, timeout: float, limit: int) -> Fetched:
    validators = Validators((response.getheader("ETag") or "")[:500], (response.getheader("Last-Modified") or "")[:100])
    content_type = (response.getheader("Content-Type") or "")[:200]
    if response.status == 304:
        return Fetched(None, content_type, Validators(validators.etag or known.etag,
                                                      validators.modified or known.modified))  # fmt: skip
    if response.status != 200:
        raise FetchFailed(f"the server answered {response.status} {' '.join(response.reason.split())[:100]}")
    declared = response.getheader("Content-Length") or ""
    if declared.isdigit() and int(declared) > limit:
        raise FetchFailed(f"it is {int(declared):,} bytes, above the {limit:,} bytes tactful reads of a feed")
    deadline, parts, size = time.monotonic() + timeout, [], 0
    while chunk := response.read1(CHUNK):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise FetchFailed(f"it is above the {limit:,} bytes tactful reads of a feed")
        if time.monotonic() > deadline:
            raise FetchFailed(f"it did not arrive whole within {timeout:g} s")
    return Fetched(b"".join(parts), content_type, validators)


def _said(err: BaseException) -> str:
    if isinstance(err, http.client.IncompleteRead | http.client.RemoteDisconnected | ConnectionError):
        return "the server dropped the connection before the feed was whole"
    if isinstance(err, OSError) and err.strerror:
        return f"cannot reach it: {err.strerror}"
    return f"it answered what tactful cannot read ({type(err).__name__}: {' '.join(str(err).split())[:150]})"
