"""`tactful sync` and `tactful inbox`: proposals from the mailbox, and a person's say-so on each.
Loaded when one of them runs (see ``LAZY_COMMANDS`` in main)."""

from __future__ import annotations

import os
from typing import Any

import click

from ..errors import InputError
from .context import Context, common, json_flag, warn
from .types import DATE, ID


def sources(ctx: Context) -> tuple[Any, Any, str | None]:
    """The checked ``mailbox:`` (None without one) and ``news:`` sections of the home's
    config.yaml, and the CalDAV URL of its ``calendar:`` section (None without one)."""
    from ..capture.caldav import caldav_url
    from ..capture.config import NEWS_SECTION, SECTION, News, parse_mailbox, parse_news
    from ..errors import RuleErrors
    from ..hooks.config import read_config
    from ..language.yamltree import YMap

    config, errors = read_config(ctx.home)
    if errors:
        raise RuleErrors(errors)

    def section(name: str) -> Any:
        return YMap(config.key_locs[name]) if config[name] is None else config[name]

    box = parse_mailbox(section(SECTION)) if SECTION in config else None
    news = parse_news(section(NEWS_SECTION)) if NEWS_SECTION in config else News()
    return box, news, caldav_url(config)


class WorkerSync:
    """`tactful worker`'s syncs, for the candidate it was started with: each source whose
    section says ``every:`` (mailbox, news) when it is due by the worker's clock.

    Raises:
        InputError: (made) for a broken section, or a mailbox to sync without a password.
    """

    def __init__(self, ctx: Context) -> None:
        from ..capture.schedule import Schedule
        from ..capture.sync import PASSWORD, TOKEN

        self.ctx = ctx
        self.box, self.news, self.caldav = sources(ctx)
        every = {"mailbox": self.box.every} if self.box is not None and self.box.every else {}
        if self.news.every:
            every["news"] = self.news.every
        if "mailbox" in every and not (os.environ.get(PASSWORD) or os.environ.get(TOKEN)):
            raise InputError(f"the mailbox section says 'every: …', so the worker syncs it, and needs a password: "
                             f"set {PASSWORD} (or {TOKEN}) for the worker too")  # fmt: skip
        self.schedule = Schedule(every)

    def __call__(self) -> None:
        """Sync what is due now; a refusal (a login refused) or a warning is logged, and the
        worker goes on."""
        from ..vocabulary.log import logger

        now = self.ctx.now()
        due = self.schedule.due(now)
        if not due:
            return
        box = self.box if "mailbox" in due else None
        try:
            report = run_sync(self.ctx, box, self.news if "news" in due else None,
                              self.caldav if "mailbox" in due else None)  # fmt: skip
        except InputError as err:
            logger().warning("sync refused", sources=due, error=str(err))
        else:
            for message in report.warnings:
                logger().warning("sync warning", warning=message)
            logger().info("worker synced", sources=due, read=report.read, feeds=report.feeds,
                          proposed=len(report.proposed), recorded=len(report.recorded))  # fmt: skip
        self.schedule.done(due, now)


def run_sync(ctx: Context, box: Any, news: Any, caldav: str | None = None) -> Any:
    """One sync of every source for the context's candidate (`sync`, and `worker` when due)."""
    from ..capture.inbox import accept
    from ..capture.sync import sync_all

    engine = ctx.engine()
    return sync_all(engine, box, news, os.environ, ctx.home / "cache" / "feeds.json", lambda p: accept(engine, p.id),
                    caldav)  # fmt: skip


@click.command(short_help="Read the mailbox and news feeds, and propose what happened.")
@json_flag
@common
def sync(ctx: Context) -> None:
    """Read the mailbox (config.yaml's mailbox: section), the applications' news feeds
    (--news-feed) and the calendar plugin's CalDAV calendar, and propose what they show.

    Nothing is recorded without your say-so ('tactful inbox'), unless the mailbox section says
    'auto: certain'. The password comes from TACTFUL_IMAP_PASSWORD (or an XOAUTH2 token from
    TACTFUL_IMAP_OAUTH_TOKEN). A second sync reads only what is new.

    \b
    tactful sync
    tactful inbox
    """
    from ..capture.feeds import feeds_of

    box, news, caldav = sources(ctx)
    engine = ctx.engine()
    if box is None and not caldav and not feeds_of(engine):
        raise InputError(f"nothing to sync: config.yaml in {ctx.home} has no 'mailbox:' section and no application "
                         "has a news feed; add a mailbox section with your IMAP server's host and username "
                         "(see docs/capture.md), or give a feed with 'tactful edit ID --news-feed URL'")  # fmt: skip
    report = run_sync(ctx, box, news, caldav)
    for message in report.warnings:
        warn(message)
    recorded = {p.id for p in report.recorded}
    waiting = [p for p in report.proposed if p.id not in recorded]
    document = {"read": report.read, "feeds": report.feeds, "proposed": _documents(engine, waiting),
                "recorded": _documents(engine, report.recorded), "warnings": report.warnings}  # fmt: skip

    def human() -> str:
        auto = f", {len(recorded)} recorded by themselves." if recorded else "."
        feeds = f" and {report.feeds} news feed{'s' * (report.feeds != 1)}" if report.feeds else ""
        lines = [f"Read {report.read} new message{'s' * (report.read != 1)}{feeds}; {len(waiting)} new proposal"
                 f"{'s' * (len(waiting) != 1)}{auto}"]  # fmt: skip
        if waiting:
            lines.append("See them with 'tactful inbox'.")
        return "\n".join(lines)

    ctx.emit(document, human)


