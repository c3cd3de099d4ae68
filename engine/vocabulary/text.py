"""Text made safe to show on a terminal: control characters escaped, long input cut short.

Names and texts come from users and shared rule files. Printed raw, an escape sequence in a
company's name could move the cursor, recolour the screen or hide what follows, and a
right-to-left override could make a line read differently from what it says. What people
read goes through :func:`safe`; what an error message quotes goes through :func:`excerpt`.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import InputError

#: How many characters of a user's input an error message quotes at most.
EXCERPT = 40
#: The longest text tactful keeps from a user (a company's name, a fact, news, a note, a
#: candidate's name): the same on the command line, in an import and through the web API.
MAX_TEXT = 4000
#: What no kept text may hold: a lone surrogate (no valid Unicode: it cannot be written out as
#: UTF-8) and NUL (PostgreSQL keeps no NUL in text).
_INVALID = re.compile("[\x00\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def safe(text: str, *, keep_lines: bool = False) -> str:
    """``text`` with every control and format character (``ESC``, ``BEL``, bidi overrides…)
    written as a visible escape such as ``\\x1b``; newlines and tabs stay with ``keep_lines``."""
    if text.isprintable():
        return text
    kept = "\n\t" if keep_lines else ""
    return "".join(
        _escape(c) if c not in kept and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else c
        for c in text
    )


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A short, escaped, quoted excerpt of ``text`` for an error message: ``'abc…'``."""
    cut = text[:limit]
    return f"'{safe(cut)}{'…' if len(text) > limit else ''}'"


def quoted(value: object) -> str:
    """Any value a user gave, as an error message quotes it: text as :func:`excerpt` does, other
    values by their ``repr``, cut as short."""
    if isinstance(value, str):
        return excerpt(value)
    text = repr(value)
    return safe(text[:EXCERPT]) + ("…" if len(text) > EXCERPT else "")


def kept_text(text: str, what: str) -> str:
    """``text``, when it is valid Unicode, holds no NUL and is at most :data:`MAX_TEXT` characters.

    Raises:
        InputError: naming ``what`` and what is wrong.
    """
    if len(text) <= MAX_TEXT and (text.isprintable() or not _INVALID.search(text)):
        return text
    if len(text) > MAX_TEXT:
        raise InputError(f"{what} is {len(text):,} characters long; tactful keeps at most {MAX_TEXT:,}")
    found = _INVALID.search(text)
    assert found is not None
    name = "a NUL character" if found.group() == "\x00" else "a broken character (not valid UTF-8)"
    raise InputError(f"{what} holds {name} at character {found.start() + 1}; give plain text")


#: The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """``value`` as an exported CSV cell: one a spreadsheet would run as a formula gets a
    leading quote (OWASP's CSV injection advice), and so does one that begins with such a quote
    already, so that :func:`csv_value` gives back exactly the value."""
    if value[:1] in _FORMULA or csv_value(value) != value:
        return "'" + value
    return value


def csv_value(cell: str) -> str:
    """The value of an imported CSV cell: what :func:`csv_cell` did undone, and nothing else."""
    if cell[:1] == "'" and cell[1:2] in (*_FORMULA, "'"):
        return cell[1:]
    return cell
