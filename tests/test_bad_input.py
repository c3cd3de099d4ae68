"""Bad input met by the CLI: one line saying what, where and what would be right, exit 2,
no traceback, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .clirun import EXE, doc, ok, run

NOW = "2026-05-06T10:00:00+00:00"


def one_line(done: object) -> str:
    assert getattr(done, "returncode") == 2, getattr(done, "stderr")  # noqa: B009
    lines = getattr(done, "stderr").splitlines()  # noqa: B009
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    return str(lines[0])


def test_a_store_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "tactful.sqlite3").write_text("my shopping list\n")
    line = one_line(run(tmp_path, "list", now=NOW))
    assert line.startswith(f"tactful: cannot open the store {tmp_path / 'tactful.sqlite3'}: file is not a database")
    assert (tmp_path / "tactful.sqlite3").read_text() == "my shopping list\n"


def test_a_rule_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        done = run(tmp_path, "rules", "new", str(folder / "mine"), now=NOW)
        if done.returncode == 0:  # running as root: permissions do not stop us
            return
        assert one_line(done) == f"tactful: cannot write {folder / 'mine.yaml'}: Permission denied"
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_blank_company_at_edit_writes_nothing(tmp_path: Path) -> None:
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    before = doc(tmp_path, "show", "1", now=NOW)
    line = one_line(run(tmp_path, "edit", "1", "--company", "   ", now=NOW))
    assert line == "tactful: the company's name is required and cannot be blank"
    assert doc(tmp_path, "show", "1", now=NOW) == before


def test_an_import_with_a_nested_value_names_its_row(tmp_path: Path) -> None:
    rows = [{"company": "Northwind", "interviewed": "2026-05-04"},
            {"company": "Contoso", "interviewed": "2026-05-04", "role": {"title": "Engineer"}}]  # fmt: skip
    path = tmp_path / "apps.json"
    text = json.dumps(rows)
    path.write_text(text)
    line = one_line(run(tmp_path, "import", str(path), now=NOW))
    col = text.index('{"company": "Contoso"') + 1  # a row is named by where it starts: line and column
    assert line == f"tactful: {path}:1:{col}: --role must be a single value, not {{'title': 'Engineer'}}"
    assert doc(tmp_path, "list", now=NOW) == []


def test_an_event_before_the_interview_writes_nothing(tmp_path: Path) -> None:
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    line = one_line(run(tmp_path, "record", "1", "thank_you_sent", "--at", "2026-05-01", now=NOW))
    assert line == "tactful: --at 2026-05-01 is before the interview on 2026-05-04; record what happened since"
    assert [h["name"] for h in doc(tmp_path, "show", "1", now=NOW)["history"]] == ["added"]


def test_csv_imports_take_a_byte_order_mark_and_name_a_row_too_long(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text("\ufeffcompany,interviewed\nNorthwind,2026-05-04\nContoso,2026-05-04,extra\n", encoding="utf-8")
    line = one_line(run(tmp_path, "import", str(path), now=NOW))
    assert line == f"tactful: {path}:3: has more values than the header has columns"
    assert doc(tmp_path, "list", now=NOW) == []
    path.write_text("\ufeffcompany,interviewed\nNorthwind,2026-05-04\n", encoding="utf-8")
    ok(tmp_path, "import", str(path), now=NOW)
    assert [a["company"] for a in doc(tmp_path, "list", now=NOW)] == ["Northwind"]
    missing = tmp_path / "nowhere.csv"
    assert one_line(run(tmp_path, "import", str(missing), now=NOW)) == (
        f"tactful: cannot read {missing}: No such file or directory"
    )


def test_an_import_reads_a_stream_and_refuses_a_row_too_long(tmp_path: Path) -> None:
    """A JSON row past the row limit is one line of refusal (not a hang or a full read); nothing is added."""
    path = tmp_path / "huge.json"
    with path.open("w", encoding="utf-8") as out:
        out.write('[\n{"company": "Northwind", "interviewed": "2026-05-04"},\n{"company": "')
        for _ in range(40):
            out.write("x" * 50_000)
        out.write('", "interviewed": "2026-05-04"}\n]\n')
    line = one_line(run(tmp_path, "import", str(path), now=NOW))
    assert line == f"tactful: {path}:3: a row longer than 1,000,000 characters; split it"
    assert doc(tmp_path, "list", now=NOW) == []


#: Runs the command its arguments name and prints the peak memory (KiB) of that child alone.
_PEAK = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True, stdin=subprocess.DEVNULL)\n"
    "sys.stderr.write(done.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def _import_peak(home: Path, path: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """``tactful import PATH`` in its own process, with that process's peak memory in MiB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC")
    done = subprocess.run([sys.executable, "-c", _PEAK, str(EXE), "import", str(path)],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    return done, int(done.stdout.split()[-1]) // 1024


@pytest.mark.parametrize("quote", ["", '"'], ids=["plain", "quoted"])
def test_a_csv_cell_of_200_mb_is_refused_before_it_is_read_whole(tmp_path: Path, quote: str) -> None:
    """A CSV cell far past the row limit (a line of 200 MB, or a quoted cell of that many
    characters over many lines) is one line of refusal, and the import's memory stays a small
    fraction of the file's size: the cell is never read whole. Nothing is added."""
    path = tmp_path / "huge.csv"
    line = "x" * 999_999 + ("\n" if quote else "")
    with path.open("w", encoding="utf-8") as out:
        out.write(f"company,interviewed,role\nNorthwind,2026-05-04,Engineer\nContoso,2026-05-04,{quote}")
        for _ in range(200):
            out.write(line)
        out.write(f"{quote}\n")
    done, peak = _import_peak(tmp_path, path)
    assert one_line(done) == f"tactful: {path}:3: a row longer than 1,000,000 characters; split it"
    assert peak < 80, f"the import peaked at {peak} MiB for a file of {path.stat().st_size >> 20} MiB"
    assert doc(tmp_path, "list", now=NOW) == []


def test_a_csv_cell_past_csvs_own_field_limit_but_within_a_row_is_judged_by_tactfuls_limits(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("company,interviewed,role\nNorthwind,2026-05-04," + "y" * 150_000 + "\n", encoding="utf-8")
    line = one_line(run(tmp_path, "import", str(path), now=NOW))
    assert line == f"tactful: {path}:2: --role is 150,000 characters long; tactful keeps at most 4,000"


def test_an_import_from_standard_input_reports_lines_too(tmp_path: Path) -> None:
    """`import -` reads CSV from standard input; its problems name the line as '-:LINE'."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path), TACTFUL_NOW=NOW, TACTFUL_TZ="UTC")
    done = subprocess.run([str(EXE), "import", "-"], input="company,interviewed\nNorthwind,2026-05-04\nBad,soon\n",
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "tactful: -:3: --interviewed 'soon' is not a date; write it as YYYY-MM-DD, e.g. 2026-05-04"
    ]
    assert doc(tmp_path, "list", now=NOW) == []


def test_an_import_that_is_not_utf8_says_so_once(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_bytes("company,interviewed\nCafé,2026-05-04\n".encode("latin-1"))
    line = one_line(run(tmp_path, "import", str(path), now=NOW))
    assert line == f"tactful: {path}: cannot be read as UTF-8 (invalid continuation byte); save it as UTF-8"
    assert doc(tmp_path, "list", now=NOW) == []


def test_an_import_nested_too_deeply_for_the_json_reader_names_its_row(tmp_path: Path) -> None:
    """JSON nested thousands of levels deep, in a CSV's facts column or a JSON file's row, is
    one line naming the row (not a crash report); nothing is added."""
    deep = "[" * 5000 + "]" * 5000
    csv_path = tmp_path / "deep.csv"
    csv_path.write_text("company,interviewed,state,facts\nNorthwind,2026-05-04,,\n"
                        f'Contoso,2026-05-04,interviewed,"{{""x"": {deep}}}"\n')  # fmt: skip
    line = one_line(run(tmp_path, "import", str(csv_path), now=NOW))
    assert (
        line == f"tactful: {csv_path}:3: column facts nests its JSON too deeply; an export's history and "
        "facts nest a few levels at most"
    )
    json_path = tmp_path / "deep.json"
    json_path.write_text('[{"company": "Northwind", "interviewed": "2026-05-04"},\n' + deep + "]")
    line = one_line(run(tmp_path, "import", str(json_path), now=NOW))
    assert (
        line == f"tactful: {json_path}:2:1: this row nests its JSON too deeply; an export's history and "
        "facts nest a few levels at most"
    )
    assert doc(tmp_path, "list", now=NOW) == []
    assert not (tmp_path / "crash").exists()
