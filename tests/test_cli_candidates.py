"""Several job seekers in one home, on the command line: `--candidate KEY` (or
TACTFUL_CANDIDATE) acts for one of them and nothing crosses to another; `tactful candidates`
lists, adds, edits and removes them; `agenda --all-candidates` is a coach's morning view;
`export --all-candidates` moves a whole home.

Every test runs the installed `tactful` in a subprocess against a throwaway home, with a fixed
clock and TACTFUL_TZ=UTC. Calendar (2026): the interviews are on Mon 04 May; the thank-you
note is due Tue 05 May 09:00 in the interviewer's zone (UTC here).
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .clirun import doc, ok, run
from .test_cli_newcomer import complete

MAY4 = "2026-05-04T17:00:00+00:00"
MAY8 = "2026-05-08T10:00:00+00:00"


def as_(key: str, home: Path, *args: str, now: str = MAY4) -> object:
    """``tactful --candidate KEY ARGS --json``'s document."""
    return doc(home, "--candidate", key, *args, now=now)


def two_candidates(home: Path) -> None:
    """Alice (in Paris) with Northwind (#1) and Fabrikam (#2); Bob with Contoso (#3)."""
    ok(home, "candidates", "add", "alice", "--name", "Alice Martin", "--zone", "Europe/Paris", now=MAY4)
    ok(home, "candidates", "add", "bob", "--name", "Bob Stone", now=MAY4)
    for key, company in (("alice", "Northwind"), ("alice", "Fabrikam"), ("bob", "Contoso")):
        ok(home, "--candidate", key, "add", company, "--interviewed", "2026-05-04", "--timezone", "UTC", now=MAY4)


def one_line(done: object) -> str:
    """The single line of stderr of a failed command that printed nothing on stdout."""
    assert done.stdout == "" and "Traceback" not in done.stderr, done  # type: ignore[attr-defined]
    lines = done.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    return lines[0]


# --------------------------------------------------------------------------------------------
# isolation


def test_alice_accepting_an_offer_leaves_bobs_agenda_can_and_show_as_they_were(tmp_path: Path) -> None:
    two_candidates(tmp_path)

    def bobs() -> list[object]:
        said = [as_("bob", tmp_path, *command, now=MAY8) for command in (("agenda",), ("show", "3"), ("list",))]
        can = run(tmp_path, "--candidate", "bob", "can", "3", "call", "--json", now=MAY8)
        return [*said, can.returncode, json.loads(can.stdout)]

    before = bobs()
    ok(tmp_path, "--candidate", "alice", "record", "1", "offer", now=MAY8)
    ok(tmp_path, "record", "1", "accepted", "--candidate", "alice", now=MAY8)
    [withdraw] = as_("alice", tmp_path, "agenda", now=MAY8)
    assert withdraw["id"] == 2 and withdraw["action"] == "withdraw" and "Northwind" in withdraw["reason"]
    assert bobs() == before
    assert [item["action"] for item in before[0]] == ["send_thank_you", "call"]
    assert before[-2:] == [1, {"channel": "call", "allowed": False, "allowed_from": "2026-05-21",
                                "reason": "it is too early to call; the next call is due from 2026-05-21",
                                "rule": before[-1]["rule"]}]  # fmt: skip
    assert "Northwind" not in json.dumps(before)


def test_each_candidate_lists_only_their_own_and_you_none_of_theirs(tmp_path: Path) -> None:
    two_candidates(tmp_path)
    ok(tmp_path, "add", "Tailspin", "--interviewed", "2026-05-04", now=MAY4)
    assert [a["company"] for a in as_("alice", tmp_path, "list")] == ["Northwind", "Fabrikam"]
    assert [a["company"] for a in as_("bob", tmp_path, "list")] == ["Contoso"]
    assert [a["company"] for a in doc(tmp_path, "list", now=MAY4)] == ["Tailspin"]
    assert [a["company"] for a in doc(tmp_path, "agenda", now=MAY4)] == ["Tailspin"]


