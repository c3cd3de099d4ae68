"""`tactful sync`: read the mailbox, propose what it shows, keep how far each folder was read.

Each folder is read from the UID after the last one read (UIDVALIDITY kept with it: a folder
renumbered by its server is read again, and messages already proposed are not proposed twice), a
batch at a time, each batch's proposals and reading mark kept together. A server that hangs,
drops the connection or answers nonsense stops the reading with a warning; what was read stays
read, and the next sync goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..errors import InputError, Refused
from ..vocabulary.log import logger
from ..vocabulary.proposals import ANSWERED, Proposal, Seen
from .config import Mailbox, News
from .feeds import read_feeds
from .imap import BATCH, SERVER_ERRORS, Folder, Reader, SourceFailed, describe, lost
from .invites import decode_part, invite_proposals, read_invite
from .matching import Index, Match, outcomes
from .messages import Mail, body_text, domain_of

PASSWORD, TOKEN = "TACTFUL_IMAP_PASSWORD", "TACTFUL_IMAP_OAUTH_TOKEN"
#: The events a message we sent may record, in the order they are preferred when advised.
SENT_EVENTS = ("thank_you_sent", "emailed", "note_sent")


@dataclass
class Report:
    """What a sync did: messages looked at, proposals made, proposals recorded by themselves
    (``auto: certain``), and warnings."""

    read: int = 0
    feeds: int = 0
    proposed: list[Proposal] = field(default_factory=list)
    recorded: list[Proposal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def proposals_of(engine: Engine) -> Any:
    """The store's proposals (see :mod:`tactful.stores.proposals`).

    Raises:
        InputError: for a store that cannot keep them.
    """
    kept = getattr(engine.store, "proposals", None)
    if kept is None:
        raise InputError("this store keeps no proposals, so it cannot sync; use tactful's SQLite or PostgreSQL store")
    return kept


def sync_all(engine: Engine, box: Mailbox | None, news: News | None, env: Mapping[str, str], cache: Path | None,
             accept: Callable[[Proposal], Any] | None = None, caldav: str | None = None) -> Report:  # fmt: skip
    """Read the sources of ``engine``'s candidate: the mailbox (when ``box`` is given), then
    the news feeds of their applications (when ``news`` is), and the invitations on the
    ``caldav`` calendar (the implicit candidate's alone, as the calendar plugin's).

    Raises:
        InputError: a missing password, or a login the server refused (nothing is read).
    """
    report = sync(engine, box, env, accept) if box is not None else Report()
    if caldav and not engine.candidate_key:
        _read_calendar(engine, caldav, report, news.timeout if news is not None else 30.0)
    if news is not None:
        found = read_feeds(engine, proposals_of(engine), cache, news.timeout)
        report.feeds, report.proposed = found.read, report.proposed + found.proposed
        report.warnings += found.warnings
    return report


def _read_calendar(engine: Engine, url: str, report: Report, timeout: float) -> None:
    """Propose the invitations on the CalDAV calendar; a server that fails is a warning."""
    from .caldav import CalendarFailed, invitations

    try:
        found = invitations(url, engine.now(), timeout)
    except CalendarFailed as err:
        report.warnings.append(f"the CalDAV calendar {url}: {err}; the rest of the sync goes on")
        return
    index = live_index(engine, "")
    proposals = [p for uid, invite in found for p in invite_proposals("", "", invite, index, f"caldav:{uid}")]
    report.proposed += proposals_of(engine).add(proposals)


def live_index(engine: Engine, own: str) -> Index:
    """The candidate's applications that are not over, to match against."""
    live = [a for a in engine.stored() if not engine.rules_for(a).states[a.state].final]
    return Index.of(live, [domain_of(own)])


def sync(
    engine: Engine, box: Mailbox, env: Mapping[str, str], accept: Callable[[Proposal], Any] | None = None
) -> Report:
    """Read ``box`` for ``engine``'s candidate and keep the proposals; with ``box.auto``, record
    the certain ones through ``accept``.

    Raises:
        InputError: a missing password, or a login the server refused (nothing is read).
    """
    report = Report()
    try:
        with Reader(box, env.get(PASSWORD), env.get(TOKEN)) as reader:
            _read(engine, box, reader, report)
    except SourceFailed as err:
        report.warnings.append(f"{err}; what was read so far is kept, the next sync goes on from there")
    if box.auto and accept is not None:
        _auto(report, accept)
    logger().info("mailbox synced", read=report.read, proposed=len(report.proposed), warnings=len(report.warnings))
    return report


def _read(engine: Engine, box: Mailbox, reader: Reader, report: Report) -> None:
    try:
        folders = reader.folders()
    except SERVER_ERRORS as err:
        raise SourceFailed(describe(err, box)) from None
    proposer = Proposer(engine, box)
    for folder in folders:
        try:
            _read_folder(proposer, reader, folder, report)
        except SERVER_ERRORS as err:
            if lost(err):
                raise SourceFailed(f"{describe(err, box)} while reading {folder.name}") from None
            report.warnings.append(f"folder {folder.name}: {describe(err, box)}; the other folders are read")


