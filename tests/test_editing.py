"""Editing rules safely: `tactful rules new`, `set`, `diff` and `schema`, and the schema that
editors use through the shipped files' modeline."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tactful import load_rules
from tactful.authoring.rulediff import differences
from tactful.authoring.ruleedit import NOT_SET, guess_indent, parse_value, set_value
from tactful.language.schema import rule_schema, schema_text
from tactful.language.yamltree import plain, read_yaml

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "tactful"
RULE_FILES = sorted([*ROOT.glob("rules/*.yaml"), *ROOT.glob("examples/rules/*.yaml")])
ONE_CALL = ROOT / "examples" / "rules" / "one-call.yaml"
POLICY = "policies:\n  call:\n    - deny: true\n      because: no calls at all\n"


def tactful(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(cwd / ".home"), TACTFUL_TZ="UTC", TACTFUL_NOW="2026-05-04T17:00:00+00:00")
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# -- new -------------------------------------------------------------------------------


def test_rules_new_writes_a_commented_starter_that_validates_and_changes_nothing(tmp_path):
    done = tactful(tmp_path, "rules", "new", "mine")
    assert done.returncode == 0, done.stderr
    text = (tmp_path / "mine.yaml").read_text()
    schema = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
    assert schema and Path(schema.group(1)).read_text() == schema_text() and "\nextends: default\n" in text
    assert "#   grace: 3 days" in text and "tactful rules check mine.yaml" in text
    rules = load_rules(str(tmp_path / "mine.yaml"))
    assert not [
        d for d in differences(plain(rules.tree), plain(load_rules("default").tree)) if d.where != "description"
    ]


def test_rules_new_refuses_to_overwrite(tmp_path):
    (tmp_path / "mine.yaml").write_text("# mine\n")
    done = tactful(tmp_path, "rules", "new", "mine")
    assert done.returncode == 2 and "already exists" in done.stderr
    assert (tmp_path / "mine.yaml").read_text() == "# mine\n"


def test_rules_new_takes_a_path_and_a_parent_file_relative_to_it(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(ONE_CALL, tmp_path / "sub" / "base.yaml")
    done = tactful(tmp_path, "rules", "new", "sub/tiny.yaml", "--extends", "sub/base.yaml")
    assert done.returncode == 0, done.stderr
    assert "\nextends: base.yaml\n" in (tmp_path / "sub" / "tiny.yaml").read_text()
    assert load_rules(str(tmp_path / "sub" / "tiny.yaml")).settings["max_calls"] == 1
    assert tactful(tmp_path, "rules", "new", "x", "--extends", "nowhere").returncode == 2


def test_rules_new_refuses_a_parent_outside_the_new_files_folder(tmp_path):
    shutil.copy(ONE_CALL, tmp_path / "base.yaml")
    (tmp_path / "sub").mkdir()
    done = tactful(tmp_path, "rules", "new", "sub/tiny.yaml", "--extends", "base.yaml")
    assert done.returncode == 2 and "--extends: base.yaml is not in" in done.stderr, done.stderr
    assert not (tmp_path / "sub" / "tiny.yaml").exists()


# -- set -------------------------------------------------------------------------------


def test_rules_set_changes_one_value_and_keeps_comments_order_and_layout(tmp_path):
    path = tmp_path / "one-call.yaml"
    shutil.copy(ONE_CALL, path)
    before = path.read_text()
    done = tactful(tmp_path, "rules", "set", "one-call.yaml", "settings.grace", "2 days")
    assert done.returncode == 0, done.stderr
    assert "settings.grace = 2 days (was 1 week)" in done.stdout
    after = path.read_text()
    assert after == before.replace("grace: 1 week", "grace: 2 days")
    assert not [name for name in files_in(tmp_path) if name.startswith(".one-call")]


@pytest.mark.parametrize(
    ("key", "value", "check"),
    [
        ("settings.max_calls", "3", lambda rs: rs.settings["max_calls"] == 3),
        ("settings.contact_days", "[mon, wed]", lambda rs: rs.calendar.days == frozenset({0, 2})),
        (
            "policies.call.0.because",
            "never by phone",
            lambda rs: rs.policies["call"].rules[0].because.source[:5] == "never",
        ),
        ("policies.call.0.deny", "false", lambda rs: rs.policies["call"].rules[0].when.source == "False"),
        ("settings.holidays", "null", lambda rs: rs.settings.get("holidays") is None),
    ],
)
def test_rules_set_types_the_value_as_yaml_would(tmp_path, key, value, check):
    (tmp_path / "mine.yaml").write_text(ONE_CALL.read_text() + POLICY)
    done = tactful(tmp_path, "rules", "set", "mine.yaml", key, value)
    assert done.returncode == 0, done.stderr
    assert check(load_rules(str(tmp_path / "mine.yaml")))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("settings.grace", "two days", r"mine.yaml:9:10: settings.grace: 'two days' is not a duration"),
        ("settings.graec", "2 days", r"mine.yaml:\d+:3: unknown key 'graec' in settings; did you mean 'grace'\?"),
        ("extends", "nowhere", r"mine.yaml:4:10: 'extends': no rule set named 'nowhere'"),
        ("settings.grace.days", "2", r"settings.grace is a single value"),
        ("policies.call.9.because", "x", r"'9' is not a position in a list"),
    ],
)
def test_rules_set_writes_nothing_when_the_result_is_not_valid(tmp_path, key, value, message):
    (tmp_path / "mine.yaml").write_text(ONE_CALL.read_text() + POLICY)
    before = (tmp_path / "mine.yaml").read_bytes()
    done = tactful(tmp_path, "rules", "set", "mine.yaml", key, value)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert re.search(message, done.stderr), done.stderr
    assert (tmp_path / "mine.yaml").read_bytes() == before
    assert not [name for name in files_in(tmp_path) if name.startswith(".mine")]


def test_rules_set_keeps_a_relative_extends_working(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(ONE_CALL, tmp_path / "sub" / "base.yaml")
    (tmp_path / "sub" / "mine.yaml").write_text("extends: base.yaml\n")
    done = tactful(tmp_path, "rules", "set", "sub/mine.yaml", "settings.reply_wait", "5 days")
    assert done.returncode == 0, done.stderr
    rules = load_rules(str(tmp_path / "sub" / "mine.yaml"))
    assert rules.settings["reply_wait"].days == 5 and rules.settings["max_calls"] == 1


def test_rules_set_needs_an_existing_file(tmp_path):
    done = tactful(tmp_path, "rules", "set", "default", "settings.grace", "2 days")
    assert done.returncode == 2 and "no rule file default" in done.stderr


def test_set_value_adds_missing_sections_and_reports_the_old_value():
    text, old = set_value("extends: default\n", "settings.grace", "2 days")
    assert text == "extends: default\nsettings:\n  grace: 2 days\n" and old is NOT_SET
    text, old = set_value(text, "settings.grace", "3 days")
    assert old == "2 days" and "grace: 3 days" in text


@pytest.mark.parametrize(
    ("text", "indent"),
    [
        ("a:\n  b: 1  # one\n  c:\n    - x\n", (2, 4, 2)),
        ("a:\n    b: 1  # one\n    c:\n    - x\n", (4, 2, 0)),
        ("a:\n  b: 1  # one\n  c:\n  - x\n", (2, 2, 0)),
    ],
)
def test_the_indentation_of_a_file_is_kept(text, indent):
    assert guess_indent(text) == indent
    assert set_value(text, "a.b", 2)[0] == text.replace("b: 1", "b: 2")


def test_values_are_read_as_yaml():
    assert [parse_value(v) for v in ("2", "2 days", "true", "null", "[mon, fri]", '"2"')] == [
        2, "2 days", True, None, ["mon", "fri"], "2",
    ]  # fmt: skip


# -- diff ------------------------------------------------------------------------------


def test_rules_diff_shows_what_differs_in_effect_and_exits_1(tmp_path):
    done = tactful(tmp_path, "rules", "diff", "default", "small-company")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert "~ settings.grace: 3 days -> 2 days" in lines and "~ settings.decision_window: 14 days -> 7 days" in lines
    assert not any("max_calls" in line for line in lines)
    doc = json.loads(tactful(tmp_path, "rules", "diff", "default", "small-company", "--json").stdout)
    assert (
        doc["same"] is False
        and {"path": "settings.grace", "change": "changed", "a": "3 days", "b": "2 days"} in (doc["differences"])
    )


def test_rules_diff_exits_0_when_the_effect_is_the_same(tmp_path):
    (tmp_path / "same.yaml").write_text("extends: default\nsettings:\n  decision_window: 2 weeks\n")
    done = tactful(tmp_path, "rules", "diff", "default", "same.yaml")
    assert done.returncode == 0 and done.stdout == "" and "same effect" in done.stderr


def test_rules_diff_names_added_and_removed_entries(tmp_path):
    (tmp_path / "b.yaml").write_text(
        "extends: default\nstates:\n  closed: {final: true, describe: done}\npolicies:\n  twitter_follow: null\n"
    )
    found = {
        str(d) for d in differences(plain(load_rules("default").tree), plain(load_rules(str(tmp_path / "b.yaml")).tree))
    }
    assert (
        "- policies.twitter_follow: " + json.dumps(plain(load_rules("default").tree)["policies"]["twitter_follow"])
        in found
    )
    assert "~ states.closed.describe: not selected, and thanked -> done" in found
    assert tactful(tmp_path, "rules", "diff", "default", "nowhere").returncode == 2


# -- schema ----------------------------------------------------------------------------


def test_rules_schema_prints_the_shipped_schema_file():
    """rules/schema.json is what `tactful rules schema` prints; regenerate it with
    `tactful rules schema > rules/schema.json`."""
    done = tactful(ROOT, "rules", "schema")
    assert done.returncode == 0 and done.stdout == schema_text()
    assert (ROOT / "rules" / "schema.json").read_text() == schema_text(), (
        "run: tactful rules schema > rules/schema.json"
    )
    jsonschema.Draft202012Validator.check_schema(json.loads(done.stdout))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_rule_file_validates_against_the_schema_its_modeline_names(path):
    text = path.read_text()
    modeline = re.match(r"# yaml-language-server: \$schema=(\S+)\n", text)
    assert modeline, "the first line points editors to the schema"
    assert (path.parent / modeline.group(1)).resolve() == (ROOT / "rules" / "schema.json").resolve()
    jsonschema.validate(plain(read_yaml(text, str(path))), rule_schema())


@pytest.mark.parametrize(
    "broken",
    [
        "settings:\n  graec: 2 days\n",
        "settings:\n  grace: 3\n",
        "settings:\n  contact_days: [monday, funday]\n",
        "policies:\n  call:\n    - {allow: true, deny: true, because: both}\n",
        "states:\n  x: {advises: [{action: call}]}\n",
        "invariants:\n  - {holds: true}\n",
        "events:\n  called: {params: {outcome: number}}\n",
    ],
)
def test_a_broken_rule_file_fails_the_schema(broken):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plain(read_yaml("extends: default\n" + broken, "broken.yaml")), rule_schema())


# -- the guide's examples run as written -------------------------------------------------

GUIDE = (ROOT / "docs" / "rule-authoring.md").read_text()


def guide_section(title: str) -> str:
    return GUIDE.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def console_runs(section: str) -> list[tuple[list[str], list[str]]]:
    """Each ``$ tactful …`` command of the section's console blocks, with the output shown."""
    import shlex

    runs: list[tuple[list[str], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ tactful "):
                runs.append((shlex.split(line[len("$ tactful ") :]), []))
            else:
                runs[-1][1].append(line)
    return runs


@pytest.mark.parametrize("title", ["Checking rules", "Editing rules safely"])
def test_the_guide_examples_print_what_the_guide_shows(tmp_path, title):
    section = guide_section(title)
    example = re.search(r"```yaml\n# my-rules.yaml\n(.*?)```", GUIDE, re.S)
    assert example
    (tmp_path / "my-rules.yaml").write_text(example.group(1))
    runs = console_runs(section)
    assert runs
    for args, expected in runs:
        done = tactful(tmp_path, *args)
        assert "Traceback" not in done.stderr, done.stderr
        explored = re.compile(r"explored \d+ records")
        got = [explored.sub("explored N records", line) for line in done.stdout.splitlines()]
        assert got == [explored.sub("explored N records", line) for line in expected], (args, done.stdout)


def test_rules_set_adds_a_new_key_inside_its_section_and_names_the_value_it_overrides(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("# mine\nextends: small-company\nsettings:\n  max_calls: 1   # one call\n\npolicies: {}\n")
    done = tactful(tmp_path, "rules", "set", "mine.yaml", "settings.grace", "1 day")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "mine.yaml: settings.grace = 1 day (overrides 2 days from the rule set it extends)\n"
    assert path.read_text() == ("# mine\nextends: small-company\nsettings:\n  max_calls: 1   # one call\n"
                                "  grace: 1 day\n\npolicies: {}\n")  # fmt: skip


def test_rules_diff_matches_list_items_by_name_not_position():
    advice = [{"action": "send_thank_you", "due": "interviewed + 1 day"}, {"action": "call", "due": "first_inquiry"}]
    a = {"states": {"interviewed": {"advises": advice}}}
    b = {"states": {"interviewed": {"advises": [{"action": "send_note", "due": "now"}, *advice]}}}
    found = [str(d) for d in differences(a, b)]
    assert found == ['+ states.interviewed.advises.send_note: {"action": "send_note", "due": "now"}']