@pytest.mark.parametrize("command", [("show", "{}"), ("can", "{}", "call"), ("record", "{}", "thank_you_sent"),
                                     ("edit", "{}", "--role", "Analyst"), ("undo", "{}"), ("remove", "{}", "--yes"),
                                     ("draft", "{}"), ("plan", "{}"), ("show", "{}", "--graph")])  # fmt: skip
def test_an_id_of_another_candidate_answers_exactly_as_an_unknown_id(tmp_path: Path, command: tuple[str, ...]) -> None:
    two_candidates(tmp_path)
    ok(tmp_path, "--candidate", "alice", "record", "1", "thank_you_sent", now=MAY4)  # something to undo
    alices = run(tmp_path, "--candidate", "bob", *(part.format(1) for part in command), now=MAY4)
    unknown = run(tmp_path, "--candidate", "bob", *(part.format(99) for part in command), now=MAY4)
    assert alices.returncode == unknown.returncode == 2
    assert (
        one_line(alices)
        == one_line(unknown).replace("99", "1")
        == ("tactful: no application with id 1; 'tactful list' shows them")
    )
    shown = as_("alice", tmp_path, "show", "1")
    assert shown["role"] is None and [e["name"] for e in shown["history"]] == ["added", "thank_you_sent"]


def test_shell_completion_offers_the_candidates_own_ids(tmp_path: Path) -> None:
    two_candidates(tmp_path)
    ok(tmp_path, "add", "Tailspin", "--interviewed", "2026-05-04", now=MAY4)
    assert complete(tmp_path, "tactful --candidate alice show ") == ["1", "2"]
    assert complete(tmp_path, "tactful show ", env={"TACTFUL_CANDIDATE": "bob"}) == ["3"]
    assert complete(tmp_path, "tactful show ") == ["4"]


# --------------------------------------------------------------------------------------------
# choosing the candidate


def test_tactful_candidate_in_the_environment_acts_like_the_option(tmp_path: Path) -> None:
    two_candidates(tmp_path)
    bob = {"TACTFUL_CANDIDATE": "bob"}
    assert [a["company"] for a in doc(tmp_path, "list", now=MAY4, env=bob)] == ["Contoso"]
    ok(tmp_path, "add", "Tailspin", "--interviewed", "2026-05-04", now=MAY4, env=bob)
    assert [a["company"] for a in as_("bob", tmp_path, "list")] == ["Contoso", "Tailspin"]
    after = doc(tmp_path, "list", "--candidate", "alice", now=MAY4, env=bob)
    assert [a["company"] for a in after] == ["Northwind", "Fabrikam"], "the option beats the environment"


@pytest.mark.parametrize(("args", "env", "said"), [
    (("--candidate", "carol", "list"), {}, "tactful: no candidate 'carol'; 'tactful candidates' lists them"),
    (("list", "--candidate", "carol"), {}, "tactful: no candidate 'carol'; 'tactful candidates' lists them"),
    (("--candidate", "a b", "agenda"), {}, "tactful: --candidate: candidate key 'a b' is malformed; use 1-128 "),
    (("agenda",), {"TACTFUL_CANDIDATE": "-x"}, "tactful: TACTFUL_CANDIDATE: candidate key '-x' is malformed; "),
    (("export", "--all-candidates", "--candidate", "alice"), {},
     "tactful: --all-candidates covers every candidate; leave out --candidate (and TACTFUL_CANDIDATE)"),
    (("agenda", "--all-candidates"), {"TACTFUL_CANDIDATE": "bob"},
     "tactful: --all-candidates covers every candidate; leave out --candidate (and TACTFUL_CANDIDATE)"),
])  # fmt: skip
def test_a_bad_candidate_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], env: dict[str, str],
                                                 said: str) -> None:  # fmt: skip
    two_candidates(tmp_path)
    done = run(tmp_path, *args, now=MAY4, env=env)
    assert done.returncode == 2 and one_line(done).startswith(said), done.stderr


