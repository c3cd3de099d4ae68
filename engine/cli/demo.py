"""`tactful demo`: a guided run of a sample job search with a moving clock.

It works in a throwaway folder and never touches the user's data.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

if TYPE_CHECKING:
    from ..engine import Engine

from ..errors import Refused
from .context import DB_NAME, Context, common

UTC = ZoneInfo("UTC")
#: How the demo asks about each channel, of a company.
QUESTIONS = {
    "call": "call {company}",
    "linkedin_invite": "send {company} a LinkedIn invitation",
    "facebook_request": "send {company} a Facebook friend request",
    "twitter_follow": "follow {company} on Twitter",
}
#: The moment the story ends; a kept demo home is best explored as of then.
END = datetime(2026, 5, 15, 11, tzinfo=UTC)


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _say(text: str) -> None:
    click.echo(text)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the folder, a tactful home, and print where it is.")
@click.option(
    "--serve",
    "serve_it",
    is_flag=True,
    help="Then open the demo's search in your browser (the board; needs the web extra) until Ctrl-C.",
)
@common
def demo(ctx: Context, keep: bool, serve_it: bool) -> None:
    """A guided run of a sample job search, in a throwaway folder.

    With --keep, the folder stays: a tactful home that every command opens, holding a search
    in flight as of the story's end (due now, waiting, awaiting a reply, an offer). With
    --serve, the board shows that search in your browser.

    \b
    tactful demo
    tactful demo --keep
    tactful demo --serve
    """
    import shutil
    import tempfile

    from ..engine import Engine
    from ..stores.sqlite_store import SQLiteStore
    from ..stores.store import MemoryStore
    from .servecmd import check_extra, start

    if serve_it:
        check_extra()  # before the story: nothing runs without what it ends with
    clock = _Clock(datetime(2026, 5, 4, 17, 0, tzinfo=UTC))
    _story(Engine(MemoryStore(), clock), clock)  # a finished search: nothing left to explore
    if not (keep or serve_it):
        return
    folder = Path(tempfile.mkdtemp(prefix="tactful-demo-"))
    store = SQLiteStore(folder / DB_NAME)
    try:
        live_search(Engine(store, clock), clock)
        store.close()
        if keep:
            _say(f"\nA search in flight is in {folder}, a tactful home: things due now, a decision and a "
                 f"reply awaited, an offer to decide. Explore it as of the story's end:\n"
                 f"   tactful --home {folder} --now {END.isoformat()} agenda")  # fmt: skip
        if serve_it:
            _say("\nThat search, on the board as of the story's end:")
            start(Context(END.isoformat(), str(folder)), "127.0.0.1", 0, open_browser=True)
    finally:
        store.close()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def _when(clock: _Clock, moment: datetime) -> None:
    clock.now = moment
    _say(f"\n== {moment:%A %d %B %Y, %H:%M} UTC ==")


def _next(engine: Engine, app_id: int) -> None:
    company = engine.get(app_id).company
    for item in engine.advise(app_id):
        _say(f"   next for #{app_id} {company}: {item.action} on {item.due:%a %d %b}: {item.reason}")


def _story(engine: Engine, clock: _Clock) -> None:
    e = engine
    _when(clock, clock.now)
    dream = e.add("Northwind Traders", interviewed="2026-05-04", role="Data analyst", interviewer="Ms. Rivera", rank=1)
    other = e.add("Tiny Bakery", interviewed="2026-05-04", role="Bookkeeper", rank=2, rules="small-company")
    dream_id, other_id = dream.id or 0, other.id or 0
    _say(f"Two interviews today: #{dream_id} Northwind Traders (first choice) and #{other_id} Tiny Bakery.")
    for app_id in (dream_id, other_id):
        e.record(app_id, "thank_you_sent")
    _say("Thank-you notes sent the same evening.")
    _next(e, dream_id)
    _when(clock, datetime(2026, 5, 6, 10, tzinfo=UTC))
    for channel in ("call", "linkedin_invite", "facebook_request", "twitter_follow"):
        verdict = e.check(dream_id, channel)
        said = verdict.allowed_from is not None and verdict.allowed_from.date().isoformat() in verdict.reason
        since = f" (from {verdict.allowed_from:%a %d %b})" if verdict.allowed_from and not said else ""
        _say(
            f"May I {QUESTIONS[channel].format(company='Northwind')}? "
            f"{'yes' if verdict.allowed else 'no'}: {verdict.reason}{since}"
        )
    _when(clock, datetime(2026, 5, 13, 10, tzinfo=UTC))
    for fired in e.tick():
        _say(f"tick: #{fired.id} {fired.company} {fired.source} -> {fired.target}")
    _say("The small company's shorter timeline is up first.")
    _next(e, other_id)
    [script] = e.drafts(other_id, "call")
    _say("What to say on the phone ('tactful draft ID'):")
    _say("\n".join(f"   | {line}" for line in script.body.strip().splitlines()))
    e.record(other_id, "offer", deadline="2026-05-20")
    _say("Tiny Bakery makes an offer, to answer by 20 May. Northwind is still your first choice:")
    _next(e, dream_id)
    e.record(dream_id, "called", outcome="noncommittal")
    _say("You call Northwind: a polite but noncommittal answer.")
    _next(e, dream_id)
    _when(clock, END)
    e.record(dream_id, "offer", deadline="2026-05-22")
    e.record(dream_id, "accepted")
    _say("Northwind makes an offer and you accept it.")
    try:
        e.record(other_id, "accepted")
    except Refused as refusal:
        _say(f"Accepting Tiny Bakery too is refused: {refusal.reason}")
    _next(e, other_id)
    e.record(other_id, "declined")
    _say("You decline Tiny Bakery's offer, with thanks. The demo ends here.")


def live_search(engine: Engine, clock: _Clock) -> None:
    """A search in flight as of :data:`END`, for a kept demo home and the board: a thank-you
    and an inquiry call due now, a thank-you letter after a rejection, a decision awaited, a
    reply awaited after a first call, and an offer to decide."""
    e = engine

    def at(day: str, hour: int = 17) -> None:
        clock.now = datetime.fromisoformat(f"{day}T{hour:02}:00").replace(tzinfo=UTC)

    at("2026-04-10")
    fabrikam = e.add("Fabrikam", interviewed="2026-04-10", role="Accountant").id or 0
    e.record(fabrikam, "thank_you_sent")
    at("2026-04-13")
    litware = e.add("Litware", interviewed="2026-04-13", decision_by="2026-04-24", interviewer="Mr. Okafor").id or 0
    e.record(litware, "thank_you_sent")
    at("2026-04-27")
    bakery = e.add("Tiny Bakery", interviewed="2026-04-27", role="Bookkeeper", rules="small-company").id or 0
    e.record(bakery, "thank_you_sent")
    at("2026-05-04")
    contoso = e.add("Contoso", interviewed="2026-05-04", role="Analyst").id or 0
    e.record(contoso, "thank_you_sent")
    at("2026-05-11", 10)
    e.record(litware, "called", outcome="noncommittal")
    at("2026-05-11")
    adatum = e.add("Adatum", interviewed="2026-05-11", role="BI developer", decision_by="2026-05-29").id or 0
    e.record(adatum, "thank_you_sent")
    at("2026-05-14", 10)
    e.record(contoso, "offer", deadline="2026-05-20")
    e.record(fabrikam, "rejected")
    at("2026-05-14")
    e.add("Northwind Traders", interviewed="2026-05-14", role="Data analyst", interviewer="Ms. Rivera")
    clock.now = END
