"""The etiquette packs (rules/packs/): each loads, passes `rules check` and cites a source for
every number; `rules list`, `add --rules uk`, `rules diff default uk`, an overlay listed after a
pack, and optional advice never counted overdue, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tactful import load_rules
from tactful.authoring.check import check_rules
from tactful.authoring.citations import uncited
from tests.clirun import doc, ok, run

PACKS = ("academia-us", "de", "jp", "jp-newgrad", "startup", "uk", "us-campus", "us-federal", "via-recruiter")
COUNTRY = {"academia-us": "US", "de": "DE", "jp": "JP", "jp-newgrad": "JP", "uk": "GB", "us-campus": "US",
           "us-federal": "US"}  # fmt: skip
NOW = "2027-05-20T10:00"


@pytest.mark.parametrize("name", PACKS)
def test_every_pack_passes_rules_check_and_cites_every_number(name: str) -> None:
    rs = load_rules(name)
    assert check_rules(rs, 3000).ok
    assert uncited(rs) == []
    assert rs.settings["holidays"] == COUNTRY.get(name, "auto")  # the pack's own country; startup and overlays
    # keep the default's: the country of the interviewer's zone
    own = [s for key, s in rs.sources.items() if s.where.path == f"rules/packs/{name}.yaml"]
    assert own and all(s.strength in ("official", "major", "community") for s in own)


def test_rules_list_shows_every_shipped_set_and_pack_with_its_sources(tmp_path: Path) -> None:
    listed = {d["name"]: d for d in doc(tmp_path, "rules", "list", now=NOW)}
    assert set(listed) == {"default", "small-company", *PACKS}
    assert (listed["uk"]["kind"], listed["uk"]["sources"]) == ("pack", 8)
    assert listed["via-recruiter"]["kind"] == "overlay" and listed["default"]["kind"] == "set"
    assert "community practice" in listed["startup"]["description"]
    text = ok(tmp_path, "rules", "list", now=NOW).stdout.splitlines()
    assert len(text) == len(listed) and any(line.startswith("uk ") and "8 sources" in line for line in text)


def test_a_pack_is_used_with_add_rules_and_its_thank_you_is_optional_never_overdue(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok(home, "add", "Northwind", "--interviewed", "2027-05-12", "--rules", "uk", now="2027-05-12T12:00")
    shown = doc(home, "show", "1", now=NOW)
    assert shown["rules"] == "uk"
    thanks = next(n for n in shown["next"] if n["action"] == "send_thank_you")
    assert thanks["optional"] is True and thanks["rule"].startswith("rules/packs/uk.yaml:")
    agenda = doc(home, "agenda", now=NOW)
    late = next(a for a in agenda if a["action"] == "send_thank_you")
    assert late["overdue"] is False  # a courtesy: shown, never counted overdue
    call = next(a for a in agenda if a["action"] == "call")
    assert call["due"].startswith("2027-05-25T09:00")  # 10 days (cv-library, heat), a Saturday, + 2 working days


def test_rules_diff_shows_what_a_pack_changes(tmp_path: Path) -> None:
    done = run(tmp_path, "rules", "diff", "default", "uk", now=NOW)
    assert done.returncode == 1
    assert "~ settings.max_calls: 2 -> 1" in done.stdout and "~ settings.holidays: auto -> GB" in done.stdout


def test_an_overlay_goes_after_a_pack_in_a_list_of_extends(tmp_path: Path) -> None:
    both = tmp_path / "uk-recruiter.yaml"
    both.write_text("extends: [uk, via-recruiter]\n")
    rs = load_rules(str(both))
    assert rs.settings["max_calls"] == 1 and rs.settings["holidays"] == "GB"  # the pack's
    assert "recruiter" in rs.actions["call"].describe.source  # the overlay's
    home = tmp_path / "home"
    ok(home, "add", "Northwind", "--interviewed", "2027-05-12", "--rules", str(both), now="2027-05-12T12:00")
    assert any("your recruiter" in a["reason"] for a in doc(home, "agenda", "--days", "30", now=NOW))
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("extends: [via-recruiter, uk]\n")
    done = run(tmp_path, "rules", "validate", str(wrong), now=NOW)
    assert done.returncode == 2 and "lists overlays only" in done.stderr and done.stderr.count("\n") == 1
    assert json.loads(run(tmp_path, "rules", "list", "--json", now=NOW).stdout)


def test_a_wait_in_working_days_skips_weekends_and_the_packs_holidays(tmp_path: Path) -> None:
    """`grace: 2 working days` (uk) after Fri 28 May 2027: Mon 31 May is a bank holiday, so Wed 2 Jun."""
    rules = tmp_path / "wd.yaml"
    rules.write_text("extends: uk\nsettings:\n  decision_window: 14 days\n")
    home = tmp_path / "home"
    ok(home, "add", "Northwind", "--interviewed", "2027-05-14", "--rules", str(rules), now="2027-05-14T12:00")
    said = ok(home, "why", "1", "call", now=NOW).stdout
    assert "decision date Fri 28 May 2027 + grace 2 working days = Wed 2 Jun 2027" in said
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("extends: default\nsettings:\n  grace: 2 workin days\n")
    done = run(tmp_path, "rules", "validate", str(wrong), now=NOW)
    assert done.returncode == 2 and f"{wrong}:3:10: settings.grace:" in done.stderr and "10 working days" in done.stderr


def test_jp_splits_mid_career_from_new_graduates_whose_summer_offer_waits_for_1_october(tmp_path: Path) -> None:
    """jp-newgrad (extends jp): `answer_not_before: "10-01"` (shinshu, owahara) holds an offer's
    answer to the formal-offer date; jp (mid-career) keeps offer_consideration 7 days (calife)."""
    listed = {d["name"]: d["description"] for d in doc(tmp_path, "rules", "list", now=NOW)}
    assert "mid-career" in listed["jp"] and "new-graduate" in listed["jp-newgrad"]
    for pack, due in (("jp-newgrad", "2027-10-01T10:00"), ("jp", "2027-06-28T10:00")):
        home = tmp_path / pack
        ok(home, "add", "Northwind", "--interviewed", "2027-06-07", "--rules", pack, now="2027-06-21T10:00")
        ok(home, "record", "1", "offer", now="2027-06-21T10:00")
        shown = doc(home, "show", "1", now="2027-06-22T10:00")["next"]
        assert next(n for n in shown if n["action"] == "decide_offer")["due"].startswith(due)
    said = ok(tmp_path / "jp-newgrad", "why", "1", "decide_offer", now="2027-06-22T10:00").stdout
    assert "answer_not_before (setting) -> 10-01 [rules/packs/jp-newgrad.yaml:" in said and "shinshu" in said
    later = tmp_path / "late"
    ok(later, "add", "Northwind", "--interviewed", "2027-10-04", "--rules", "jp-newgrad", now="2027-10-12T10:00")
    ok(later, "record", "1", "offer", now="2027-10-12T10:00")  # after 1 October: nothing held
    late = doc(later, "show", "1", now="2027-10-12T11:00")["next"]
    assert next(n for n in late if n["action"] == "decide_offer")["due"].startswith("2027-10-19T10:00")


def test_a_date_a_rule_names_is_a_month_and_day_every_year_has(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    for value, col in (('"02-29"', 22), ("'1 Feb'", 22), ("2028-02-01", 22)):
        wrong.write_text(f"extends: default\nsettings:\n  answer_not_before: {value}\n")
        done = run(tmp_path, "rules", "validate", str(wrong), now=NOW)
        assert done.returncode == 2 and done.stderr.count("\n") == 1
        assert f"{wrong}:3:{col}: settings.answer_not_before:" in done.stderr
        assert "'02-01' for 1 February" in done.stderr
    assert '"answer_not_before"' in (Path(__file__).parent.parent / "rules" / "schema.json").read_text()


def test_the_contact_route_sends_drafts_and_cans_answers_to_the_recruiter(tmp_path: Path) -> None:
    """via-recruiter's `contact_route: recruiter` (hudson): `can` says to go through the recruiter
    and the drafts are addressed to them; over uk too, and the default set stays the employer's."""
    both = tmp_path / "uk-recruiter.yaml"
    both.write_text("extends: [uk, via-recruiter]\n")
    for rules, route in (("via-recruiter", True), (str(both), True), ("default", False)):
        home = tmp_path / Path(rules).stem
        ok(home, "add", "Northwind", "--interviewed", "2027-05-12", "--rules", rules, now="2027-05-12T12:00")
        early = run(home, "can", "1", "call", now=NOW)
        assert early.returncode == 1 and ("through your recruiter, not the employer" in early.stdout) is route
        later = "2027-06-01T10:00"
        answer = doc(home, "can", "1", "call", now=later)
        assert answer["allowed"] is True and answer["reason"].startswith("a call is due now")
        script = ok(home, "draft", "1", "call", now=later).stdout
        note = doc(home, "draft", "1", "send_note", now=later)
        assert ("through you." in script) is route and ("I interviewed with Northwind" in note["body"]) is route
        assert (note["subject"] == "Northwind: any news?") is route
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("extends: default\nsettings:\n  contact_route: agency\n")
    done = run(tmp_path, "rules", "validate", str(wrong), now=NOW)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    said = "settings.contact_route: 'agency' is not a contact route; write employer or recruiter"
    assert f"{wrong}:3:18: {said}" in done.stderr