def test_times_are_shown_and_read_in_the_candidates_own_zone(tmp_path: Path) -> None:
    two_candidates(tmp_path)
    late = "2026-05-04T23:30:00+00:00"  # already Tuesday in Paris
    assert "Tue 2026-05-05 11:00  send thank you" in ok(tmp_path, "--candidate", "alice", "show", "1", now=late).stdout
    assert "Tue 2026-05-05 09:00  send thank you" in ok(tmp_path, "--candidate", "bob", "show", "3", now=late).stdout
    ok(tmp_path, "--candidate", "alice", "record", "1", "thank_you_sent", "--at", "2026-05-04T19:30", now=late)
    sent = as_("alice", tmp_path, "show", "1", now=late)["history"][1]["at"]
    assert datetime.fromisoformat(sent) == datetime(2026, 5, 4, 17, 30, tzinfo=UTC)
    ok(tmp_path, "--candidate", "alice", "add", "Tailspin", "--interviewed", "today", now=late)
    ok(tmp_path, "--candidate", "bob", "add", "Tailspin", "--interviewed", "today", now=late)
    days = {key: as_(key, tmp_path, "list", now=late)[-1]["interviewed"] for key in ("alice", "bob")}
    assert days == {"alice": "2026-05-05", "bob": "2026-05-04"}


# --------------------------------------------------------------------------------------------
# tactful candidates


def test_candidates_are_added_listed_and_edited_and_a_field_cleared(tmp_path: Path) -> None:
    ok(tmp_path, "candidates", "add", "alice", "--name", "Alice Martin", "--zone", "Europe/Paris",
       "--rules", "small-company", "--email", "alice@example.org", "--sms", "TACTFUL_SMS_ALICE", now=MAY4)  # fmt: skip
    [you, alice] = doc(tmp_path, "candidates", now=MAY4)
    assert you["key"] == "" and alice == {"key": "alice", "name": "Alice Martin", "zone": "Europe/Paris",
                                          "rules": "small-company", "email": "alice@example.org",
                                          "sms": "TACTFUL_SMS_ALICE"}  # fmt: skip
    edited = doc(tmp_path, "candidates", "edit", "alice", "--zone", "America/Toronto", "--clear", "email",
                 "--clear", "sms", now=MAY4)  # fmt: skip
    assert (edited["zone"], edited["email"], edited["sms"], edited["name"]) == ("America/Toronto", None, None,
                                                                               "Alice Martin")  # fmt: skip
    assert doc(tmp_path, "candidates", now=MAY4)[1] == edited
    table = ok(tmp_path, "candidates", now=MAY4).stdout
    assert re.search(r"^alice\s+Alice Martin\s+America/Toronto\s+small-company", table, re.M), table
    added = as_("alice", tmp_path, "add", "Contoso", "--interviewed", "2026-05-04")
    assert as_("alice", tmp_path, "show", str(added["id"]))["rules"] == "small-company"


@pytest.mark.parametrize(("args", "said"), [
    (("add", "alice"), "tactful: candidate 'alice' is here already; 'tactful candidates edit alice' changes them"),
    (("add", "new one"), "tactful: KEY: candidate key 'new one' is malformed"),
    (("add", "carol", "--zone", "Mars/Olympus"), "tactful: --zone: "),
    (("add", "carol", "--email", "carol"), "tactful: candidate email 'carol' is not an email address"),
    (("add", "carol", "--sms", "https://secret"), "tactful: candidate sms 'https://secret' must name an environment"),
    (("add", "carol", "--sms", "TACTFUL_SMTP_PASSWORD"), "tactful: candidate sms 'TACTFUL_SMTP_PASSWORD' must name"),
    (("add", "carol", "--sms", "DATABASE_URL"), "tactful: candidate sms 'DATABASE_URL' must name an environment"),
    (("edit", "carol", "--name", "Carol"), "tactful: no candidate 'carol'; 'tactful candidates' lists them"),
    (("edit", "alice"), "tactful: nothing to change; give --name --zone --rules --email --sms, or --clear FIELD"),
    (("edit", "alice", "--zone", "UTC", "--clear", "zone"), "tactful: --zone and --clear zone were both given"),
    (("remove", "carol", "--yes"), "tactful: no candidate 'carol'; 'tactful candidates' lists them"),
])  # fmt: skip
def test_a_mistake_in_managing_candidates_is_one_line_exit_2_and_changes_nothing(tmp_path: Path,
                                                                                 args: tuple[str, ...],
                                                                                 said: str) -> None:  # fmt: skip
    ok(tmp_path, "candidates", "add", "alice", "--name", "Alice Martin", now=MAY4)
    before = doc(tmp_path, "candidates", now=MAY4)
    done = run(tmp_path, "candidates", *args, now=MAY4)
    assert done.returncode == 2 and one_line(done).startswith(said), done.stderr
    assert doc(tmp_path, "candidates", now=MAY4) == before


