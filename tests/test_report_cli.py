"""`tactful report` as a person runs it: over a real SQLite home, in a real subprocess."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from .clirun import doc, ok, run
from .searches import GHOSTS, LATE, NOW, home_with_search


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home_with_search(tmp_path / "home", {"alice": "Acme Secret Corp"})
    return tmp_path / "home"


def test_the_report_gives_the_funnel_response_lateness_and_ghosting(home: Path) -> None:
    report = doc(home, "report", now=NOW)
    overall = report["overall"]
    assert overall["funnel"] | {"interviews": 9, "answered": 6, "offer": 1, "declined": 1, "rejected": 5,
                                "moved_on": 2, "pending": 1} == overall["funnel"]  # fmt: skip
    assert overall["response"]["by_step"]["call 1"] == {"count": 6, "of": 8, "rate": 0.75, "note": None}
    assert overall["response"]["by_step"]["call 2"]["note"] == "too few to tell"
    assert overall["lateness"]["days"]["median"] == 6.5 and overall["lateness"]["days"]["longest"] == 9
    assert overall["ghosting"]["overall"]["count"] == len(GHOSTS)
    assert set(report["rule_sets"]) == {"default", "small-company"}
    assert "small" in overall["ghosting"]["by_company_size"]


def test_the_report_suggests_a_longer_grace_with_its_evidence_and_command(home: Path) -> None:
    (suggestion,) = doc(home, "report", now=NOW)["suggestions"]
    assert suggestion["command"] == "tactful rules set my-rules.yaml settings.grace '7 days'"
    assert "median 6.5 days after their stated date" in suggestion["evidence"]
    text = ok(home, "report", now=NOW).stdout
    assert "tactful rules set my-rules.yaml settings.grace '7 days'" in text


def test_a_period_covers_the_interviews_in_it(home: Path) -> None:
    assert doc(home, "report", "--from", "2026-05-05", now=NOW)["overall"]["funnel"]["interviews"] == 0
    found = doc(home, "report", "--from", "2026-05-04", "--to", "2026-05-04", now=NOW)
    assert found["overall"]["funnel"]["interviews"] == 9 and found["period"] == {
        "from": "2026-05-04",
        "to": "2026-05-04",
    }


def test_small_numbers_say_too_few_to_tell(home: Path) -> None:
    text = ok(home, "--candidate", "alice", "report", now=NOW).stdout
    assert "too few to tell" in text and "%" not in text


def test_a_coach_report_adds_candidates_up_and_names_no_employer(home: Path) -> None:
    report = doc(home, "report", "--all-candidates", now=NOW)
    assert report["overall"]["funnel"]["interviews"] == 10 and set(report["candidates"]) == {"", "alice"}
    text = json.dumps(report) + ok(home, "report", "--all-candidates", now=NOW).stdout
    for company in ("Acme Secret Corp", "Northwind", *LATE, *GHOSTS):
        assert company not in text


def test_a_candidate_report_shows_only_their_own(home: Path) -> None:
    proof = ok(home, "--candidate", "alice", "report", "--proof", "--format", "csv", now=NOW).stdout
    assert "Acme Secret Corp" in proof and "Northwind" not in proof
    assert "Acme Secret Corp" not in ok(home, "report", "--proof", "--format", "csv", now=NOW).stdout


def test_the_proof_as_csv_has_the_documented_columns(home: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(ok(home, "report", "--proof", "--format", "csv", now=NOW).stdout)))
    assert list(rows[0]) == ["date", "employer", "position", "contact_person", "contacts", "outcome"]
    north = next(r for r in rows if r["employer"] == "Northwind")
    assert north == {"date": "2026-05-04", "employer": "Northwind", "position": "Developer",
                     "contact_person": "Ms. Nor", "contacts": "2026-05-04 thank_you; 2026-05-21 call",
                     "outcome": "declined"}  # fmt: skip
    assert len(rows) == 9


def test_the_html_file_is_self_contained_with_charts_that_say_what_they_show(home: Path, tmp_path: Path) -> None:
    page = tmp_path / "search.html"
    ok(home, "report", "--format", "html", "-o", str(page), now=NOW)
    html = page.read_text()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 4 and html.count("<desc id=") == 4
    assert "<script" not in html and "src=" not in html and "href=" not in html
    assert "Median 6.5 days after the stated date" in html and "Hooli" in html
    coach = ok(home, "report", "--all-candidates", "--format", "html", now=NOW).stdout
    assert "<svg" in coach and "Northwind" not in coach and "Acme Secret Corp" not in coach


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2026-06-01", "--to", "2026-05-01"], "--from 2026-06-01 is after --to 2026-05-01"),
        (["--format", "csv"], "--format csv is for the proof of search"),
        (["--proof", "--format", "text"], "--proof comes as csv or pdf"),
        (["--proof", "--format", "csv", "--all-candidates"], "a proof of search is one candidate's"),
        (["--from", "May"], "--from"),
        (["-o", "/nonexistent/dir/x.txt"], "cannot write /nonexistent/dir/x.txt"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(home: Path, args: list[str], says: str) -> None:
    done = run(home, "report", *args, now=NOW)
    assert done.returncode == 2 and says in done.stderr and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
