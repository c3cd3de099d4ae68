"""A PostgreSQL URL, parsed once: the parameters libpq is given, and the text shown for it.

tactful parses the URL itself (with the standard library's URL parser) and hands libpq only
keyword parameters, never the URL: libpq's own parse errors quote what they could not read,
the password included. A URL that cannot be read is refused in one line that quotes none of
it; messages name the database by :attr:`PostgresURL.shown`, which has no password, and what
libpq says of a connection goes through :meth:`PostgresURL.reason`, which takes every form
of the password out (as written, decoded, and as it is quoted in a keyword string).
:func:`secret_forms` finds those forms in any text that may hold a database location, for
what cannot parse it (the crash report).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from ..errors import InputError
from ..vocabulary.log import HIDDEN, add_secrets, redact

#: Parameters whose values are secrets: shown as ``***``, taken out of every message.
SECRET_KEYS = frozenset({"password", "sslpassword", "oauth_client_secret", "scram_client_key", "scram_server_key"})
_WRITE = ("write it as postgresql://USER:PASSWORD@HOST:PORT/DATABASE, with @ : / ? # % and spaces in the user "
          "name and password percent-encoded (@ is %40, a space %20)")  # fmt: skip
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_KEY = re.compile(r"[a-z_]{1,40}")
#: ``password=VALUE`` in a URL's query or a keyword string (``'quoted'`` or bare).
_PASSWORD_VALUE = re.compile(r"(?:password|secret|_key)\s*=\s*('(?:[^'\\]|\\.)*'?|[^&\s]*)", re.IGNORECASE)


def malformed(what: str) -> InputError:
    """The one line for a URL that cannot be read: what is wrong, quoting none of it."""
    return InputError(f"the database URL postgresql://… is malformed: {what}; {_WRITE}")


@dataclass(frozen=True)
class PostgresURL:
    """A parsed ``postgresql://`` URL: ``params`` for libpq, ``shown`` for people."""

    params: Mapping[str, str]
    shown: str
    secrets: frozenset[str] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.shown

    @classmethod
    def parse(cls, text: str) -> PostgresURL:
        """Read ``text``; the secrets it holds are also kept out of library log lines.

        Raises:
            InputError: for a URL that cannot be read, in a line that quotes none of it.
        """
        if _SPACE_OR_CONTROL.search(text):
            raise malformed("it holds a space or a control character")
        scheme = text.partition("://")[0]
        try:
            parts = urlsplit(text)
        except ValueError:
            raise malformed("its hosts cannot be read (a '[' without its ']'?)") from None
        after = text[len(scheme) + 3 + len(parts.netloc) :]
        if "@" in after:
            raise malformed("it has an '@' after its host (a '/', '?' or '#' in the password?)")
        if "#" in after:
            raise malformed("it has a '#' (a fragment)")
        userinfo, at, hostpart = parts.netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        hosts, ports = _hosts(hostpart)
        params = {"user": _decoded(user, "the user name"), "dbname": _decoded(parts.path[1:], "the database name"),
                  "host": ",".join(hosts), "port": ",".join(ports) if any(ports) else ""}  # fmt: skip
        if colon:
            params["password"] = _decoded(password, "the password")
        query, secrets = _query(parts.query)
        params.update(query)
        shown_query = "&".join(f"{k}={HIDDEN if unquote(k) in SECRET_KEYS else v}" for k, v in _pairs(parts.query))
        shown = f"{scheme}://{user}{':' + HIDDEN if colon else ''}{at}{hostpart}{parts.path}"
        shown += f"?{shown_query}" if parts.query else ""
        forms = frozenset(secret_forms(text) | {params.get("password", ""), *secrets} - {""})
        add_secrets(*forms)
        return cls({k: v for k, v in params.items() if v or k == "password"}, shown, forms)

    @property
    def conninfo(self) -> str:
        """The keyword string libpq is given (each value quoted as libpq wants)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo("", **self.params)

    def hide(self, text: str) -> str:
        """``text`` with every form of the password in it replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, HIDDEN)
        return redact(text, secrets=False)

    def reason(self, err: Exception) -> str:
        """What the database (or libpq) said, on one line, without the password."""
        text = " ".join(part.strip() for part in str(err).splitlines() if part.strip()) or type(err).__name__
        return self.hide(text)


def _decoded(raw: str, what: str) -> str:
    if _BAD_PERCENT.search(raw):
        raise malformed(f"{what} has a '%' not followed by two hexadecimal digits")
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise malformed(f"{what} is not UTF-8 once its %-escapes are decoded") from None


def _hosts(hostpart: str) -> tuple[list[str], list[str]]:
    """The hosts (decoded: a Unix socket's folder is written %2Fvar%2Frun) and their ports."""
    hosts, ports = [], []
    for item in hostpart.split(",") if hostpart else []:
        if item.startswith("["):
            host, bracket, rest = item[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise malformed("a host in brackets (IPv6) is not [ADDRESS] or [ADDRESS]:PORT")
            port = rest[1:]
        else:
            host, _, port = item.partition(":")
            if ":" in port:
                raise malformed("an IPv6 host must be written in brackets, [::1]")
        if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise malformed("a port is not a number from 1 to 65535 (or a ':' in the password lacks its '@HOST')")
        hosts.append(_decoded(host, "a host"))
        ports.append(port)
    return hosts, ports


def _pairs(query: str) -> list[tuple[str, str]]:
    """The ``key=value`` pairs of a query, as written."""
    pairs = []
    for item in query.split("&") if query else []:
        key, equals, value = item.partition("=")
        if not equals:
            raise malformed("a parameter after '?' has no '=VALUE'")
        pairs.append((key, value))
    return pairs


def _query(query: str) -> tuple[dict[str, str], set[str]]:
    """The query's parameters (decoded, checked against libpq's), and the secret values in it."""
    from psycopg import pq

    known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    params: dict[str, str] = {}
    secrets: set[str] = set()
    for raw_key, raw_value in _pairs(query):
        key, value = _decoded(raw_key, "a parameter's name"), _decoded(raw_value, "a parameter's value")
        if key == "ssl" and value == "true":  # libpq's own shorthand in a URL
            key, value = "sslmode", "require"
        if key not in known:
            named = f"'{key}'" if _KEY.fullmatch(key) else "a parameter"
            raise malformed(f"{named} is not a connection parameter libpq knows")
        params[key] = value
        if key in SECRET_KEYS:
            secrets.update({value, raw_value})
    return params, secrets


def secret_forms(text: str) -> set[str]:
    """Every form a password may take in ``text``, a database location as given (a URL, a
    keyword string, or anything that looks like one), however malformed: what follows the
    first ':' of the user part (up to the last '@'), and every ``password=`` value, each as
    written and decoded. Reads widely: hiding too much is harmless."""
    forms: set[str] = set()
    if "://" in text:
        userinfo = text.partition("://")[2].rpartition("@")[0]
        if ":" in userinfo:
            forms.add(userinfo.partition(":")[2])
    for match in _PASSWORD_VALUE.finditer(text):
        value = match.group(1)
        forms.update({value, value.strip("'"), value.strip("'").replace("\\'", "'").replace("\\\\", "\\")})
    forms |= {unquote(form) for form in forms}
    forms |= {form.replace("\\", "\\\\").replace("'", "\\'") for form in forms}  # as libpq quotes it
    return {form for form in forms if form}