def test_removing_a_candidate_asks_first_and_erases_everything_of_theirs(tmp_path: Path) -> None:
    two_candidates(tmp_path)
    refused = run(tmp_path, "candidates", "remove", "alice", now=MAY4)  # stdin is not a terminal
    assert refused.returncode == 2 and one_line(refused) == (
        "tactful: removing a candidate needs confirmation; pass --yes to remove without asking"
    )
    assert len(as_("alice", tmp_path, "list")) == 2
    removed = doc(tmp_path, "candidates", "remove", "alice", "--yes", now=MAY4)
    assert removed["key"] == "alice" and removed["removed"] and removed["applications"] == 2
    assert [c["key"] for c in doc(tmp_path, "candidates", now=MAY4)] == ["", "bob"]
    gone = run(tmp_path, "--candidate", "alice", "show", "1", now=MAY4)
    assert gone.returncode == 2 and one_line(gone) == "tactful: no candidate 'alice'; 'tactful candidates' lists them"
    assert [row["company"] for row in json.loads(ok(tmp_path, "export", "--all-candidates", now=MAY4).stdout)] == [
        "Contoso"]  # fmt: skip
    assert [a["company"] for a in as_("bob", tmp_path, "list")] == ["Contoso"]


def test_managing_candidates_is_not_bound_to_the_candidate_in_the_environment(tmp_path: Path) -> None:
    """A coach's shell keeps TACTFUL_CANDIDATE=alice: `candidates` still adds her, and lists the
    home once she is removed, instead of refusing as if she were needed to act for."""
    alice = {"TACTFUL_CANDIDATE": "alice"}
    added = doc(tmp_path, "candidates", "add", "alice", "--name", "Alice Martin", now=MAY4, env=alice)
    assert added["key"] == "alice"
    assert doc(tmp_path, "candidates", "edit", "alice", "--zone", "Europe/Paris", now=MAY4, env=alice)["zone"]
    ok(tmp_path, "candidates", "add", "bob", now=MAY4, env=alice)
    assert doc(tmp_path, "candidates", "remove", "alice", "--yes", now=MAY4, env=alice)["removed"]
    assert [c["key"] for c in doc(tmp_path, "candidates", now=MAY4, env=alice)] == ["", "bob"]
    gone = run(tmp_path, "list", now=MAY4, env=alice)  # acting for her is what needs her
    assert gone.returncode == 2 and one_line(gone) == "tactful: no candidate 'alice'; 'tactful candidates' lists them"


# --------------------------------------------------------------------------------------------
# a coach's morning view


