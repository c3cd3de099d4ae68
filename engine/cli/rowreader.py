"""Reads an import file as a stream of rows, each with the line it starts on.

CSV (with or without the byte-order mark Excel writes) or JSON (a list of objects). Neither
is read whole: CSV a record at a time, JSON an object at a time from a bounded buffer, so a
huge file costs no more memory than one row and a hostile one cannot hang the reader. A
problem is yielded as a row that carries it, so every bad row can be reported at once.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..runtime.rows import NESTED, ImportRow, renamed, unknown_columns
from ..vocabulary.text import csv_value

#: Characters one row may take; a longer one is reported, not read.
MAX_ROW = 1_000_000
_CHUNK = 1 << 16
#: The most characters of a literal or number that can stand cut at a window's end and fail there.
LONGEST_TOKEN = 64
#: What a row nested too deeply for the JSON reader is told (an export's rows nest two levels).
_NESTING = "an export's history and facts nest a few levels at most"
#: What a row past :data:`MAX_ROW` is told, CSV or JSON.
_TOO_LONG = f"a row longer than {MAX_ROW:,} characters; split it"


def read_rows(file: str) -> Iterator[ImportRow]:
    """The rows of ``file`` (``-``: standard input), CSV or JSON by its name or first character.

    Raises:
        InputError: when the file cannot be opened.
    """
    try:
        raw: IO[bytes] = sys.stdin.buffer if file == "-" else Path(file).open("rb")  # noqa: SIM115 - closed below
    except OSError as err:
        raise InputError(f"cannot read {file}: {err.strerror}") from None
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
    start = buffered.peek(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
    reader = _json_rows if file.endswith(".json") or start == b"[" else _csv_rows
    return _closing(text, reader(text, file), file)


def _closing(text: IO[str], rows: Iterator[ImportRow], file: str) -> Iterator[ImportRow]:
    try:
        yield from rows
    except UnicodeDecodeError as err:
        yield ImportRow(file, {}, f"cannot be read as UTF-8 ({err.reason}); save it as UTF-8")
    finally:
        text.close()


class _RowTooLong(Exception):
    """A CSV row past :data:`MAX_ROW` characters, found before it is read whole."""


class _Lines:
    """The text's lines for the csv reader, read at most :data:`MAX_ROW` characters at a time and
    counting the characters of the record being read (``taken``, which the caller sets back to
    0 after each record): a cell or a line past the row limit is refused before it is in memory."""

    def __init__(self, text: IO[str]) -> None:
        self.text, self.taken = text, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(MAX_ROW + 1 - self.taken)
        if not line:
            raise StopIteration
        self.taken += len(line)
        if self.taken > MAX_ROW:
            raise _RowTooLong
        return line


def _csv_problem(err: Exception) -> str:
    return _TOO_LONG if isinstance(err, _RowTooLong) else f"not valid CSV: {err}"


def _csv_rows(text: IO[str], file: str) -> Iterator[ImportRow]:
    lines = _Lines(text)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_ROW + 1))  # the row limit is what counts
    records = csv.reader(lines)
    try:
        header = [name.strip() for name in next(records, [])]
    except (csv.Error, _RowTooLong) as err:
        yield ImportRow(f"{file}:1", {}, _csv_problem(err))
        return
    fixes = unknown_columns(header)
    nested = [n for n in NESTED if n in header or any(fix == n for fix, _ in fixes.values())]
    for _, problem in fixes.values():
        yield ImportRow(f"{file}:1", {}, problem)
    line = records.line_num
    while True:
        lines.taken = 0
        try:
            values = next(records, None)
        except (csv.Error, _RowTooLong) as err:
            yield ImportRow(f"{file}:{line + 1}", {}, _csv_problem(err))
            return
        if values is None:
            return
        where, line = f"{file}:{line + 1}", records.line_num
        if not values:
            continue
        if len(values) > len(header):
            yield ImportRow(where, {}, "has more values than the header has columns")
            continue
        row = dict(zip(header, map(csv_value, values), strict=False))
        yield _csv_row(where, renamed(row, fixes) if fixes else row, nested)


def _csv_row(where: str, row: dict[str, Any], nested: Sequence[str]) -> ImportRow:
    """A CSV row with its ``nested`` columns (history, facts, rules_tree: those the header
    has) decoded from JSON text."""
    for name in nested:
        cell = row.get(name)
        if cell:
            try:
                row[name] = _DECODER.decode(cell)
            except json.JSONDecodeError as err:
                return ImportRow(where, {}, f"column {name} is not valid JSON: {err.msg}")
            except RecursionError:
                return ImportRow(where, {}, f"column {name} nests its JSON too deeply; {_NESTING}")
    return ImportRow(where, row)


class _JsonStream:
    """A bounded window on a text stream that knows the line and column of each position."""

    def __init__(self, text: IO[str]) -> None:
        self.text, self.buf, self.pos, self.eof = text, "", 0, False
        self.line, self.col = 1, 0  # of the window's first character: its line, and columns before it

    def more(self) -> bool:
        """Read another chunk, dropping what lies before the current position; False at the end."""
        if self.eof:
            return False
        cut = self.pos
        newline = self.buf.rfind("\n", 0, cut)
        if newline >= 0:
            self.line += self.buf.count("\n", 0, cut)
            self.col = cut - newline - 1
        else:
            self.col += cut
        self.buf, self.pos = self.buf[cut:], 0
        chunk = self.text.read(_CHUNK)
        self.eof = not chunk
        self.buf += chunk
        return not self.eof

    def peek(self) -> str:
        """The next character that is not white space ('' at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf) or not self.more():
                return self.buf[self.pos : self.pos + 1]

    def where(self, pos: int) -> tuple[int, int]:
        """The 1-based line and column of ``pos`` in the window."""
        newline = self.buf.rfind("\n", 0, pos)
        if newline < 0:
            return self.line, self.col + pos + 1
        return self.line + self.buf.count("\n", 0, pos), pos - newline


