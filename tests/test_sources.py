"""`sources:` in rule files: citations checked at load, `rules check --strict-sources`, and
`why` naming the sources behind an answer (real subprocess runs of the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tactful import load_rules
from tactful.errors import RuleErrors
from tests.clirun import doc, ok, run

NOW = "2027-05-10T10:00"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("extends: default\n" + text)
    return path


@pytest.mark.parametrize("name", ["default", "small-company"])
def test_the_shipped_sets_cite_every_number(tmp_path: Path, name: str) -> None:
    done = run(tmp_path, "rules", "check", name, "--strict-sources", now=NOW)
    assert done.returncode == 0, done.stdout


def test_the_default_set_cites_the_article_and_marks_its_own_numbers_ours() -> None:
    rs = load_rules("default")
    assert rs.sources["article"].strength == "community"
    assert rs.cited["decision_window"] == ("article",) and rs.cited["grace"] == ("ours",)


def test_an_overlay_that_changes_a_number_without_citing_it_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "settings:\n  grace: 5 days\n  reply_wait: 9 days\n  source: {reply_wait: ours}\n")
    done = run(tmp_path, "rules", "check", str(path), "--strict-sources", "--json", now=NOW)
    assert done.returncode == 1
    findings = [(f["kind"], f["where"]) for f in json.loads(done.stdout)["findings"]]
    assert findings == [("source", f"{path}:3")]  # grace: its default citation was for 3 days, in default.yaml


def test_an_unknown_source_key_or_strength_is_an_error_where_it_is_written(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources:\n  opm: {title: OPM FAQ, strength: offical}\n"
                            "settings:\n  source: {grace: opn}\n  grace: 1 day\n")  # fmt: skip
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path))
    messages = [(e.where.line, e.message) for e in caught.value.errors]
    assert (3, "source 'opm': strength is one of official, major, community") in messages
    assert any(line == 5 and "unknown source 'opn'" in message for line, message in messages), messages


def test_why_names_the_sources_behind_the_answer(tmp_path: Path) -> None:
    path = _write(tmp_path, "sources:\n  handelsblatt: {title: Wartezeit nach dem Gespraech, publisher: Handelsblatt,"
                            " strength: major, url: 'https://www.handelsblatt.com/28024762.html'}\n"
                            "settings:\n  source: {grace: handelsblatt}\n  grace: 4 days\n")  # fmt: skip
    home = tmp_path / "home"
    ok(home, "add", "Northwind", "--interviewed", "2027-05-04", "--rules", str(path), now="2027-05-04T12:00")
    trace = doc(home, "why", "1", "call", now=NOW)
    assert trace["sources"]["handelsblatt"]["publisher"] == "Handelsblatt"
    assert trace["sources"]["article"]["strength"] == "community"
    text = ok(home, "why", "1", now=NOW).stdout
    assert f"grace (setting) -> 4 days [{path}:6] (source: handelsblatt)" in text
    assert "  handelsblatt: Wartezeit nach dem Gespraech (Handelsblatt; major) https://www.handelsblatt.com/" in text
