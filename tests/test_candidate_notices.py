"""The email and SMS adapters send each candidate's notices to that candidate: against a real
SMTP server (aiosmtpd) and a real HTTP server (Apprise's ``json://``) on 127.0.0.1, in process
and through `tactful tick`. Nothing of one candidate reaches another's address, and a candidate
whose SMS variable is unset gets a failed delivery, never a text sent elsewhere."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from structlog.testing import capture_logs

from tactful import Engine, MemoryStore, SQLiteStore
from tactful.errors import InputError
from tactful.hooks.delivery import Report, deliver
from tactful.hooks.pluginmanager import get_plugin_manager
from tactful.hookspecs import Candidate
from tactful.plugins.routing import unroutable
from tactful.runtime.notify import Notice
from tactful.stores.outbox import MemoryOutbox
from tactful.testing import FakeClock

from .candidates import DUE, home_with_candidates, populate, whose
from .clirun import doc, ok, run
from .helpers import at
from .httpserver import RecordingServer, recording_server
from .mailserver import HOST, Inbox, LoopbackController, running_inbox

EMAILS = {"alice": {"name": "Alice Martin", "email": "alice@example.org"}, "bob": {"email": "bob@example.org"}}
SECRET = "t0ken-of-alice"  # noqa: S105 - the test's own throwaway token


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, LoopbackController]]:
    with running_inbox() as running:
        yield running


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


def email_section(port: int) -> str:
    return f"email:\n  host: {HOST}\n  port: {port}\n  security: none\n  to: me@example.org\n"


def mailed(handler: Inbox) -> dict[str, set[str]]:
    """Recipient -> the candidates whose companies the messages to them name."""
    found: dict[str, set[str]] = defaultdict(set)
    for received in handler.received:
        [recipient] = received.rcpt_tos
        found[recipient] |= whose(str(received.message["Subject"]) + received.body)
    return dict(found)


# -- email -------------------------------------------------------------------------------


def test_each_candidates_mail_goes_to_their_own_address_and_no_one_elses(tmp_path, inbox):
    handler, server = inbox
    store = SQLiteStore(tmp_path / "tactful.sqlite3")
    clock = FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    populate(engine, **EMAILS)
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    config = {"email": {"host": HOST, "port": server.port, "security": "none", "to": "me@example.org",
                        "notify": ["action_due", "transition"]}}  # fmt: skip
    pm = get_plugin_manager(config, entry_points=False)
    report = deliver(store.outbox, pm, clock(), drafts=engine.notice_draft, candidates=store.get_candidate)
    store.close()
    assert report.failed == [] and len(handler.received) == len(report.delivered) >= 9
    assert mailed(handler) == {"me@example.org": {""}, "alice@example.org": {"alice"}, "bob@example.org": {"bob"}}
    to_alice = [r.message for r in handler.received if r.rcpt_tos == ["alice@example.org"]]
    assert {m["To"] for m in to_alice} == {"Alice Martin <alice@example.org>"}


def test_a_tick_mails_each_candidate_at_their_own_address(tmp_path, inbox):
    """The CLI's delivery looks the candidates up too."""
    handler, server = inbox
    home = tmp_path / "home"
    home_with_candidates(home, email_section(server.port), **EMAILS)
    ticked = ok(home, "tick", now=DUE)
    assert "failed" not in ticked.stderr.replace("0 failed", "")
    assert mailed(handler) == {"me@example.org": {""}, "alice@example.org": {"alice"}, "bob@example.org": {"bob"}}
    assert doc(home, "outbox", now=DUE) == []


def test_a_candidate_without_an_address_gets_the_configured_one(tmp_path, inbox):
    handler, server = inbox
    home = tmp_path / "home"
    home_with_candidates(home, email_section(server.port), alice=EMAILS["alice"], bob={"name": "Bob"})
    ok(home, "tick", now=DUE)
    assert mailed(handler) == {"me@example.org": {"", "bob"}, "alice@example.org": {"alice"}}


