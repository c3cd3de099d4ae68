"""`tactful demo`: a guided run of a sample job search with a moving clock.

It works in a throwaway folder and never touches the user's data.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from ..errors import Refused
from .context import Context, common

UTC = ZoneInfo("UTC")


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def _say(text: str) -> None:
    click.echo(text)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the throwaway folder and print where it is.")
@common
def demo(ctx: Context, keep: bool) -> None:
    """A guided run of a sample job search, in a throwaway folder."""
    import shutil
    import tempfile

    from ..engine import Engine
    from ..sqlite_store import SQLiteStore

    folder = Path(tempfile.mkdtemp(prefix="tactful-demo-"))
    clock = _Clock(datetime(2026, 5, 4, 17, 0, tzinfo=UTC))
    store = SQLiteStore(folder / "demo.sqlite3")
    try:
        _story(Engine(store, clock), clock)
    finally:
        store.close()
        if keep:
            _say(f"\nThe demo's data is in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _when(clock: _Clock, moment: datetime) -> None:
    clock.now = moment
    _say(f"\n== {moment:%A %d %B %Y, %H:%M} UTC ==")


def _next(engine: object, app_id: int) -> None:
    for item in engine.advise(app_id):  # type: ignore[attr-defined]
        _say(f"   next: {item.action} on {item.due:%a %d %b}: {item.reason}")


def _story(engine: object, clock: _Clock) -> None:
    e = engine
    _when(clock, clock.now)
    dream = e.add("Northwind Traders", interviewed="2026-05-04", role="Data analyst", interviewer="Ms. Rivera", rank=1)  # type: ignore[attr-defined]
    other = e.add("Tiny Bakery", interviewed="2026-05-04", role="Bookkeeper", rank=2, rules="small-company")  # type: ignore[attr-defined]
    _say(f"Two interviews today: #{dream.id} Northwind Traders (first choice) and #{other.id} Tiny Bakery.")
    for app in (dream, other):
        e.record(app.id, "thank_you_sent")  # type: ignore[attr-defined]
    _say("Thank-you notes sent the same evening.")
    _next(e, dream.id)
    _when(clock, datetime(2026, 5, 6, 10, tzinfo=UTC))
    for channel in ("call", "linkedin_invite", "facebook_request", "twitter_follow"):
        verdict = e.check(dream.id, channel)  # type: ignore[attr-defined]
        since = f" (from {verdict.allowed_from:%a %d %b})" if verdict.allowed_from else ""
        _say(
            f"May I {channel.replace('_', ' ')} Northwind? "
            f"{'yes' if verdict.allowed else 'no'}: {verdict.reason}{since}"
        )
    _when(clock, datetime(2026, 5, 13, 10, tzinfo=UTC))
    for fired in e.tick():  # type: ignore[attr-defined]
        _say(f"tick: #{fired.id} {fired.company} {fired.source} -> {fired.target}")
    _say("The small company's shorter timeline is up first.")
    _next(e, other.id)
    e.record(other.id, "offer", deadline="2026-05-20")  # type: ignore[attr-defined]
    _say("Tiny Bakery makes an offer, to answer by 20 May. Northwind is still your first choice:")
    _next(e, dream.id)
    e.record(dream.id, "called", outcome="noncommittal")  # type: ignore[attr-defined]
    _say("You call Northwind: a polite but noncommittal answer.")
    _next(e, dream.id)
    _when(clock, datetime(2026, 5, 15, 11, tzinfo=UTC))
    e.record(dream.id, "offer", deadline="2026-05-22")  # type: ignore[attr-defined]
    e.record(dream.id, "accepted")  # type: ignore[attr-defined]
    _say("Northwind makes an offer and you accept it.")
    try:
        e.record(other.id, "accepted")  # type: ignore[attr-defined]
    except Refused as refusal:
        _say(f"Accepting Tiny Bakery too is refused: {refusal.reason}")
    _next(e, other.id)
    e.record(other.id, "declined")  # type: ignore[attr-defined]
    _say("You decline Tiny Bakery's offer, with thanks. The demo ends here.")
