"""`tactful sync` and `tactful inbox` against a real Dovecot on 127.0.0.1 (tests/imapserver.py).

Messages are put in the mailbox with IMAP APPEND, made with the standard library's email
package; the CLI runs in a subprocess with a fixed clock.
"""

from __future__ import annotations

import contextlib
import json
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from tests import imapserver
from tests.clirun import doc, ok, run

pytestmark = [
    pytest.mark.skipif(imapserver.DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
    pytest.mark.xdist_group("dovecot"),
]
NOW = "2026-05-12T12:00:00+00:00"
ENV = {"TACTFUL_IMAP_PASSWORD": imapserver.PASSWORD}


@pytest.fixture(scope="module")
def server() -> Iterator[imapserver.Dovecot]:
    with imapserver.dovecot() as running:
        yield running


@pytest.fixture
def mailbox(server: imapserver.Dovecot) -> Iterator[IMAPClient]:
    """A client logged in to an emptied mailbox (every folder's messages deleted)."""
    client = IMAPClient("127.0.0.1", port=server.tls_port, ssl=True,
                        ssl_context=ssl.create_default_context(cafile=str(server.ca)), timeout=30)  # fmt: skip
    client.login(server.user, server.password)
    for _, _, name in client.list_folders():
        client.select_folder(name)
        client.delete_messages(client.search("ALL"))
        client.expunge()
    yield client
    client.logout()


def message(sender: str, to: str, subject: str, body: str, when: str, msgid: str, reply_to: str | None = None,
            html: bool = False) -> bytes:  # fmt: skip
    """One message as a mail program would write it."""
    made = EmailMessage()
    made["From"], made["To"], made["Subject"] = sender, to, subject
    made["Date"] = format_datetime(datetime.fromisoformat(when).astimezone(UTC))
    made["Message-ID"] = msgid
    if reply_to:
        made["In-Reply-To"], made["References"] = reply_to, reply_to
    made.set_content(body, subtype="html" if html else "plain")
    return bytes(made)


def configure(home: Path, server: imapserver.Dovecot, **extra: object) -> None:
    settings = {"host": "127.0.0.1", "port": server.tls_port, "security": "tls", "username": server.user,
                "ca_file": server.ca, **extra}  # fmt: skip
    lines = ["mailbox:"] + [f"  {k}: {v}" for k, v in settings.items()]
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.yaml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def home(tmp_path: Path, server: imapserver.Dovecot) -> Path:
    """A home with one application (Northwind, interviewer jane@northwind.example) and the mailbox configured."""
    configure(tmp_path, server)
    ok(tmp_path, "add", "Northwind", "--interviewed", "2026-05-04", "--email", "jane@northwind.example",
       now="2026-05-04T17:00:00+00:00")  # fmt: skip
    return tmp_path


THANKS = "<thanks-1@home.example>"


def fill(mailbox: IMAPClient) -> None:
    """Our thank-you, the interviewer's threaded answer with an offer, a note from the company's
    HR, a stranger at gmail.com, and mail from before the interview."""
    me, jane = imapserver.USER, "Jane Roe <jane@northwind.example>"
    mailbox.append("Sent", message(me, jane, "Thank you for today", "Thank you for the interview.",
                                   "2026-05-04T18:00:00+00:00", THANKS))  # fmt: skip
    mailbox.append("INBOX", message(jane, me, "Re: Thank you for today", "We are pleased to offer you the position.",
                                    "2026-05-11T09:30:00+00:00", "<answer-1@northwind.example>", THANKS))  # fmt: skip
    mailbox.append("INBOX", message("hr@northwind.example", me, "Paperwork", "Unfortunately, the form was lost.",
                                    "2026-05-11T10:00:00+00:00", "<hr-1@northwind.example>"))  # fmt: skip
    mailbox.append("INBOX", message("friend@gmail.com", me, "Northwind?", "How did it go?",
                                    "2026-05-11T11:00:00+00:00", "<friend-1@gmail.com>"))  # fmt: skip
    mailbox.append("INBOX", message(jane, me, "Your interview on Monday", "See you then.",
                                    "2026-04-30T11:00:00+00:00", "<before-1@northwind.example>"))  # fmt: skip


def by_event(proposals: list[dict[str, object]]) -> dict[object, dict[str, object]]:
    return {(p["event"], p["tier"]): p for p in proposals}


def test_sync_proposes_the_thank_you_and_the_answers_with_their_tiers(home: Path, mailbox: IMAPClient) -> None:
    fill(mailbox)
    report = doc(home, "sync", now=NOW, env=ENV)
    assert report["read"] == 5 and report["warnings"] == []
    found = by_event(report["proposed"])
    assert set(found) == {("thank_you_sent", "likely"), ("answered", "certain"), ("answered", "possible")}
    thanks = found[("thank_you_sent", "likely")]
    assert thanks["application"] == 1 and thanks["at"] == "2026-05-04T18:00:00+00:00"
    assert thanks["evidence"] == {"date": "2026-05-04T18:00:00+00:00", "domain": "northwind.example",
                                  "subject": "Thank you for today",
                                  "why": "sent to the interviewer's address"}  # fmt: skip
    offer = found[("answered", "certain")]
    assert offer["outcomes"] == [{"outcome": "offer", "words": ["pleased to offer", "offer you"]}]
    assert [o["outcome"] for o in found[("answered", "possible")]["outcomes"]] == ["rejected"]


def test_a_second_sync_proposes_nothing_new(home: Path, mailbox: IMAPClient) -> None:
    fill(mailbox)
    doc(home, "sync", now=NOW, env=ENV)
    again = doc(home, "sync", now=NOW, env=ENV)
    assert again == {"read": 0, "feeds": 0, "proposed": [], "recorded": [], "warnings": []}
    assert len(doc(home, "inbox", now=NOW)) == 3


def test_accepting_records_through_the_engine_at_the_message_date(home: Path, mailbox: IMAPClient) -> None:
    fill(mailbox)
    found = by_event(doc(home, "sync", now=NOW, env=ENV)["proposed"])
    thanks, offer = found[("thank_you_sent", "likely")]["id"], found[("answered", "certain")]["id"]
    doc(home, "inbox", "accept", str(thanks), now=NOW)
    history = doc(home, "show", "1", now=NOW)
    assert history["state"] == "awaiting_decision"
    refused = run(home, "inbox", "accept", str(offer), now=NOW)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().endswith("say what it was with --as offer (or reject it)"), refused.stderr
    doc(home, "inbox", "accept", str(offer), "--as", "offer", "--deadline", "2026-05-20", now=NOW)
    assert doc(home, "show", "1", now=NOW)["state"] == "offer_received"
    assert [p["event"] for p in doc(home, "inbox", now=NOW)] == ["answered"]


def test_a_rejected_proposal_never_comes_back(home: Path, mailbox: IMAPClient) -> None:
    fill(mailbox)
    proposals = doc(home, "sync", now=NOW, env=ENV)["proposed"]
    doc(home, "inbox", "reject", *(str(p["id"]) for p in proposals), now=NOW)
    assert doc(home, "inbox", now=NOW) == []
    import sqlite3

    with sqlite3.connect(home / "tactful.sqlite3") as db:
        db.execute("UPDATE seen_messages SET uidvalidity = 1")
    again = doc(home, "sync", now=NOW, env=ENV)
    assert again["read"] == 5 and again["proposed"] == []
    accepting = run(home, "inbox", "accept", str(proposals[0]["id"]), now=NOW)
    assert accepting.returncode == 2 and "was rejected already" in accepting.stderr


def test_auto_certain_records_a_threaded_follow_up_by_itself(home: Path, mailbox: IMAPClient,
                                                              server: imapserver.Dovecot) -> None:  # fmt: skip
    configure(home, server, auto="certain")
    me, jane = imapserver.USER, "jane@northwind.example"
    mailbox.append("Sent", message(me, jane, "Thank you", "Thanks!", "2026-05-04T18:00:00+00:00", THANKS))
    mailbox.append("Sent", message(me, jane, "Re: Thank you", "Any news?", "2026-05-11T18:00:00+00:00",
                                   "<follow-1@home.example>", THANKS))  # fmt: skip
    report = doc(home, "sync", now=NOW, env=ENV)
    assert [(p["event"], p["tier"]) for p in report["recorded"]] == [("emailed", "certain")]
    assert [(p["event"], p["tier"]) for p in report["proposed"]] == [("thank_you_sent", "likely")]


def test_free_mail_never_matches_by_domain(home: Path, mailbox: IMAPClient) -> None:
    ok(home, "add", "Contoso", "--interviewed", "2026-05-04", "--email", "boss@gmail.com", now=NOW)
    mailbox.append("INBOX", message("someone@gmail.com", imapserver.USER, "Hello", "An offer you cannot refuse",
                                    "2026-05-11T11:00:00+00:00", "<x-1@gmail.com>"))  # fmt: skip
    mailbox.append("INBOX", message("boss@gmail.com", imapserver.USER, "Next steps", "Let us talk.",
                                    "2026-05-11T12:00:00+00:00", "<x-2@gmail.com>"))  # fmt: skip
    proposed = doc(home, "sync", now=NOW, env=ENV)["proposed"]
    assert [(p["application"], p["tier"], p["evidence"]["subject"]) for p in proposed] == [(2, "likely", "Next steps")]


def test_starttls_and_the_sent_folder_found_by_its_flag(home: Path, mailbox: IMAPClient,
                                                         server: imapserver.Dovecot) -> None:  # fmt: skip
    (home / "config.yaml").write_text(f"mailbox:\n  host: 127.0.0.1\n  port: {server.port}\n  security: starttls\n"
                                      f"  username: {server.user}\n  ca_file: {server.ca}\n")  # fmt: skip
    fill(mailbox)
    assert len(doc(home, "sync", now=NOW, env=ENV)["proposed"]) == 3


def test_a_wrong_password_is_one_line_and_exit_2(home: Path, mailbox: IMAPClient) -> None:
    done = run(home, "sync", now=NOW, env={"TACTFUL_IMAP_PASSWORD": "wrong"})
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "refused the login of me@home.example" in done.stderr and "TACTFUL_IMAP_PASSWORD" in done.stderr
    assert "wrong" not in done.stderr.replace("the login", "")


def test_no_password_says_where_it_comes_from(home: Path) -> None:
    done = run(home, "sync", now=NOW)
    assert done.returncode == 2 and "set TACTFUL_IMAP_PASSWORD" in done.stderr


def test_inbox_json_on_an_empty_inbox(home: Path) -> None:
    assert json.loads(ok(home, "inbox", "--json", now=NOW).stdout) == []
    assert "No open proposals" in ok(home, "inbox", now=NOW).stdout


def test_a_new_message_without_an_id_in_a_renumbered_folder_is_proposed(
    home: Path, mailbox: IMAPClient, server: imapserver.Dovecot
) -> None:
    """Known by its folder, UIDVALIDITY and UID: the new message at the old UID is a new one."""
    configure(home, server, folders="[Jobs]")
    with contextlib.suppress(IMAPClientError):  # left by an earlier run
        mailbox.delete_folder("Jobs")
    mailbox.create_folder("Jobs")

    def without_id(subject: str, when: str) -> bytes:
        return (f"From: jane@northwind.example\r\nTo: {imapserver.USER}\r\nSubject: {subject}\r\n"
                f"Date: {when}\r\n\r\nHello\r\n").encode()  # fmt: skip

    mailbox.append("Jobs", without_id("First", "Mon, 11 May 2026 09:00:00 +0000"))
    first = doc(home, "sync", now=NOW, env=ENV)["proposed"]
    assert [p["evidence"]["subject"] for p in first] == ["First"]
    validity = mailbox.select_folder("Jobs")[b"UIDVALIDITY"]
    mailbox.close_folder()
    mailbox.delete_folder("Jobs")  # the server renumbers: the next message gets UID 1 again
    mailbox.create_folder("Jobs")
    mailbox.append("Jobs", without_id("Second", "Mon, 11 May 2026 10:00:00 +0000"))
    assert mailbox.select_folder("Jobs")[b"UIDVALIDITY"] != validity
    assert mailbox.search("ALL") == [1]
    mailbox.close_folder()
    again = doc(home, "sync", now=NOW, env=ENV)
    assert [p["evidence"]["subject"] for p in again["proposed"]] == ["Second"]
    mailbox.delete_folder("Jobs")