def test_another_candidates_notice_without_their_record_is_not_mailed_to_the_configured_address(inbox):
    """An application that delivers without ``candidates=``: the implicit candidate's notice goes
    out as before, alice's fails with one line and reaches nobody."""
    handler, server = inbox
    due = at("2026-05-21 09:00")
    mine = Notice("action_due", "1/action/call/x", 1, "Fabrikam", "follow_up_due", due, action="call", due=due)
    theirs = mine._replace(key="2/action/call/x", app_id=2, company="Northwind", candidate="alice")
    outbox = MemoryOutbox()
    outbox.add([mine, theirs])
    config = {"email": {"host": HOST, "port": server.port, "security": "none", "to": "me@example.org"}}
    report = deliver(outbox, get_plugin_manager(config, entry_points=False), due)
    [(failed, error)] = report.failed
    assert failed.notice.candidate == "alice"
    assert error == ("EmailError: the notice is for candidate 'alice', but the delivery was not given their record "
                     "(deliver(..., candidates=store.get_candidate)); it was not sent")  # fmt: skip
    assert mailed(handler) == {"me@example.org": {""}}


def test_a_name_with_accents_and_a_comma_reaches_the_one_address_and_a_doubtful_address_none(inbox):
    """The address is sent to exactly as stored: one that mail would read as another is refused."""
    handler, server = inbox
    due = at("2026-05-21 09:00")
    notice = Notice("action_due", "2/action/call/x", 2, "Northwind", "s", due, action="call", due=due,
                    candidate="ana")  # fmt: skip
    people = {"ana": Candidate("ana", "Ana Müller, PhD", email="ana@example.org")}
    outbox = MemoryOutbox()
    outbox.add([notice, notice._replace(key="3/action/call/x", app_id=3, candidate="odd")])
    people["odd"] = Candidate("odd", email="odd(comment)@example.org")
    config = {"email": {"host": HOST, "port": server.port, "security": "none", "to": "me@example.org"}}
    report = deliver(outbox, get_plugin_manager(config, entry_points=False), due, candidates=people.get)
    [received] = handler.received
    assert received.rcpt_tos == ["ana@example.org"]
    [address] = received.message["To"].addresses
    assert (address.display_name, address.addr_spec) == ("Ana Müller, PhD", "ana@example.org")
    [(_, error)] = report.failed
    assert error == ("EmailError: candidate 'odd' has an email address that mail cannot be sent to as written "
                     "('odd(comment)@example.org'); correct it with edit_candidate")  # fmt: skip


def test_the_adapters_route_a_notice_only_by_its_own_candidates_record():
    due = at("2026-05-21 09:00")
    theirs = Notice("action_due", "2/action/call/x", 2, "Northwind", "s", due, candidate="alice")
    assert unroutable(theirs, Candidate("alice")) is None
    assert unroutable(theirs._replace(candidate=""), None) is None  # the implicit candidate: the configured address
    assert "was not given their record" in (unroutable(theirs, None) or "")
    assert unroutable(theirs, Candidate("bob")) == (
        "the notice is for candidate 'alice', but came with the record of 'bob'; it was not sent"
    )


# -- SMS ---------------------------------------------------------------------------------


def json_url(server: RecordingServer, path: str, auth: str = "") -> str:
    return f"json://{auth}127.0.0.1:{server.port}/{path}"


def texted(server: RecordingServer) -> dict[str, set[str]]:
    """The path each text was posted to -> the candidates whose companies it names."""
    found: dict[str, set[str]] = defaultdict(set)
    for request in server.posts():
        found[request.path] |= whose(request.json()["message"])
    return dict(found)


SMS = {"alice": {"sms": "TACTFUL_SMS_ALICE"}, "bob": {"sms": "TACTFUL_SMS_BOB"}}


def test_each_candidates_text_goes_to_the_urls_their_variable_holds(tmp_path, server):
    pytest.importorskip("apprise", reason="the sms extra is not installed")
    home = tmp_path / "home"
    home_with_candidates(home, f"sms:\n  urls:\n    - {json_url(server, 'me')}\n", **SMS)
    env = {"TACTFUL_SMS_ALICE": json_url(server, "alice"), "TACTFUL_SMS_BOB": f"{json_url(server, 'bob')} "
           f"{json_url(server, 'bob-too')}"}  # fmt: skip
    ok(home, "tick", now=DUE, env=env)
    assert texted(server) == {"/me": {""}, "/alice": {"alice"}, "/bob": {"bob"}, "/bob-too": {"bob"}}
    assert doc(home, "outbox", now=DUE, env=env) == []


