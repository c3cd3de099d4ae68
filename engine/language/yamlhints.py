"""Hints for YAML syntax errors in terms of the file a person wrote.

The parser's words ("mapping values are not allowed here", "expected <block end>") describe
its state, not the mistake; most such mistakes in a rule or config file are a key indented
unlike the keys around it. This module says which key, and where it belongs.
"""

from __future__ import annotations

import re

#: A line holding a mapping key: its indentation and the key.
_KEY = re.compile(r"^( *)([^\s#:'\"-][^:#]*?):(?:\s|$)")
#: The parser's problems that a key indented unlike its neighbours causes.
INDENT_PROBLEMS = ("mapping values are not allowed here", "expected <block end>", "did not find expected key")


def indent_hint(text: str, line: int, problem: str) -> str | None:
    """What to do about a key on ``line`` (1-based) indented unlike the key written above it, or
    None when the parser's ``problem`` is of another kind, the line holds no key, or its
    indentation is not the trouble."""
    lines = text.splitlines()
    if not problem.startswith(INDENT_PROBLEMS) or not 1 <= line <= len(lines):
        return None
    here = _KEY.match(lines[line - 1])
    above = _key_above(lines, line - 1)
    if here is None or above is None:
        return None
    indent, key = len(here.group(1)), here.group(2).strip()
    number, above_indent, above_key = above
    if indent == above_indent:
        return None
    parent = next((k for n, i, k in _keys_above(lines, number) if i < above_indent), None)
    place = f"under `{parent}:`" if parent else "at the start of the line"
    return (f"`{key}` is indented {_spaces(indent)} but `{above_key}` above it {above_indent}: "
            f"indent `{key}` {place}, like `{above_key}`")  # fmt: skip


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _key_above(lines: list[str], before: int) -> tuple[int, int, str] | None:
    return next(iter(_keys_above(lines, before)), None)


def _keys_above(lines: list[str], before: int) -> list[tuple[int, int, str]]:
    """The keys written above line index ``before``, nearest first, skipping blank and comment lines."""
    found = []
    for number in range(before - 1, -1, -1):
        text = lines[number]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        match = _KEY.match(text)
        if match is None:
            continue
        found.append((number, len(match.group(1)), match.group(2).strip()))
    return found
