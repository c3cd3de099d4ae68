"""Candidates as input: their keys and fields checked, one clear line for each mistake.

A key is the embedding app's own id for a job seeker (a user id, a UUID, an email address):
it names them in the store, on the command line, in URLs and in file names (their calendar
feed), so it is kept to characters that are safe in all of those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from ..errors import InputError
from ..language.rulebook import RuleBook
from ..vocabulary.records import Candidate
from ..vocabulary.text import kept_text, quoted
from ..vocabulary.timecalc import known_zone, zone

#: What a key may hold: a letter or digit first, then letters, digits and ``. _ - @ +``.
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
#: The longest display name.
MAX_NAME = 200
#: An email address, as far as a notice's recipient needs one.
EMAIL = re.compile(r"[^@\s<>,;\"\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")
#: What a candidate's ``sms`` may name: a variable of tactful's SMS namespace (the URLs are
#: secrets: never stored). A record may not point the SMS adapter at any other variable of the
#: environment (a password, a database URL), whose value it would otherwise send to as a URL.
SMS_PREFIX = "TACTFUL_SMS_"
ENV_NAME = re.compile(rf"{SMS_PREFIX}[A-Z0-9_]{{1,116}}")
#: The fields a candidate has besides the key.
FIELDS = ("name", "zone", "rules", "email", "sms")


def check_key(key: Any, *, implicit: bool = False) -> str:
    """``key`` when it is a well-formed candidate key (or, with ``implicit``, the implicit one's ``""``).

    Raises:
        InputError: saying what a key may hold.
    """
    if implicit and key == "":
        return ""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise InputError(f"candidate key {quoted(key)} is malformed; use 1-128 letters, digits and . _ - @ +, "
                         "starting with a letter or digit (your app's own user id, say)")  # fmt: skip
    return key


def _name(value: Any) -> str:
    text = "" if value is None else kept_text(str(value).strip(), "the candidate's name")
    if len(text) > MAX_NAME or not text.isprintable():
        raise InputError(f"candidate name {quoted(value)} must be printable text of up to {MAX_NAME} characters")
    return text


def _zone(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        zone(str(value))
    except ValueError as err:
        raise InputError(f"candidate zone: {err}") from None
    return str(value)


def _email(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not EMAIL.fullmatch(value.strip()):
        raise InputError(f"candidate email {quoted(value)} is not an email address; write it as name@example.org")
    return value.strip()


def _sms(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not ENV_NAME.fullmatch(value):
        raise InputError(f"candidate sms {quoted(value)} must name an environment variable that holds their "
                         f"SMS/Apprise URLs, {SMS_PREFIX} and capitals, digits or _, like {SMS_PREFIX}ALICE "
                         "(the URLs are secrets: never stored)")  # fmt: skip
    return value


def made(base: Candidate, fields: Mapping[str, Any], rules: RuleBook) -> Candidate:
    """``base`` with ``fields`` checked and set (None or "" clears a field).

    Raises:
        InputError: for an unknown field or a malformed value; ``rules`` names a rule set the
            book cannot find.
    """
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown candidate field '{unknown[0]}'; known: {', '.join(FIELDS)}")
    changed: dict[str, Any] = {}
    if "name" in fields:
        changed["name"] = _name(fields["name"])
    if "zone" in fields:
        changed["zone"] = _zone(fields["zone"])
    if "rules" in fields:
        given = fields["rules"]
        changed["rules"] = None if given in (None, "") else rules.reference(str(given))
    if "email" in fields:
        changed["email"] = _email(fields["email"])
    if "sms" in fields:
        changed["sms"] = _sms(fields["sms"])
    return base._replace(**changed)


def zone_of(candidate: Candidate) -> tzinfo | None:
    """The candidate's own zone, or None (a zone no longer known reads as none)."""
    return known_zone(candidate.zone) if candidate.zone else None
