"""Property tests: whatever the CLI's arguments or a shipped rule file's mutation, tactful
answers with exit 0, 1 or 2, never a traceback, and writes nothing when it says no (1) or
refuses bad input (2)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tactful import InputError, RuleErrors, load_rules

from .clirun import ok, run

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-05-06T10:00:00+00:00"
#: No shrinking: each example runs the CLI, and a failure's example is readable as it is.
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                phases=[Phase.explicit, Phase.reuse, Phase.generate])  # fmt: skip

#: Values that have broken parsers before, and plain noise.
TRICKY = st.sampled_from([
    "1", "0", "-1", "2", "99999999999999999999999", "9223372036854775808", "1e9", "nan", "", " ", "--",
    "0001-01-01", "9999-12-31", "0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "2026-02-30", "2026-05-04",
    "2026-05-04T25:00", "24:00", "A" * 3000, "Europe/Paris", "../../etc/passwd", "/proc/self/environ",
    "\x1b[31mred", "\u202eevil", "\x7f", "café", "called", "offer", "news", "call", "send_note",
    "callback_requested", "no_answer", "--json", "--yes", "--now", "--at", "--text", "--deadline", "--batch",
    "Northwind\udcff", "x" * 4001, "9" * 5000,
])  # fmt: skip
#: What a command line can carry: any text but NUL and lone surrogates.
ARGUMENT = st.one_of(TRICKY, st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30),
                     st.integers().map(str))  # fmt: skip
COMMANDS = ["add", "record", "show", "list", "agenda", "can", "tick", "edit", "undo", "draft", "plan",
            "export", "outbox", "remove"]  # fmt: skip


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with two applications, one of them with an offer."""
    home = tmp_path_factory.mktemp("seeded")
    ok(home, "add", "Acme", "--interviewed", "2026-04-20", "--decision-by", "2026-05-01", now=NOW)
    ok(home, "add", "Globex", "--interviewed", "2026-04-22", "--rank", "2", now=NOW)
    ok(home, "record", "2", "offer", "--deadline", "2026-05-20", now=NOW)
    return home


def snapshot(home: Path) -> str:
    """What the store holds, row by row, as one hash."""
    with sqlite3.connect(home / "tactful.sqlite3") as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


@settings(FUZZ, max_examples=40)
@given(command=st.sampled_from(COMMANDS), args=st.lists(ARGUMENT, max_size=5))
def test_any_cli_arguments_give_0_1_or_2_and_no_traceback(seeded, command, args):
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "home"
        shutil.copytree(seeded, home)
        before = snapshot(home)
        done = run(home, command, *args, now=NOW)
        assert done.returncode in (0, 1, 2), (done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
        if done.returncode:
            assert done.stderr.strip(), "a refusal says why"
            assert snapshot(home) == before, f"exit {done.returncode} wrote to the store"


# -- mutations of the shipped rule files ------------------------------------------------

SHIPPED = sorted((ROOT / "rules").glob("*.yaml"))
INSERTS = st.sampled_from([
    "&a x", "*a", "*nowhere", "!!python/object:os.system x", "<<: {}", "[", "{", "]", ": :", "'", '"', "\t",
    "- ", "? ", "|", ">", "%YAML 1.1", "---", "...", "{{ company.__class__ }}", "{% include 'x' %}",
    "interviewed + company", "now < 3", "1e999", "99999999999999999999 days", "/proc/self/environ", "../x",
    "\x1b", "\x00", "\ufeff", "null", "~", "yes", "0x10", "09:00-17:00", "9-5", "[mon, tues]",
    "&s [*s]", "&m {k: *m}", "[a, b]", "{}", "[]", "42", "use: []", "to: [a, b]", "at: 42", "extends: ./x.yaml",
])  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped rule file's text with a few lines deleted, duplicated, cut or spliced into."""
    source = draw(st.sampled_from(SHIPPED))
    lines = source.read_text().splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "cut", "splice", "noise"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "cut":
            lines[index] = line[: draw(st.integers(0, len(line)))] + "\n"
        else:
            insert = draw(INSERTS) if action == "splice" else draw(st.text(max_size=8))
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + insert + line[at:]
    return source.name, "".join(lines)


@pytest.fixture(scope="module")
def rules_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of rules/ (the templates included) to write mutations into."""
    folder = tmp_path_factory.mktemp("rules") / "rules"
    shutil.copytree(ROOT / "rules", folder)
    return folder


@settings(FUZZ, max_examples=150)
@given(case=mutated())
def test_a_mutated_shipped_rule_file_loads_or_gives_located_errors(rules_copy, case):
    name, text = case
    path = rules_copy / f"mutated-{name}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_rules(str(path))
    except RuleErrors as err:
        assert err.errors and all(str(e).startswith(str(path)) or "rules/" in str(e) for e in err.errors), err
    except InputError as err:
        assert str(err).strip()


@settings(FUZZ, max_examples=12)
@given(case=mutated())
def test_rules_validate_on_a_mutated_file_gives_0_or_2_and_no_traceback(rules_copy, case):
    name, text = case
    path = rules_copy / f"cli-{name}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    done = run(rules_copy.parent / "home", "rules", "validate", str(path), now=NOW)
    assert done.returncode in (0, 2) and "Traceback" not in done.stderr, (done.returncode, done.stderr)