def test_agenda_of_all_candidates_groups_each_ones_items_in_their_own_zone(tmp_path: Path) -> None:
    two_candidates(tmp_path)
    ok(tmp_path, "candidates", "add", "carol", now=MAY4)  # nothing due: not shown
    ok(tmp_path, "add", "Tailspin", "--interviewed", "2026-05-04", "--timezone", "UTC", now=MAY4)
    ok(tmp_path, "--candidate", "bob", "record", "3", "thank_you_sent", now=MAY4)
    groups = doc(tmp_path, "agenda", "--all-candidates", "--days", "3", now=MAY4)
    assert [(g["key"], g["name"], [(i["id"], i["action"]) for i in g["agenda"]]) for g in groups] == [
        ("", "", [(4, "send_thank_you")]),
        ("alice", "Alice Martin", [(1, "send_thank_you"), (2, "send_thank_you")]),
    ]  # fmt: skip
    weeks = doc(tmp_path, "agenda", "--all-candidates", "--days", "30", now=MAY4)
    assert [g["key"] for g in weeks] == ["", "alice", "bob"] and [i["action"] for i in weeks[2]["agenda"]] == ["call"]
    text = ok(tmp_path, "agenda", "--all-candidates", "--days", "30", now=MAY4).stdout
    blocks = text.strip().split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == ["(implicit)", "alice: Alice Martin", "bob: Bob Stone"]
    assert "Tue 2026-05-05 11:00  1   Northwind" in blocks[1] and "Tue 2026-05-05 09:00  4   Tailspin" in blocks[0]


def test_agenda_of_all_candidates_with_nothing_due_says_so(tmp_path: Path) -> None:
    ok(tmp_path, "candidates", "add", "alice", now=MAY4)
    assert ok(tmp_path, "agenda", "--all-candidates", now=MAY4).stdout == "Nothing to do for any candidate.\n"
    assert doc(tmp_path, "agenda", "--all-candidates", now=MAY4) == []


# --------------------------------------------------------------------------------------------
# export and import


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_of_all_candidates_restores_each_in_a_fresh_home(tmp_path: Path, fmt: str) -> None:
    home, fresh = tmp_path / "home", tmp_path / "fresh"
    two_candidates(home)
    ok(home, "add", "Tailspin", "--interviewed", "2026-05-04", now=MAY4)
    ok(home, "--candidate", "alice", "record", "1", "offer", now=MAY8)
    exported = ok(home, "export", "--all-candidates", "--format", fmt, now=MAY8).stdout
    rows = list(csv.DictReader(io.StringIO(exported))) if fmt == "csv" else json.loads(exported)
    assert [(int(r["id"]), r["candidate"]) for r in rows] == [(4, ""), (1, "alice"), (2, "alice"), (3, "bob")]
    (tmp_path / f"all.{fmt}").write_text(exported)
    assert doc(fresh, "import", str(tmp_path / f"all.{fmt}"), now=MAY8)["imported"] == 4
    assert [c["key"] for c in doc(fresh, "candidates", now=MAY8)] == ["", "alice", "bob"]
    for key in ("alice", "bob"):
        assert as_(key, fresh, "list", now=MAY8) == as_(key, home, "list", now=MAY8)
        assert as_(key, fresh, "agenda", now=MAY8) == as_(key, home, "agenda", now=MAY8)
    assert doc(fresh, "list", now=MAY8) == doc(home, "list", now=MAY8)
    assert as_("alice", fresh, "show", "1", now=MAY8)["state"] == "offer_received"


