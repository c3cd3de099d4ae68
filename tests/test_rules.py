"""Loading rule files: every shipped and example file is valid; every mistake is located."""

from pathlib import Path

import pytest

from tactful import RuleErrors, load_rules
from tactful.errors import InputError
from tactful.language.loader import shipped_dir

ROOT = Path(__file__).resolve().parents[1]
# Scenario files (rules/scenarios/, examples/scenarios/) test rule sets; they are not rule files.
EXAMPLES = [p for p in ROOT.glob("examples/**/*.yaml") if "scenarios" not in p.parts]
RULE_FILES = sorted([*ROOT.glob("rules/*.yaml"), *EXAMPLES])


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_and_example_rule_file_loads(path):
    rules = load_rules(str(path))
    assert rules.initial in rules.states
    assert all(state.final or state.on or state.timers for state in rules.states.values())


def test_the_small_company_set_shortens_the_default_timeline():
    small, default = load_rules("small-company"), load_rules("default")
    assert small.settings["decision_window"].days == 7 and default.settings["decision_window"].days == 14
    assert small.settings["grace"].days == 2 and small.settings["reply_wait"].days == 4
    assert small.settings["move_on_after"].days == 14
    assert small.states.keys() == default.states.keys()
    assert small.hash != default.hash


def test_shipped_rule_sets_are_found_by_name():
    assert (shipped_dir() / "default.yaml").is_file()
    assert load_rules("default").files[0].endswith("default.yaml")


def write(tmp_path, text, name="mine.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def errors_of(path):
    with pytest.raises(RuleErrors) as caught:
        load_rules(path)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [
        ("extends: default\nsettings:\n  grace: three days\n", 3, 10, "is not a duration"),
        ("extends: default\nsettings:\n  grace: -2 days\n", 3, 10, "negative"),
        ("extends: default\nsettings:\n  graec: 2 days\n", 3, 3, "did you mean 'grace'?"),
        ("extends: default\nsetings: {}\n", 2, 1, "did you mean 'settings'?"),
        ("extends: default\nsettings:\n  max_calls: two\n", 3, 14, "is not a count"),
        (
            "extends: default\nstates:\n  awaiting_reply:\n    timers:\n      - at: last_contact + reply_wiat\n"
            "        to: moved_on\n",
            5,
            28,
            "unknown name 'reply_wiat'; did you mean 'reply_wait'?",
        ),
        (
            "extends: default\nstates:\n  follow_up_due:\n    on:\n      called: nowhere\n",
            5,
            15,
            "unknown state 'nowhere'",
        ),
        (
            "extends: default\nstates:\n  follow_up_due:\n    advises:\n      - action: dance\n        due: entered\n",
            5,
            17,
            "unknown action 'dance'",
        ),
        ("extends: default\nsettings:\n  holidays: !!python/object:os.system x\n", 3, 13, "tag"),
        ("extends: default\nstates:\n  limbo: {describe: stuck}\n", 3, 3, "cannot be reached"),
    ],
)
def test_mistakes_are_reported_at_file_line_col(tmp_path, text, line, col, message):
    path = write(tmp_path, text)
    found = errors_of(path)
    assert any(e.startswith(f"{path}:{line}:{col}: ") and message in e for e in found), found


MINIMAL = """\
events:
  go: {}
states:
  start:
    initial: true
    on: {go: dead_end}
  dead_end: {}
"""


def test_a_state_with_no_way_out_must_be_final(tmp_path):
    path = write(tmp_path, MINIMAL)
    assert any("has no way out" in e and ":7:3:" in e for e in errors_of(path))
    assert load_rules(write(tmp_path, MINIMAL.replace("dead_end: {}", "dead_end: {final: true}"), "ok.yaml"))


def test_python_tags_never_construct_objects(tmp_path):
    path = write(tmp_path, "extends: default\ndescription: !!python/object/apply:os.system ['touch pwned']\n")
    assert any("tag" in e for e in errors_of(path))
    assert not Path("pwned").exists()


def test_an_unknown_rule_set_is_bad_input():
    with pytest.raises(InputError, match="no rule set named 'nope'"):
        load_rules("nope")


def test_extends_in_a_circle_is_an_error(tmp_path):
    write(tmp_path, "extends: b.yaml\n", "a.yaml")
    write(tmp_path, "extends: a.yaml\n", "b.yaml")
    with pytest.raises(RuleErrors, match="circle"):
        load_rules(str(tmp_path / "a.yaml"))


def test_a_child_file_overrides_and_removes_entries(tmp_path):
    path = write(tmp_path, "extends: default\npolicies:\n  twitter_follow: null\n"
                           "actions:\n  move_on: {describe: let it go}\n")  # fmt: skip
    rules = load_rules(path)
    assert "twitter_follow" not in rules.policies
    assert rules.actions["move_on"].describe.source == "let it go"
    assert rules.actions["move_on"].channels == ()


def test_several_problems_are_reported_together_in_file_order(tmp_path):
    path = write(tmp_path, "extends: default\nsettings:\n  grace: x\n  reply_wait: y\n")
    found = errors_of(path)
    assert [e.split(":")[1] for e in found] == ["3", "4"]


def test_a_cached_rule_set_is_the_same_and_a_changed_file_is_read_again(tmp_path, monkeypatch):
    import os

    from tactful.language import loader

    path = write(tmp_path, "extends: default\nsettings:\n  grace: 2 days\n")
    first = load_rules(path, cache_dir=tmp_path / "cache")
    reads = []
    monkeypatch.setattr(loader, "read_merged", lambda *a: reads.append(a) or pytest.fail("read the files again"))
    again = load_rules(path, cache_dir=tmp_path / "cache")
    assert again.hash == first.hash and again.states["follow_up_due"].where == first.states["follow_up_due"].where
    monkeypatch.undo()
    (tmp_path / "mine.yaml").write_text("extends: default\nsettings:\n  grace: 5 days\n")
    os.utime(tmp_path / "mine.yaml", ns=(1, 1))
    assert load_rules(path, cache_dir=tmp_path / "cache").settings["grace"].days == 5


def test_a_broken_rule_file_is_never_cached(tmp_path):
    path = write(tmp_path, "extends: default\nsettings:\n  grace: soon\n")
    with pytest.raises(RuleErrors):
        load_rules(path, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()