def test_a_candidates_unset_variable_fails_their_text_visibly_and_sends_it_nowhere_else(tmp_path, server):
    pytest.importorskip("apprise", reason="the sms extra is not installed")
    home = tmp_path / "home"
    home_with_candidates(home, f"sms:\n  urls:\n    - {json_url(server, 'me')}\n", **SMS)
    env = {"TACTFUL_SMS_BOB": json_url(server, "bob"), "TACTFUL_SMS_ALICE": "  "}  # set, but empty
    ticked = ok(home, "tick", now=DUE, env=env)
    assert texted(server) == {"/me": {""}, "/bob": {"bob"}}  # alice's went nowhere
    message = ("candidate 'alice' has their SMS URLs in TACTFUL_SMS_ALICE, which is not set (or empty) where "
               "tactful delivers; set it there, or clear their sms. Not sent to anyone else")  # fmt: skip
    assert f"delivery to sms failed (SmsError: {message})" in ticked.stderr
    pending = doc(home, "outbox", now=DUE, env=env)
    assert {(p["company"], p["status"], p["attempts"]) for p in pending} == {("Northwind", "pending", 1)}
    assert all(p["last_error"] == f"SmsError: {message}" for p in pending)

    env["TACTFUL_SMS_ALICE"] = json_url(server, "alice", auth=f"alice:{SECRET}@")
    outputs = [ok(home, "outbox", "retry", now=DUE, env=env), run(home, "outbox", "--all", now=DUE, env=env)]
    assert texted(server) == {"/me": {""}, "/bob": {"bob"}, "/alice": {"alice"}}
    assert doc(home, "outbox", now=DUE, env=env) == []
    for done in [ticked, *outputs]:
        assert SECRET not in done.stdout + done.stderr and "json://" not in done.stdout + done.stderr


def tick_and_text(engine: Engine, clock: FakeClock, server: RecordingServer) -> tuple[Report, list[dict]]:
    """Tick on the day the populated actions are due, then deliver to the sms adapter (its own
    URL: the server's /me): the report and what was logged meanwhile."""
    pm = get_plugin_manager({"sms": {"urls": [json_url(server, "me")]}}, entry_points=False)
    clock.set(at("2026-05-21 10:00"))
    engine.tick()
    with capture_logs() as logs:
        report = deliver(engine.store.outbox, pm, clock(), candidates=engine.store.get_candidate)
    return report, logs


def test_a_candidates_variable_holding_no_apprise_url_names_it_by_position_only(server, monkeypatch):
    pytest.importorskip("apprise", reason="the sms extra is not installed")
    store, clock = MemoryStore(), FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    populate(engine, **SMS)
    monkeypatch.setenv("TACTFUL_SMS_ALICE", f"{json_url(server, 'alice')} not-a-url-{SECRET}")
    monkeypatch.setenv("TACTFUL_SMS_BOB", json_url(server, "bob"))
    report, logs = tick_and_text(engine, clock, server)
    assert {error for _, error in report.failed} == {
        "SmsError: TACTFUL_SMS_ALICE: URL 2 of 2 (candidate 'alice') is not an Apprise URL, which reads service://... "
        "(e.g. twilio://SID:TOKEN@FROM/TO); see https://github.com/caronc/apprise/wiki"
    }
    assert texted(server) == {"/me": {""}, "/bob": {"bob"}}  # nothing of alice's, not even to her first URL
    assert SECRET not in repr(logs) and str(server.port) not in repr(logs)


@pytest.mark.parametrize("variable", ["HOOK_URL", "TACTFUL_SMTP_PASSWORD", "DATABASE_URL"])
def test_a_candidate_can_name_no_variable_outside_tactfuls_sms_ones(server, monkeypatch, variable):
    """Whatever another variable holds (here a URL Apprise would send to) is never read for a
    candidate: adding such a record is refused, and one stored past that check fails its text."""
    pytest.importorskip("apprise", reason="the sms extra is not installed")
    store, clock = MemoryStore(), FakeClock(at("2026-05-04 17:00"))
    engine = Engine(store, clock, notify=True)
    populate(engine)
    with pytest.raises(InputError, match=f"candidate sms '{variable}' must name an environment variable"):
        engine.edit_candidate("alice", sms=variable)
    assert store.get_candidate("alice").sms is None
    store.put_candidate(store.get_candidate("alice")._replace(sms=variable))  # an app writing the store itself
    monkeypatch.setenv(variable, json_url(server, "leak", auth=f"u:{SECRET}@"))
    report, logs = tick_and_text(engine, clock, server)
    assert {error for _, error in report.failed} == {
        f"SmsError: candidate 'alice' has sms '{variable}', which is not a variable tactful reads SMS URLs from "
        "(TACTFUL_SMS_...); correct it with edit_candidate. Not sent"
    }
    assert texted(server) == {"/me": {"", "bob"}}  # nothing of alice's, and nothing to the variable's URL
    assert SECRET not in repr(logs) + repr(report.failed)
