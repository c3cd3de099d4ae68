"""Text made safe to show on a terminal: control characters escaped, long input cut short.

Names and texts come from users and shared rule files. Printed raw, an escape sequence in a
company's name could move the cursor, recolour the screen or hide what follows, and a
right-to-left override could make a line read differently from what it says. What people
read goes through :func:`safe`; what an error message quotes goes through :func:`excerpt`.
"""

from __future__ import annotations

import unicodedata

#: How many characters of a user's input an error message quotes at most.
EXCERPT = 40


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