def _whole(text: str) -> int | str:
    """A JSON whole number, or its text when it has more digits than any value tactful takes
    (Python refuses to convert one of thousands of digits, in its own words)."""
    return int(text) if len(text) <= 40 else text


#: Reads rows' JSON: whole numbers through :func:`_whole`.
_DECODER = json.JSONDecoder(parse_int=_whole)


def _json_rows(text: IO[str], file: str) -> Iterator[ImportRow]:
    stream, decoder = _JsonStream(text), _DECODER
    if stream.peek() != "[":
        yield ImportRow(file, {}, "a JSON import is a list of objects, one per application")
        return
    stream.pos += 1
    reported: set[str] = set()
    while True:
        first = stream.peek()
        if first == "]":
            return
        line, col = stream.where(stream.pos)
        try:
            value, end = _decode(stream, decoder)
        except json.JSONDecodeError as err:
            line, col = stream.where(err.pos)
            yield ImportRow(f"{file}:{line}:{col}", {}, f"not valid JSON: {err.msg}")
            return
        except InputError as err:
            yield ImportRow(f"{file}:{line}", {}, str(err))
            return
        except RecursionError:
            yield ImportRow(f"{file}:{line}:{col}", {}, f"this row nests its JSON too deeply; {_NESTING}")
            return
        stream.pos = end
        if isinstance(value, dict):
            fixes = unknown_columns(value)
            for name in fixes.keys() - reported:  # each misspelt name once, where first seen
                reported.add(name)
                yield ImportRow(f"{file}:{line}:{col}", {}, fixes[name][1])
            yield ImportRow(f"{file}:{line}:{col}", renamed(value, fixes) if fixes else value)
        else:
            yield ImportRow(f"{file}:{line}:{col}", {}, "a JSON import is a list of objects, one per application")
        after = stream.peek()
        if after == ",":
            stream.pos += 1
        elif after != "]":
            line, col = stream.where(stream.pos)
            yield ImportRow(f"{file}:{line}:{col}", {}, "not valid JSON: expected ',' or ']' after a row")
            return


def _decode(stream: _JsonStream, decoder: json.JSONDecoder) -> tuple[Any, int]:
    """The value at the stream's position, reading more while the window's end cuts it off.

    Raises:
        json.JSONDecodeError: for a malformed value.
        InputError: for a value longer than :data:`MAX_ROW`.
    """
    while True:
        try:
            return decoder.raw_decode(stream.buf, stream.pos)
        except json.JSONDecodeError as err:
            # a literal or a number the window's end cuts (`nu|ll`) fails where it starts, a few
            # characters before the end
            cut_off = err.pos >= len(stream.buf) - LONGEST_TOKEN or err.msg.startswith("Unterminated string")
            if not cut_off or stream.eof:
                raise
            if len(stream.buf) - stream.pos > MAX_ROW:
                raise InputError(_TOO_LONG) from None
            stream.more()