def _documents(engine: Any, proposals: list[Any]) -> list[dict[str, Any]]:
    from ..capture.inbox import document

    companies: dict[int, str | None] = {}
    for p in proposals:
        if p.application is not None and p.application not in companies:
            app = engine.store.get(p.application)
            companies[p.application] = app.company if app is not None else None
    return [document(p, companies.get(p.application) if p.application else None) for p in proposals]


def _line(doc: dict[str, Any]) -> str:
    evidence = doc["evidence"]
    target = f"#{doc['application']} {doc['company']}" if doc["application"] else "new application"
    what = "answered" if doc["event"] == "answered" else doc["event"]
    head = f"[{doc['id']}] {target}: {what} ({doc['tier']}) — {evidence['date'][:16].replace('T', ' ')}, " \
           f"{evidence['domain']}, \"{evidence['subject']}\"; {evidence['why']}"  # fmt: skip
    hints = [f"      {_hint(o)}" for o in doc["outcomes"]]
    return "\n".join([head, *hints])


def _hint(outcome: dict[str, Any]) -> str:
    """An answer's likely outcome with its words, or an invitation's facts."""
    if "facts" in outcome:
        facts = outcome["facts"]
        who = " ".join(filter(None, (facts.get("interviewer"), f"<{facts['email']}>" if facts.get("email") else "")))
        company = f" {facts['company']}" if facts.get("company") else ""
        return f"{outcome['outcome']}{company}: interview {facts.get('interviewed')} {facts.get('time', '')} " \
               f"({facts.get('timezone')})" + (f", interviewer {who}" if who else "")  # fmt: skip
    said = ", ".join(f"'{w}'" for w in outcome.get("words", ()))
    return f"maybe {outcome['outcome']}: {said}" + (f" ({outcome['date']})" if outcome.get("date") else "")


@click.group(invoke_without_command=True, short_help="The proposals sync made: list, accept, reject.")
@json_flag
@common
@click.pass_context
def inbox(click_ctx: click.Context, ctx: Context) -> None:
    """The open proposals that 'tactful sync' made, each with its evidence.

    \b
    tactful inbox
    tactful inbox accept 3 4
    tactful inbox accept 5 --as offer --deadline 2026-06-01
    tactful inbox reject 6
    """
    if click_ctx.invoked_subcommand is not None:
        return
    from ..capture.sync import proposals_of

    engine = ctx.engine()
    docs = _documents(engine, proposals_of(engine).listed(engine.candidate_key))
    empty = "No open proposals; 'tactful sync' reads the mailbox."
    ctx.emit(docs, lambda: "\n".join(map(_line, docs)) if docs else empty)


@inbox.command(name="accept")
@click.argument("numbers", metavar="N…", nargs=-1, required=True, type=ID)
@click.option("--as", "outcome", metavar="OUTCOME", help="What an employer's answer was: offer, rejected, decision_by.")
@click.option("--deadline", type=DATE, help="An offer's deadline (YYYY-MM-DD), with --as offer.")
@click.option("--decision-by", type=DATE, help="The new decision date, with --as decision_by.")
@json_flag
@common
def accept_(ctx: Context, numbers: tuple[int, ...], outcome: str | None, **given: Any) -> None:
    """Record proposals, in order, each at its message's date; stops at the first refused.

    \b
    tactful inbox accept 3 4
    tactful inbox accept 5 --as offer --deadline 2026-06-01
    """
    from ..capture.inbox import accept, open_proposal

    engine = ctx.engine()
    for number in numbers:
        open_proposal(engine, number)  # every id checked before any is recorded
    done = [accept(engine, number, outcome, **given) for number in numbers]
    docs = _documents(engine, done)
    ctx.emit(docs, lambda: "\n".join(f"Accepted {d['id']}: #{d['application']} {d['company']}." for d in docs))


@inbox.command(name="reject")
@click.argument("numbers", metavar="N…", nargs=-1, required=True, type=ID)
@json_flag
@common
def reject_(ctx: Context, numbers: tuple[int, ...]) -> None:
    """Drop proposals: nothing is recorded, and they never come back.

    \b
    tactful inbox reject 6
    """
    from ..capture.inbox import open_proposal, reject

    engine = ctx.engine()
    for number in numbers:
        open_proposal(engine, number)
    docs = _documents(engine, [reject(engine, number) for number in numbers])
    ctx.emit(docs, lambda: "\n".join(f"Rejected {d['id']}." for d in docs))
