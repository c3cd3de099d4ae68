"""`tactful import` reads a JSON file a window at a time: a value the window's end cuts in two
(`nu` | `ll`) is read whole, wherever the cut falls."""

from __future__ import annotations

from pathlib import Path

import pytest

from .clirun import doc

WINDOW = 1 << 16  # the reader's window (tactful.cli.rowreader._CHUNK)
NOW = "2026-06-01T10:00:00+00:00"


@pytest.mark.parametrize(("value", "cut"), [("null", 1), ("null", 2), ("null", 3), ("false", 4), ("3", 0)])
def test_a_literal_cut_by_the_windows_end_is_read_whole(tmp_path: Path, value: str, cut: int) -> None:
    key = "rank" if value == "3" else "no_calls" if value == "false" else "role"
    row = '{"company": "Northwind", "interviewed": "2026-05-04", "%s": ' % key  # noqa: UP031 - braces of JSON
    start = WINDOW - cut  # the value starts this many characters before the window's end
    text = "[" + " " * (start - len(row) - 1) + row + value + "}]\n"
    assert text.index(value, len(text) - 10) == start
    (tmp_path / "rows.json").write_text(text)
    assert doc(tmp_path / "home", "import", str(tmp_path / "rows.json"), now=NOW)["imported"] == 1
