"""Input that once reached an internal error (exit 70): each class of it now gets exit 2, one
located line, and nothing written. Argument ranges, YAML structure types, aliases, the depth of
`extends`, Unicode validity, text size, id range, fact types, and CSV cells a spreadsheet runs."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tactful.vocabulary.records import MAX_KEPT_ID
from tactful.vocabulary.text import MAX_TEXT, csv_cell, csv_value

from .clirun import doc, ok, run

NOW = "2026-05-06T10:00:00+00:00"


def refused(home: Path, *args: str) -> str:
    """The one line of a command refused as bad input (exit 2), with no crash report written."""
    done = run(home, *args, now=NOW)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (home / "crash").exists()
    return done.stderr.strip()


def rows(home: Path) -> int:
    path = home / "tactful.sqlite3"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM applications").fetchone()[0])


# -- argument ranges -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["tick", "worker"])
@pytest.mark.parametrize("batch", ["9223372036854775808", "0", "200001", "9" * 5000])
def test_a_batch_out_of_range_is_bad_input(tmp_path: Path, command: str, batch: str) -> None:
    line = refused(tmp_path, command, "--batch", batch)
    assert "--batch" in line and "200,000" in line


# -- rule files: structure types, aliases, extends ---------------------------------------------

TRANSITION = "extends: default\nstates:\n  interviewed:\n    on:\n      thank_you_sent:\n        - to: {to}\n"
CASES = {
    "to-list": (TRANSITION.format(to="[a, b]"), "6:15", "expected the name of a state here, not a list"),
    "to-map": (TRANSITION.format(to="{}"), "6:15", "expected the name of a state here, not a map"),
    "use-list": ("extends: default\nactions:\n  call:\n    instead:\n      - when: no_calls\n        use: []\n",
                 "6:14", "expected the name of an action here, not a list"),
    "timer-at-number": ("extends: default\nstates:\n  interviewed:\n    timers:\n      - at: 42\n"
                        "        to: follow_up_due\n", "5:13", "'at' must give a moment"),
    "due-number": ("extends: default\nstates:\n  rejected:\n    advises:\n      - action: thank_you_letter\n"
                   "        due: 7\n", "6:14", "'due' must give a moment"),
    "self-alias": ("a: &a [*a]\n", "1:8", "the alias *a is inside the value it names"),
    "self-alias-map": ("extends: default\nsettings: &s {again: *s}\n", "2:22", "the alias *s is inside"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_rule_file_is_one_located_line_for_validate_and_add(tmp_path: Path, case: str) -> None:
    text, where, said = CASES[case]
    rules = tmp_path / "mine.yaml"
    rules.write_text(text)
    home = tmp_path / "home"
    for args in (("rules", "validate", str(rules)), ("add", "Northwind", "--interviewed", "2026-05-04",
                                                     "--rules", str(rules))):  # fmt: skip
        line = refused(home, *args)
        assert f"mine.yaml:{where}: " in line and said in line, line
    assert rows(home) == 0


def test_a_chain_of_extends_is_refused_past_its_depth_at_once(tmp_path: Path) -> None:
    (tmp_path / "f0.yaml").write_text("extends: default\n")
    for number in range(1, 1000):
        (tmp_path / f"f{number}.yaml").write_text(f"extends: ./f{number - 1}.yaml\n")
    line = refused(tmp_path / "home", "rules", "validate", str(tmp_path / "f999.yaml"))
    assert "f984.yaml:1:10: 'extends' goes more than 16 files deep" in line
    ok(tmp_path / "home", "rules", "validate", str(tmp_path / "f14.yaml"), now=NOW)  # 16 files with default


# -- text: valid Unicode, no NUL, a size ---------------------------------------------------------


def test_a_company_name_that_is_not_utf8_is_bad_input(tmp_path: Path) -> None:
    line = refused(tmp_path, "add", "Northwind\udcff", "--interviewed", "2026-05-04")  # the byte 0xff
    assert "the company's name holds a broken character" in line
    assert rows(tmp_path) == 0


def test_a_text_over_the_limit_is_refused_everywhere_it_can_come_from(tmp_path: Path) -> None:
    added = doc(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    long = "x" * (MAX_TEXT + 1)
    assert f"--text is {MAX_TEXT + 1:,} characters long" in refused(tmp_path, "record", str(added["id"]), "news",
                                                                    "--text", long)  # fmt: skip
    assert "the company's name is" in refused(tmp_path, "add", long, "--interviewed", "2026-05-04")
    data = tmp_path / "rows.json"
    data.write_text(json.dumps([{"company": "Contoso", "interviewed": "2026-05-04", "role": long}]))
    assert "rows.json:1:2: --role is" in refused(tmp_path, "import", str(data))
    ok(tmp_path, "record", str(added["id"]), "news", "--text", "x" * MAX_TEXT, now=NOW)  # at the limit: kept
    assert rows(tmp_path) == 1


@pytest.mark.parametrize("where", ["company", "facts", "history"])
def test_an_import_with_a_lone_surrogate_or_nul_is_bad_input(tmp_path: Path, where: str) -> None:
    home = tmp_path / "home"
    added = doc(home, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    ok(home, "record", str(added["id"]), "news", "--text", "hello", now=NOW)
    exported = json.loads(ok(home, "export", now=NOW).stdout)
    row = {**exported[0], "id": None, "interviewed": "2026-05-05"}
    if where == "company":
        row["company"] = "North\ud800wind"
    elif where == "facts":
        row["facts"] = {**row["facts"], "news": "a\x00b"}
    else:
        row["history"][-1]["params"] = {"text": "h\ud800"}
    data = tmp_path / "rows.json"
    data.write_text(json.dumps([row]))  # ensure_ascii: the surrogate travels as \ud800
    line = refused(home, "import", str(data))
    assert "rows.json:1:2: " in line and ("broken character" in line or "NUL" in line), line
    assert rows(home) == 1


def test_an_import_checks_the_types_of_the_facts_it_restores(tmp_path: Path) -> None:
    home = tmp_path / "home"
    doc(home, "add", "Northwind", "--interviewed", "2026-05-04", now=NOW)
    row = json.loads(ok(home, "export", now=NOW).stdout)[0]
    data = tmp_path / "rows.json"
    data.write_text(json.dumps([{**row, "facts": {**row["facts"], "calls_made": "many"}}]))
    line = refused(tmp_path / "other", "import", str(data))
    assert "facts: 'calls_made' must be a whole number, like 0, not 'many'" in line


# -- ids -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [str(2**63), str(2**63 - 1), str(MAX_KEPT_ID + 1), "9" * 5000])
def test_an_import_id_out_of_range_is_bad_input(tmp_path: Path, number: str) -> None:
    data = tmp_path / "rows.json"
    data.write_text(f'[{{"id": {number}, "company": "Northwind", "interviewed": "2026-05-04"}}]')
    line = refused(tmp_path / "home", "import", str(data)).replace(str(data), "rows.json")
    assert f"ids are whole numbers from 1 to {MAX_KEPT_ID:,}" in line and len(line) < 200


def test_rows_without_an_id_still_import_after_the_largest_id_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = tmp_path / "rows.json"
    data.write_text(f'[{{"id": {MAX_KEPT_ID}, "company": "Northwind", "interviewed": "2026-05-04"}}]')
    ok(home, "import", str(data), now=NOW)
    data.write_text('[{"company": "Contoso", "interviewed": "2026-05-04"}]')
    ok(home, "import", str(data), now=NOW)
    assert sorted(app["id"] for app in doc(home, "list", now=NOW)) == [MAX_KEPT_ID, MAX_KEPT_ID + 1]


# -- CSV cells a spreadsheet would run -------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "'=quoted", "''", "'"]


def test_an_export_neutralises_formulas_and_an_import_gives_them_back(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rows = [{"company": name, "interviewed": "2026-05-04", "role": name} for name in FORMULAS]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    ok(home, "import", str(tmp_path / "rows.json"), now=NOW)
    exported = ok(home, "export", "--format", "csv", now=NOW).stdout
    for line in exported.splitlines()[1:]:
        cell = line.split(",", 2)[1].lstrip('"')
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), line
    (tmp_path / "rows.csv").write_text(exported)
    ok(tmp_path / "copy", "import", str(tmp_path / "rows.csv"), now=NOW)
    again = ok(tmp_path / "copy", "export", "--format", "csv", now=NOW).stdout
    assert again == exported
    companies = [app["company"] for app in doc(home, "list", now=NOW)]
    assert [app["company"] for app in doc(tmp_path / "copy", "list", now=NOW)] == companies
    assert '=HYPERLINK("http://x","y")' in companies and "''" in companies


@settings(max_examples=300)
@given(st.text(max_size=12))
def test_a_csv_cell_gives_back_exactly_its_value(value: str) -> None:
    cell = csv_cell(value)
    assert csv_value(cell) == value
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")


# -- names that the system cannot look up, and control characters in an address -----------------


@pytest.mark.parametrize("rules", ["x" * 5000, "x/" * 3000])
def test_a_rule_set_name_too_long_to_look_up_is_bad_input(tmp_path: Path, rules: str) -> None:
    for args in (("add", "Northwind", "--interviewed", "2026-05-04", "--rules", rules), ("rules", "validate", rules)):
        line = refused(tmp_path, *args)
        assert f"no rule set named '{rules[:4]}" in line and "…'" in line and len(line) < 200, line
    assert rows(tmp_path) == 0


@pytest.mark.parametrize("email", ["a\x07b@example.org", "a\x7fb@example.org", "a\x1bb@example.org"])
def test_a_candidates_address_with_a_control_character_is_bad_input(tmp_path: Path, email: str) -> None:
    line = refused(tmp_path, "candidates", "add", "ada", "--email", email)
    assert "is not an email address" in line
    listed = doc(tmp_path, "candidates", now=NOW)
    assert [c["key"] for c in (listed if isinstance(listed, list) else listed["candidates"])] == [""]


def test_an_address_with_nul_is_refused_through_the_api_too() -> None:
    from tactful import Engine, InputError, MemoryStore
    from tactful.testing import FakeClock

    engine = Engine(MemoryStore(), FakeClock(datetime.fromisoformat(NOW)))
    with pytest.raises(InputError, match="is not an email address"):
        engine.add_candidate("ada", email="a\x00b@example.org")
    assert [c.key for c in engine.candidates()] == [""]


# -- an error message quotes an excerpt of what it refuses, never all of it -----------------------


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [("rank", "9" * 5000, "is not a rank"), ("no_calls", "x" * 5000, "is not yes or no"),
     ("rank", "10001", "is not a rank")],
)  # fmt: skip
def test_an_import_quotes_an_excerpt_of_a_bad_value(tmp_path: Path, column: str, value: str, said: str) -> None:
    data = tmp_path / "rows.json"
    data.write_text(json.dumps([{"company": "Northwind", "interviewed": "2026-05-04", column: value}]))
    line = refused(tmp_path / "home", "import", str(data)).replace(str(data), "rows.json")
    assert said in line and len(line) < 200, line


def test_a_bad_log_level_is_quoted_short(tmp_path: Path) -> None:
    done = run(tmp_path, "list", now=NOW, env={"TACTFUL_LOG_LEVEL": "x" * 5000})
    assert done.returncode == 2 and "TACTFUL_LOG_LEVEL 'xxx" in done.stderr and len(done.stderr) < 300, done.stderr


def test_an_anchor_set_again_names_its_new_value_and_is_no_loop() -> None:
    from tactful.errors import RuleError
    from tactful.language.yamltree import read_yaml

    assert read_yaml("a: &x [&x 1, *x]\n", "f.yaml") == {"a": [1, 1]}  # *x is the inner value, written before it
    with pytest.raises(RuleError, match="the alias \\*x is inside the value it names"):
        read_yaml("a: &x [&y [1], {b: *x}]\n", "f.yaml")
