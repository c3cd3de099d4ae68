"""Message drafts: rendering with and without the optional facts, the sandbox, template errors
at file:line:col, overrides through `extends`, and `tactful draft` in a real subprocess.

Calendar (2026): the interview is on Mon 04 May and the interviewer gave Fri 15 May as the
decision date, so the first inquiry call is due Mon 18 May (15 May + 3 days of grace).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tactful import Draft, Engine, InputError, MemoryStore, Refused, RuleBook, RuleErrors, load_rules
from tactful.testing import FakeClock

from .helpers import at

EXE = Path(sys.executable).parent / "tactful"
FULL = {"interviewer": "Ms. Rivera", "role": "Data analyst", "decision_by": "2026-05-15"}
DEFAULT = load_rules("default")
WRITTEN = sorted(n for n, t in DEFAULT.templates.items() if not t.alternatives)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("2026-05-04 17:00"))


@pytest.fixture
def engine(clock: FakeClock) -> Engine:
    return Engine(MemoryStore(), clock)


def one(drafts: list[Draft]) -> Draft:
    assert len(drafts) == 1, drafts
    return drafts[0]


def assert_clean(draft: Draft) -> None:
    """No gaps, placeholders or stray values a reader would notice."""
    text = f"{draft.subject or ''}\n{draft.body}"
    for stray in ("None", "{{", "{%", "  ", " ,", " .", "\n\n\n", "()"):
        assert stray not in text, (stray, draft)
    assert draft.body == draft.body.strip() and draft.body


# -- rendering ---------------------------------------------------------------------------


def test_a_draft_mentions_the_latest_news_when_some_was_recorded(engine: Engine, clock: FakeClock) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04", **FULL)
    engine.record(app.id, "news", text="Northwind won a design award")
    engine.record(app.id, "news", text="Northwind opened an office in Lyon.")
    draft = one(engine.drafts(app.id, "call"))
    assert "recent news: Northwind opened an office in Lyon. Congratulations" in draft.body
    assert "design award" not in draft.body
    assert draft.body.startswith("Hello Ms. Rivera, this is [your name].")
    assert "the Data analyst position at Northwind" in draft.body
    assert "Monday, May 4" in draft.body and "Friday, May 15" in draft.body
    assert_clean(draft)


def test_a_draft_leaves_the_news_out_cleanly_when_there_is_none(engine: Engine) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04", **FULL)
    draft = one(engine.drafts(app.id, "send_note"))
    assert "news:" not in draft.body and "Congratulations" not in draft.body
    assert draft.body.count("\n\n") == 3  # greeting, request, closing line, sign-off: no empty paragraph
    assert_clean(draft)


def test_a_draft_reads_well_when_no_interviewer_name_was_recorded(engine: Engine) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04")
    call, note = one(engine.drafts(app.id, "call")), one(engine.drafts(app.id, "send_note"))
    assert call.body.startswith(
        "Hello, this is [your name]. We met on Monday, May 4, when I interviewed for a position"
    )
    assert note.body.startswith("Hello,\n\nWe met on Monday, May 4")
    assert "expected around" not in note.body  # no decision date was given
    assert_clean(call)
    assert_clean(note)


@pytest.mark.parametrize("facts", [FULL, {}], ids=["all-facts", "bare"])
@pytest.mark.parametrize("name", WRITTEN)
def test_every_shipped_template_reads_cleanly_with_or_without_the_optional_facts(
    engine: Engine, name: str, facts: dict[str, str]
) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04", **facts)
    if facts:
        engine.record(app.id, "news", text="Northwind opened an office in Lyon")
    draft = one(engine.drafts(app.id, name))
    assert draft.action == name and draft.id == app.id
    assert_clean(draft)
    if draft.channel == "call":
        assert draft.subject is None
    else:
        assert draft.subject and draft.channel in ("note", "email")
    assert ("Ms. Rivera" in draft.body) == bool(facts)


def test_the_draft_for_what_is_due_follows_the_advice(engine: Engine, clock: FakeClock) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04", **FULL)
    assert one(engine.drafts(app.id)).action == "send_thank_you"
    engine.record(app.id, "thank_you_sent")
    assert one(engine.drafts(app.id)).action == "call"
    quiet = engine.add("Tiny Bakery", interviewed="2026-05-04", no_calls=True)
    invited = engine.add("Acme", interviewed="2026-05-04", no_calls=True, email_invited=True)
    for each in (quiet, invited):
        engine.record(each.id, "thank_you_sent")
    clock.set(at("2026-05-21 10:00"))
    assert (one(engine.drafts(quiet.id)).action, one(engine.drafts(quiet.id)).channel) == ("send_note", "note")
    mail = one(engine.drafts(invited.id))
    assert (mail.action, mail.channel) == ("send_email", "email") and mail.subject


def test_written_thanks_go_by_email_only_when_email_was_invited(engine: Engine) -> None:
    plain = engine.add("Northwind", interviewed="2026-05-04")
    invited = engine.add("Acme", interviewed="2026-05-04", email_invited=True)
    assert one(engine.drafts(plain.id, "send_thank_you")).channel == "note"
    assert one(engine.drafts(invited.id, "send-thank-you")).channel == "email"


def test_a_callback_script_gives_the_time_the_employer_asked_for(engine: Engine, clock: FakeClock) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04", **FULL)
    clock.set(at("2026-05-18 10:00"))
    engine.record(app.id, "called", outcome="callback_requested", callback_at="2026-05-26T14:30")
    draft = one(engine.drafts(app.id))
    assert draft.action == "callback" and "call you back at 14:30" in draft.body


def test_telling_the_first_choice_about_a_competing_offer(engine: Engine, clock: FakeClock) -> None:
    dream = engine.add("Northwind", interviewed="2026-05-04", rank=1, **FULL)
    other = engine.add("Tiny Bakery", interviewed="2026-05-04", rank=2)
    engine.record(dream.id, "thank_you_sent")
    clock.set(at("2026-05-12 10:00"))
    engine.record(other.id, "offer", deadline="2026-05-20")
    draft = one(engine.drafts(dream.id))
    assert (draft.action, draft.channel, draft.subject) == ("contact_first_choice", "call", None)
    assert "another employer has made me an offer and would like my answer by Wednesday, May 20" in draft.body
    assert "Tiny Bakery" not in draft.body
    engine.edit(dream.id, no_calls=True)
    written = one(engine.drafts(dream.id))
    assert written.channel == "note" and written.subject and written.body.startswith("Dear Ms. Rivera,")


def test_an_offer_is_drafted_both_ways(engine: Engine, clock: FakeClock) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04", **FULL)
    clock.set(at("2026-05-12 10:00"))
    engine.record(app.id, "offer", deadline="2026-05-20")
    drafts = engine.drafts(app.id)
    assert [d.action for d in drafts] == ["accept_offer", "decline_offer"]
    assert "delighted to accept" in drafts[0].body and "decided to decline" in drafts[1].body
    assert one(engine.drafts(app.id, "decline-offer")).action == "decline_offer"


def test_nothing_to_draft_is_a_no_and_an_unknown_action_is_bad_input(engine: Engine, clock: FakeClock) -> None:
    app = engine.add("Northwind", interviewed="2026-05-04")
    with pytest.raises(Refused, match="'move_on' has no message to draft"):
        engine.drafts(app.id, "move_on")
    with pytest.raises(InputError, match="unknown action 'dance'; drafts exist for: accept_offer, call"):
        engine.drafts(app.id, "dance")
    engine.record(app.id, "offer")
    engine.record(app.id, "accepted")
    with pytest.raises(Refused, match="nothing to draft") as refused:
        engine.drafts(app.id)
    assert "name an action" not in refused.value.reason  # command-line advice, not the engine's (a web page shows it)


# -- the sandbox and template errors -----------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_the_sandbox_refuses_python_internals() -> None:
    from jinja2.exceptions import SecurityError

    from tactful.language.sandbox import environment

    with pytest.raises(SecurityError):
        environment().from_string("{{ ''.__class__ }}").render()
    with pytest.raises(SecurityError):
        environment().from_string("{{ company|attr('__class__') }}").render(company="Northwind")


def test_validation_refuses_reaching_for_internals_at_file_line_col(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  send_note: \"Hi {{ ''.__class__ }}\"\n")
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path))
    assert [str(e) for e in caught.value.errors] == [
        f"{path}:3:24: '__class__' is not allowed in a template: it reaches internals"
    ]


def test_what_the_static_check_cannot_see_the_sandbox_refuses_when_drafting(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  call: |\n    Hello,\n"
                                        "    {{ company|attr('__class__') }}\n")  # fmt: skip
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")))
    app = engine.add("Northwind", interviewed="2026-05-04", rules=str(path))
    with pytest.raises(RuleErrors) as caught:
        engine.drafts(app.id, "call")
    (error,) = caught.value.errors
    assert str(error).startswith(f"{path}:5:5: template 'call' failed: access to attribute '__class__'")


def test_an_undefined_name_is_an_error_at_validate_with_file_line_col(tmp_path: Path) -> None:
    write(tmp_path, "call.txt", "Hello {{ interviewer }},\n\nabout {{ compnay }}.\n")
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  call: {file: call.txt}\n"
                                        "  send_note: |\n    Dear {{ interviewr }},\n    {% if %}\n")  # fmt: skip
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path))
    assert [str(e) for e in caught.value.errors] == [
        f"{tmp_path / 'call.txt'}:3:10: unknown name 'compnay' in template 'call'; did you mean 'company'?",
        f"{path}:6:5: template 'send_note': Expected an expression, got 'end of statement block'",
    ]
    path.write_text("extends: default\ntemplates:\n  send_note: |\n    Dear {{ interviewr }},\n")
    with pytest.raises(RuleErrors, match=re.escape(f"{path}:4:13: unknown name 'interviewr' in template 'send_note'")):
        load_rules(str(path))


def test_template_entries_are_checked_against_the_actions(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  cal: hi\n"
                                        "  decide_offer: [accept_offer, maybe]\n  move_on: {channel: 3}\n")  # fmt: skip
    with pytest.raises(RuleErrors) as caught:
        load_rules(str(path))
    found = [str(e) for e in caught.value.errors]
    assert (
        f"{path}:3:3: template 'cal' names no action and is no other template's alternative; did you mean 'call'?"
        in found
    )
    assert f"{path}:4:32: 'maybe' is not a template with text of its own" in found
    assert any(e.startswith(f"{path}:5:12: template 'move_on' is text") for e in found)


def test_the_cli_commands_that_do_not_draft_skip_the_template_check(tmp_path: Path) -> None:
    """Without the check, a broken template is reported by `draft`, at its place."""
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  call: 'Hi {{ compnay }}'\n")
    rules = RuleBook(check_templates=False)
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")), rules)
    app = engine.add("Northwind", interviewed="2026-05-04", rules=str(path))
    with pytest.raises(RuleErrors, match=re.escape(f"{path}:3:16: unknown name 'compnay'")):
        engine.drafts(app.id, "call")


# -- overrides ---------------------------------------------------------------------------


def test_a_user_rule_file_overrides_templates_through_extends(tmp_path: Path) -> None:
    write(tmp_path, "short-call.txt", "Hi {{ interviewer or 'there' }}, any news from {{ company }}?\n")
    write(tmp_path, "base.yaml", "extends: default\ntemplates:\n  call: {file: short-call.txt}\n"
                                 "  send_note: 'Subject: News?\n\n    Any news, {{ company }}?'\n")  # fmt: skip
    path = write(tmp_path, "mine.yaml", "extends: base.yaml\ntemplates:\n  send_note: {channel: \"'email'\"}\n"
                                        "  withdraw: null\n")  # fmt: skip
    engine = Engine(MemoryStore(), FakeClock(at("2026-05-04 17:00")))
    app = engine.add("Northwind", interviewed="2026-05-04", rules=str(path))
    assert one(engine.drafts(app.id, "call")).body == "Hi there, any news from Northwind?"
    note = one(engine.drafts(app.id, "send_note"))
    assert (note.channel, note.subject, note.body) == ("email", "News?", "Any news, Northwind?")
    assert "Thank you for meeting with me" in one(engine.drafts(app.id, "send_thank_you")).body
    with pytest.raises(Refused, match="'withdraw' has no message to draft"):
        engine.drafts(app.id, "withdraw")


def test_a_changed_template_file_is_read_again_despite_the_rule_cache(tmp_path: Path) -> None:
    template = write(tmp_path, "call.txt", "first\n")
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  call: {file: call.txt}\n")
    assert load_rules(str(path), cache_dir=tmp_path / "cache").templates["call"].source == "first\n"
    template.write_text("second version\n")
    os.utime(template, ns=(1, 1))
    assert load_rules(str(path), cache_dir=tmp_path / "cache").templates["call"].source == "second version\n"


def test_a_missing_template_file_is_reported_where_it_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  call: {file: nowhere.txt}\n")
    with pytest.raises(RuleErrors, match=re.escape(f"{path}:3:16: cannot read the template file")):
        load_rules(str(path))


# -- the command line --------------------------------------------------------------------


def tactful(home: Path, *args: str, now: str = "2026-05-04T17:00:00+00:00") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(home), TACTFUL_NOW=now, TACTFUL_TZ="UTC")
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env, timeout=60, cwd=home)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    done = tactful(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", "--interviewer", "Ms. Rivera",
                   "--role", "Data analyst", "--decision-by", "2026-05-15", "--json")  # fmt: skip
    assert done.returncode == 0 and json.loads(done.stdout) == {"id": 1}, done.stderr
    return tmp_path


def test_cli_draft_prints_what_is_due(home: Path) -> None:
    done = tactful(home, "draft", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:5] == ["#1 send_thank_you (note)", "", "Subject: Thank you for our conversation about the Data "
                         "analyst position", "", "Dear Ms. Rivera,"]  # fmt: skip
    assert done.stderr == ""


def test_cli_draft_json_for_a_named_action_with_the_hyphenated_spelling(home: Path) -> None:
    assert tactful(home, "record", "1", "news", "--text", "Northwind opened an office in Lyon").returncode == 0
    done = tactful(home, "draft", "1", "call-again", "--json", "--now", "2026-05-19T10:00:00+00:00")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert list(doc) == ["id", "action", "subject", "body", "channel"]
    assert (doc["id"], doc["action"], doc["subject"], doc["channel"]) == (1, "call_again", None, "call")
    assert "Northwind opened an office in Lyon" in doc["body"]


def test_cli_draft_decide_offer_gives_a_list_of_two(home: Path) -> None:
    assert tactful(home, "record", "1", "offer", "--deadline", "2026-05-20").returncode == 0
    done = tactful(home, "draft", "1", "--json")
    assert done.returncode == 0, done.stderr
    docs = json.loads(done.stdout)
    assert [(d["action"], d["channel"]) for d in docs] == [("accept_offer", "note"), ("decline_offer", "note")]
    assert all(d["subject"] for d in docs)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("draft", "7"), 2, "tactful: no application with id 7; 'tactful list' shows them"),
        (("draft", "1", "dance"), 2, "tactful: unknown action 'dance'; drafts exist for: accept_offer, call,"),
        (("draft", "1", "move-on"), 1, "tactful: 'move_on' has no message to draft; drafts exist for:"),
    ],
    ids=["unknown-id", "unknown-action", "no-template"],
)
def test_cli_draft_errors_are_one_line_with_their_exit_code(home: Path, args: tuple[str, ...], code: int,
                                                            message: str) -> None:  # fmt: skip
    done = tactful(home, *args, "--json")
    assert done.returncode == code and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith(message), done.stderr


def test_cli_draft_with_nothing_advised_exits_1(home: Path) -> None:
    for event in ("offer", "accepted"):
        assert tactful(home, "record", "1", event).returncode == 0
    done = tactful(home, "draft", "1")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("tactful: nothing to draft for #1")
    assert done.stderr.rstrip().endswith("; name an action to draft it anyway")  # the CLI's way on, the CLI's alone


def test_cli_rules_validate_reports_a_template_error_at_file_line_col(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", "extends: default\ntemplates:\n  call: |\n    Hello {{ interviewer }},\n"
                                        "    about {{ compnay }}.\n")  # fmt: skip
    done = tactful(tmp_path, "rules", "validate", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{path}:5:14: unknown name 'compnay' in template 'call'; did you mean 'company'?"
    ]


def test_commands_other_than_draft_and_validate_do_not_import_jinja2(tmp_path: Path) -> None:
    probe = ("import sys\nfrom tactful.cli.main import main\nsys.argv = ['tactful', *sys.argv[1:]]\n"
             "try:\n    main()\nfinally:\n    print('JINJA2', 'jinja2' in sys.modules, file=sys.stderr)\n")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("TACTFUL_")}
    env.update(TACTFUL_HOME=str(tmp_path), TACTFUL_NOW="2026-05-04T17:00:00+00:00", TACTFUL_TZ="UTC")
    # tick too: drafts are made at delivery, for the plugins that take due actions (none here)
    for args in (("add", "Northwind", "--interviewed", "2026-05-04"), ("agenda",), ("show", "1"), ("list",),
                 ("tick",), ("draft", "1")):  # fmt: skip
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env,
                              timeout=60, cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"JINJA2 {args[0] == 'draft'}" in done.stderr, (args, done.stderr)
