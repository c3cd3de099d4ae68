"""Editing a rule file never silently changes applications in flight; migrate moves them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import Engine, SQLiteStore
from tactful.testing import FakeClock

from .helpers import at

TACTFUL = str(Path(sys.executable).parent / "tactful")


def write_rules(path, grace):
    path.write_text(f"extends: default\nsettings:\n  grace: {grace}\n")


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / "mine.yaml"
    write_rules(path, "3 days")
    return path


def test_an_edited_rule_file_does_not_change_an_application_in_flight(tmp_path, rules_file):
    clock = FakeClock(at("2026-05-04 17:00"))
    store = SQLiteStore(tmp_path / "t.sqlite3")
    app = Engine(store, clock).add("Northwind", interviewed="2026-05-04", rules=str(rules_file))
    write_rules(rules_file, "1 day")
    fresh = Engine(store, clock)  # a new process: nothing cached in memory
    assert [a.due for a in fresh.advise(app.id) if a.action == "call"] == [at("2026-05-21 09:00")]
    newer = fresh.add("Contoso", interviewed="2026-05-04", rules=str(rules_file))
    assert [a.due for a in fresh.advise(newer.id) if a.action == "call"] == [at("2026-05-19 09:00")]


def test_a_broken_rule_file_does_not_stop_applications_in_flight(tmp_path, rules_file):
    clock = FakeClock(at("2026-05-04 17:00"))
    store = SQLiteStore(tmp_path / "t.sqlite3")
    app = Engine(store, clock).add("Northwind", interviewed="2026-05-04", rules=str(rules_file))
    rules_file.write_text("extends: default\nsettings:\n  grace: soon\n")
    assert Engine(store, clock).get(app.id).state == "interviewed"


def test_migrating_keeps_the_due_actions_still_to_announce(tmp_path, rules_file):
    from tactful.authoring.migrate import apply, plan

    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(SQLiteStore(tmp_path / "t.sqlite3"), clock, notify=True)
    app = engine.add("Northwind", interviewed="2026-05-04", rules=str(rules_file))
    assert app.wake < app.next_due  # the thank-you falls due before the first timer
    write_rules(rules_file, "1 day")
    engine = Engine(engine.store, clock, notify=True)  # a new process: nothing cached in memory
    assert [m.app.id for m in apply(engine, plan(engine, clock()), clock())] == [app.id]
    moved = engine.load(app.id)
    assert moved.rules_hash != app.rules_hash and moved.next_due == at("2026-05-19 09:00")
    assert moved.wake == app.wake, "tick must still announce the thank-you when it falls due"


def run(home, *args, now="2026-05-06T10:00:00+00:00"):
    env = {**os.environ, "TACTFUL_HOME": str(home), "TACTFUL_NOW": now, "TACTFUL_TZ": "UTC"}
    return subprocess.run([TACTFUL, *args], capture_output=True, text=True, env=env, timeout=60)


def test_migrate_with_nothing_to_migrate_says_so(tmp_path):
    result = run(tmp_path, "rules", "migrate")
    assert result.returncode == 0 and "Nothing to migrate" in result.stdout


def test_migrate_shows_new_due_dates_then_applies_them(tmp_path, rules_file):
    home = tmp_path / "home"
    run(home, "add", "Northwind", "--interviewed", "2026-05-04", "--rules", str(rules_file))
    write_rules(rules_file, "1 day")
    dry = run(home, "rules", "migrate", "--dry-run", "--json")
    [plan] = json.loads(dry.stdout)
    assert dry.returncode == 0 and plan["safe"] and not plan["applied"]
    assert "call: due 2026-05-21 09:00 -> 2026-05-19 09:00" in plan["changes"]
    show = json.loads(run(home, "show", "1", "--json").stdout)
    assert [n["due"] for n in show["next"] if n["action"] == "call"] == ["2026-05-21T09:00:00+00:00"]
    done = run(home, "rules", "migrate", "--json")
    assert json.loads(done.stdout)[0]["applied"]
    show = json.loads(run(home, "show", "1", "--json").stdout)
    assert [n["due"] for n in show["next"] if n["action"] == "call"] == ["2026-05-19T09:00:00+00:00"]
    assert run(home, "rules", "migrate").stdout.startswith("Nothing to migrate")


def test_migrate_refuses_when_the_state_no_longer_exists(tmp_path, rules_file):
    home = tmp_path / "home"
    run(home, "add", "Northwind", "--interviewed", "2026-05-04", "--rules", str(rules_file))
    run(home, "record", "1", "thank_you_sent")
    rules_file.write_text(
        "extends: default\nstates:\n  awaiting_decision: null\n  interviewed:\n"
        "    on: {thank_you_sent: follow_up_due, note_sent: follow_up_due, emailed: follow_up_due}\n"
    )
    result = run(home, "rules", "migrate")
    assert result.returncode == 1
    assert "refused: its state 'awaiting_decision' no longer exists" in result.stdout
    assert json.loads(run(home, "show", "1", "--json").stdout)["state"] == "awaiting_decision"


def test_the_guides_migrate_example_is_what_the_cli_prints(tmp_path, rules_file):
    import re

    guide = (Path(__file__).resolve().parents[1] / "docs" / "rule-authoring.md").read_text()
    section = guide.split("## Changing rules under applications in flight", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.S).group(1)
    home = tmp_path / "home"
    run(home, "add", "Northwind", "--interviewed", "2026-05-04", "--rules", str(rules_file))
    write_rules(rules_file, "1 day")
    commands = re.findall(r"^\$ tactful (.*)$", block, re.M)
    outputs = [part.strip("\n") for part in re.split(r"^\$ tactful .*$", block, flags=re.M)[1:]]
    assert commands == ["rules migrate --dry-run", "rules migrate"]
    for command, expected in zip(commands, outputs, strict=True):
        got = run(home, *command.split()).stdout.strip("\n")
        assert got == expected.replace("/home/sam/my-rules.yaml", str(rules_file))


def test_the_kept_copy_an_application_runs_under_is_shown_to_the_rules_loaded_hook(tmp_path, rules_file):
    """A plugin's ``tactful_rules_loaded`` sees every rule set before it is used, the kept copy
    of an edited file too (a hook that raises stops the command before it)."""
    from tactful import RuleBook

    clock = FakeClock(at("2026-05-04 17:00"))
    store = SQLiteStore(tmp_path / "t.sqlite3")
    app = Engine(store, clock).add("Northwind", interviewed="2026-05-04", rules=str(rules_file))
    write_rules(rules_file, "1 day")
    seen = []
    fresh = Engine(store, clock, rules=RuleBook(on_load=seen.append))
    assert [a.due for a in fresh.advise(app.id) if a.action == "call"] == [at("2026-05-21 09:00")]
    assert [rs.hash for rs in seen] == [fresh.rules.get(str(rules_file)).hash, app.rules_hash]

    def refuse(rules):
        raise ValueError(f"not {rules.hash[:8]}")

    with pytest.raises(ValueError, match="not"):
        Engine(store, clock, rules=RuleBook(on_load=refuse)).advise(app.id)
