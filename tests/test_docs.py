"""The documentation cannot drift from the code: keys, settings, commands and examples."""

import re
from pathlib import Path

from tactful import load_rules
from tactful.cli.main import cli
from tactful.language.build import TOP_KEYS
from tactful.language.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
RULES_DOC = (ROOT / "docs" / "rules.md").read_text()


def test_the_rule_reference_names_every_top_level_key_and_setting():
    for key in (*TOP_KEYS, *SETTINGS, "extends"):
        assert f"`{key}`" in RULES_DOC, key


def test_the_rule_reference_gives_the_shipped_defaults():
    default, small = load_rules("default").tree["settings"], load_rules("small-company").tree["settings"]
    for key in ("decision_window", "grace", "reply_wait", "move_on_after"):
        row = next(line for line in RULES_DOC.splitlines() if line.startswith(f"| `{key}` |"))
        assert f"| {default[key]} | {small[key]} |" in row, row


def test_the_readme_lists_every_command():
    documented = set(re.findall(r"`tactful (\w+)", README))
    assert set(cli.commands) <= documented | {"import"}, set(cli.commands) - documented


def test_the_readme_rule_example_is_valid(tmp_path):
    snippet = re.search(r"cat > my-rules.yaml <<'YAML'\n(.*?)YAML\n", README, re.S)
    assert snippet
    path = tmp_path / "my-rules.yaml"
    path.write_text(snippet.group(1))
    rules = load_rules(str(path))
    assert rules.settings["max_calls"] == 1 and rules.settings["grace"].days == 2


def test_every_yaml_example_in_the_rule_reference_parses():
    from tactful.language.yamltree import read_yaml

    blocks = re.findall(r"```yaml\n(.*?)```", RULES_DOC, re.S)
    assert len(blocks) >= 6
    for block in blocks:
        assert read_yaml(block, "docs/rules.md") is not None


def test_the_readme_embedding_snippet_runs_as_written():
    snippet = re.search(r"## Embedding\n\n```python\n(.*?)```", README, re.S)
    assert snippet
    scope: dict = {}
    exec(compile(snippet.group(1), "README.md", "exec"), scope)  # noqa: S102 - our own README
    drafts = scope["engine"].drafts(scope["app"].id)
    assert drafts and drafts[0].action == "call" and scope["engine"].get(scope["app"].id).state == "follow_up_due"


def test_the_readme_names_every_global_option():
    for param in cli.params:
        if param.name not in ("version", "help"):
            assert any(f"`{opt}" in README or f" {opt} " in README for opt in param.opts), param.opts
