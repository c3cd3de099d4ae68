"""Interview invitations: an .ics part of a mail in a real Dovecot (tests/imapserver.py) proposes
`edit` for a tracked application its organiser or title names, `add` for a new company, with
the interview's date, time and zone and the organiser as interviewer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests import imapserver
from tests.clirun import doc, ok, run
from tests.test_capture import ENV, NOW
from tests.test_capture import home as home  # noqa: F401  # the fixtures, shared
from tests.test_capture import mailbox as mailbox  # noqa: F401
from tests.test_capture import server as server  # noqa: F401

pytestmark = [
    pytest.mark.skipif(imapserver.DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"),
    pytest.mark.xdist_group("dovecot"),
]


def ics(summary: str, start: str, zone: str, organiser: str, name: str) -> str:
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
            f"UID:{summary.replace(' ', '-')}@test\r\nDTSTAMP:20260510T090000Z\r\nDTSTART;TZID={zone}:{start}\r\n"
            f"DURATION:PT1H\r\nSUMMARY:{summary}\r\nORGANIZER;CN={name}:mailto:{organiser}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")  # fmt: skip


def invitation(sender: str, subject: str, calendar: str, msgid: str, attached: bool = True) -> bytes:
    """A mail with the invitation attached as invite.ics (base64), or as Outlook sends it: a
    text/calendar alternative to the text."""
    made = EmailMessage()
    made["From"], made["To"], made["Subject"] = sender, imapserver.USER, subject
    made["Date"] = format_datetime(datetime(2026, 5, 10, 9, 0, tzinfo=UTC))
    made["Message-ID"] = msgid
    made.set_content("You have been invited.")
    if attached:
        made.add_attachment(calendar.encode(), maintype="text", subtype="calendar", filename="invite.ics")
    else:
        made.add_alternative(calendar, subtype="calendar", params={"method": "REQUEST"})
    return bytes(made)


def test_an_invitation_for_a_tracked_company_proposes_edit_and_a_new_one_add(
    home: Path,  # noqa: F811
    mailbox: IMAPClient,  # noqa: F811
) -> None:
    second = ics("Second interview", "20260520T140000", "Europe/Paris", "jane@northwind.example", "Jane Roe")
    mailbox.append("INBOX", invitation("Jane Roe <jane@northwind.example>", "Invitation: second interview", second,
                                       "<inv-1@northwind.example>"))  # fmt: skip
    mailbox.append("INBOX", invitation("Calendar <calendar@gmail.com>", "Invitation",
                                       ics("Interview with Contoso - Data analyst", "20260521T100000",
                                           "America/New_York", "sam@gmail.com", "Sam Lee"),
                                       "<inv-2@gmail.com>", attached=False))  # fmt: skip
    synced = doc(home, "sync", now=NOW, env=ENV)
    found = {p["event"]: p for p in synced["proposed"]}
    assert set(found) == {"edit", "add", "answered"}, synced  # Jane's mail is an answer from Northwind too
    edit, add = found["edit"], found["add"]
    assert edit["application"] == 1 and edit["tier"] == "likely" and edit["at"] == "2026-05-20T14:00:00+02:00"
    assert edit["outcomes"] == [{"outcome": "edit", "facts": {"interviewed": "2026-05-20", "time": "14:00",
                                 "timezone": "Europe/Paris", "interviewer": "Jane Roe",
                                 "email": "jane@northwind.example"}}]  # fmt: skip
    assert add["application"] is None and add["outcomes"][0]["facts"]["company"] == "Contoso"
    listed = ok(home, "inbox", now=NOW).stdout
    assert "add Contoso: interview 2026-05-21 10:00 (America/New_York), interviewer Sam Lee <sam@gmail.com>" in listed

    accepted = doc(home, "inbox", "accept", str(add["id"]), str(edit["id"]), now=NOW)
    assert [d["application"] for d in accepted] == [2, 1]
    contoso, northwind = doc(home, "show", "2", now=NOW), doc(home, "show", "1", now=NOW)
    assert contoso["company"] == "Contoso" and contoso["facts"]["interviewed"] == "2026-05-21"
    assert contoso["facts"]["timezone"] == "America/New_York" and contoso["facts"]["interviewer"] == "Sam Lee"
    assert northwind["facts"]["interviewed"] == "2026-05-20" and northwind["facts"]["timezone"] == "Europe/Paris"
    mailbox.append("INBOX", invitation("Jane Roe <jane@northwind.example>", "Invitation: second interview", ics(
        "Second interview", "20260520T140000", "Europe/Paris", "jane@northwind.example", "Jane Roe"),
        "<inv-1@northwind.example>"))  # the same invitation again (a second copy): not proposed again  # fmt: skip
    assert doc(home, "sync", now=NOW, env=ENV)["proposed"] == []


def test_a_broken_or_nameless_invitation_proposes_nothing_and_sync_goes_on(
    home: Path,  # noqa: F811
    mailbox: IMAPClient,  # noqa: F811
) -> None:
    mailbox.append("INBOX", invitation("x@gmail.com", "Invitation", "BEGIN:VCALENDAR\r\n\x00garbage" + "=" * 5000,
                                       "<bad-1@gmail.com>"))  # fmt: skip
    mailbox.append("INBOX", invitation("x@gmail.com", "Invitation", ics("Coffee", "20260520T140000", "Europe/Paris",
                                       "x@gmail.com", "X"), "<coffee-1@gmail.com>"))  # fmt: skip
    done = run(home, "sync", "--json", now=NOW, env=ENV)
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert [p["event"] for p in json.loads(done.stdout)["proposed"]] == []