def test_a_candidates_own_export_has_no_candidate_column_and_imports_into_another(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    two_candidates(home)
    exported = ok(home, "--candidate", "alice", "export", "--format", "csv", now=MAY4).stdout
    assert "candidate" not in exported.splitlines()[0].split(",")
    (tmp_path / "alice.csv").write_text(exported)
    ok(other, "candidates", "add", "zed", now=MAY4)
    assert doc(other, "--candidate", "zed", "import", str(tmp_path / "alice.csv"), now=MAY4)["imported"] == 2
    assert [a["company"] for a in as_("zed", other, "list")] == ["Northwind", "Fabrikam"]
    assert doc(other, "list", now=MAY4) == []


def test_an_import_names_the_row_of_a_bad_or_foreign_candidate_and_imports_nothing(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    two_candidates(home)
    rows = json.loads(ok(home, "export", "--all-candidates", now=MAY4).stdout)
    rows[1]["candidate"] = "not a key"
    (tmp_path / "bad.json").write_text(json.dumps(rows, indent=1))
    bad = run(other, "import", str(tmp_path / "bad.json"), now=MAY4)
    assert bad.returncode == 2 and re.fullmatch(r"tactful: \S+/bad\.json:\d+:\d+: candidate key 'not a key' is "
                                                r"malformed; .*", one_line(bad)), bad.stderr  # fmt: skip
    exported = ok(home, "export", "--all-candidates", "--format", "csv", now=MAY4).stdout
    (tmp_path / "all.csv").write_text(exported)
    ok(other, "candidates", "add", "bob", now=MAY4)
    foreign = run(other, "--candidate", "bob", "import", str(tmp_path / "all.csv"), now=MAY4)
    assert foreign.returncode == 2 and foreign.stdout == ""
    assert foreign.stderr.splitlines() == [f"tactful: {tmp_path / 'all.csv'}:{n}: this row is candidate 'alice's, "
                                           "and this import is for 'bob'; import it without --candidate, or leave "
                                           "the candidate column out" for n in (2, 3)]  # fmt: skip
    assert doc(other, "--candidate", "bob", "list", now=MAY4) == [] and doc(other, "list", now=MAY4) == []
    assert [c["key"] for c in doc(other, "candidates", now=MAY4)] == ["", "bob"]


# --------------------------------------------------------------------------------------------
# rule changes and the outbox, per candidate


def test_rules_migrate_moves_every_candidates_applications_or_one_candidates(tmp_path: Path) -> None:
    rules = tmp_path / "mine.yaml"
    rules.write_text("extends: default\nsettings:\n  grace: 3 days\n")
    ok(tmp_path, "candidates", "add", "alice", now=MAY4)
    ok(tmp_path, "candidates", "add", "bob", now=MAY4)
    for key in ("alice", "bob"):
        ok(tmp_path, "--candidate", key, "add", "Northwind", "--interviewed", "2026-05-04", "--rules", str(rules),
           now=MAY4)  # fmt: skip
    rules.write_text("extends: default\nsettings:\n  grace: 1 day\n")
    dry = doc(tmp_path, "rules", "migrate", "--dry-run", now=MAY4)
    assert [(m["id"], m["candidate"], m["safe"]) for m in dry] == [(1, "alice", True), (2, "bob", True)]
    assert "#2 Northwind (" in ok(tmp_path, "rules", "migrate", "--dry-run", now=MAY4).stdout
    assert [m["id"] for m in doc(tmp_path, "--candidate", "bob", "rules", "migrate", now=MAY4)] == [2]
    assert [m["id"] for m in doc(tmp_path, "rules", "migrate", now=MAY4)] == [1]


def test_the_outbox_with_a_candidate_shows_and_retries_their_deliveries_only(tmp_path: Path) -> None:
    from .mailserver import reserve_port
    from .test_cli_newcomer import email_config

    with reserve_port() as reserved:  # nothing listens: every email fails and waits in the outbox
        email_config(tmp_path, reserved.getsockname()[1])
        two_candidates(tmp_path)
        run(tmp_path, "tick", now="2026-05-05T10:00:00+00:00")
        companies = {key: {d["company"] for d in as_(key, tmp_path, "outbox", now=MAY8)} for key in ("alice", "bob")}
        assert companies == {"alice": {"Northwind", "Fabrikam"}, "bob": {"Contoso"}}
        everyone = doc(tmp_path, "outbox", now=MAY8)
        assert {d["company"] for d in everyone} == {"Northwind", "Fabrikam", "Contoso"}
        bobs = [d["id"] for d in everyone if d["company"] == "Contoso"]
        alices = [d["id"] for d in everyone if d["company"] != "Contoso"]
        retried = run(tmp_path, "--candidate", "bob", "outbox", "retry", "--json", now=MAY8)
        assert json.loads(retried.stdout)["retried"] == len(bobs)
        foreign = run(tmp_path, "--candidate", "bob", "outbox", "retry", str(alices[0]), now=MAY8)
        assert foreign.returncode == 2 and one_line(foreign) == (
            f"tactful: no delivery with id {alices[0]}; 'tactful outbox' lists the undelivered ones"
        )