def _read_folder(proposer: Proposer, reader: Reader, folder: Folder, report: Report) -> None:
    kept, box = proposer.kept, proposer.box
    validity = reader.open(folder.name)
    seen = kept.seen(proposer.candidate, box.account, folder.name)
    uids = reader.uids(seen.last_uid if seen is not None and seen.uidvalidity == validity else 0)
    for start in range(0, len(uids), BATCH):
        part = uids[start : start + BATCH]
        mails = list(reader.headers(part))
        report.proposed += kept.add(proposer.propose(mails, folder, validity, reader))
        kept.mark_seen(proposer.candidate, box.account, folder.name, Seen(validity, part[-1]))
        report.read += len(mails)


class Proposer:
    """Turns a batch of messages into proposals for one candidate's applications."""

    def __init__(self, engine: Engine, box: Mailbox) -> None:
        self.engine, self.box = engine, box
        self.kept = proposals_of(engine)
        self.candidate = engine.candidate_key
        self.own = box.username.lower() if "@" in box.username else ""
        self.index = live_index(engine, self.own)
        self._events: dict[int, str] = {}
        self._sent: dict[str, int] = {}  # the messages of ours this sync matched: id -> application

    def propose(self, mails: list[Mail], folder: Folder, validity: int, reader: Reader) -> list[Proposal]:
        threads = self.kept.threads(self.candidate, {m for mail in mails for m in mail.threads})
        found: list[tuple[Mail, bool, Match]] = []
        for mail in mails:
            sent = folder.sent or (bool(self.own) and mail.sender == self.own)
            threads.update((m, self._sent[m]) for m in mail.threads if m in self._sent)
            threaded = {threads[m]: m for m in reversed(mail.threads) if m in threads}
            addresses = mail.recipients if sent else (mail.sender,)
            matches = [m for m in self.index.match(addresses, threaded, sent) if _after_interview(mail, m)]
            if sent and mail.message_id:  # a later message of this batch may answer it
                self._sent.update((mail.message_id, m.app.id) for m in matches)
            found += [(mail, sent, match) for match in matches]
        texts = self._texts([mail for mail, sent, _ in found if not sent], reader)
        place = f"{folder.name}/{validity}"  # a renumbered folder (a new UIDVALIDITY) is a new place
        invited = [m for m in mails if m.calendar and not (folder.sent or (self.own and m.sender == self.own))]
        return [self._proposal(mail, sent, match, place, texts.get(mail.uid, "")) for mail, sent, match in found] + \
            self._invites(invited, reader, place)  # fmt: skip

    def _invites(self, mails: list[Mail], reader: Reader, place: str) -> list[Proposal]:
        """``add`` or ``edit`` for each invitation (an .ics part) among ``mails``."""
        by_part: dict[str, list[Mail]] = {}
        for mail in mails:
            for number, _ in mail.calendar:
                by_part.setdefault(number, []).append(mail)
        found: list[Proposal] = []
        for number, group in by_part.items():
            data = reader.part([m.uid for m in group], number)
            for mail in group:
                invite = read_invite(decode_part(data.get(mail.uid, b""), dict(mail.calendar)[number]))
                key = f"invite:{mail.message_id or f'{place}/{mail.uid}'}"  # apart from the mail's own proposals
                if invite is not None:
                    found += invite_proposals(self.candidate, mail.subject, invite, self.index, key)
        return found

    def _texts(self, answers: Iterable[Mail], reader: Reader) -> dict[int, str]:
        """The bounded body text of each answer (only answers: their words suggest outcomes)."""
        wanted = {mail.uid: mail for mail in answers}
        bodies = reader.bodies(sorted(wanted))
        return {uid: body_text(wanted[uid], prefix) for uid, prefix in bodies.items() if uid in wanted}

    def _proposal(self, mail: Mail, sent: bool, match: Match, place: str, text: str) -> Proposal:
        event = self._sent_event(match.app.id) if sent else ANSWERED
        found = () if sent else tuple(outcomes(f"{mail.subject} {text}"))
        key = mail.message_id or f"{place}/{mail.uid}"  # a message without an id is known by its place
        return Proposal(0, self.candidate, key, match.app.id, event, mail.date, match.tier, match.domain, mail.subject,
                        match.why, found, sent)  # fmt: skip

    def _sent_event(self, number: int) -> str:
        """``thank_you_sent`` while the application waits for one, else the written follow-up the
        rule set advises (``emailed`` or ``note_sent``), else ``emailed``."""
        if number not in self._events:
            advised = {item.record for item in self.engine.advise(number)}
            self._events[number] = next((e for e in SENT_EVENTS if e in advised), "emailed")
        event = self._events[number]
        if event == "thank_you_sent":  # one thank-you: the next message is a follow-up
            advised = {item.record for item in self.engine.advise(number)} - {"thank_you_sent"}
            self._events[number] = next((e for e in SENT_EVENTS if e in advised), "emailed")
        return event


def _after_interview(mail: Mail, match: Match) -> bool:
    """Whether ``mail`` is dated on or after the interview (mail before it arranges it)."""
    try:
        interviewed = date.fromisoformat(str(match.app.facts.get("interviewed", ""))[:10])
    except ValueError:
        return True
    return mail.date.date() >= interviewed


def _auto(report: Report, accept: Callable[[Proposal], Any]) -> None:
    """Record the certain proposals that name an event (an answer's outcome is always the person's pick)."""
    for proposal in report.proposed:
        if proposal.tier != "certain" or proposal.event == ANSWERED:
            continue
        try:
            accept(proposal)
        except (Refused, InputError) as err:
            report.warnings.append(f"proposal {proposal.id} was not recorded by itself ({err}); it waits in the inbox")
        else:
            report.recorded.append(proposal)
