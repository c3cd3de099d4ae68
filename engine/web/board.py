"""The board's model: a column per stage, a card per application, worked out from what the
engine advises as of now. Nothing here renders HTML."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InputError, RuleErrors
from ..stores.store import outside_states, page
from ..vocabulary.records import Application

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet
    from ..vocabulary.records import Advised

#: The columns, left to right: (key, title).
COLUMNS = (
    ("waiting", "Waiting"),
    ("due", "Due now"),
    ("reply", "Awaiting reply"),
    ("offers", "Offers"),
    ("closed", "Closed"),
)
#: States in which a contact was made and the answer is awaited.
AWAITING_REPLY = frozenset({"awaiting_reply", "awaiting_final_reply", "callback_scheduled"})
#: Final states that end the search with an offer taken: shown with the offers, not as closed.
ACCEPTED = frozenset({"accepted"})
#: The event that records an advised action as done, when it needs nothing more than a click.
ONE_CLICK = {"send_thank_you": "thank_you_sent", "send_note": "note_sent", "send_email": "emailed",
             "thank_you_letter": "thank_you_sent"}  # fmt: skip


class Step(NamedTuple):
    """An advised action as a card shows it."""

    action: str
    due: str | None
    due_at: datetime
    overdue: bool
    optional: bool


class Card(NamedTuple):
    """One application as the board shows it: what is due now first, then the next step."""

    id: int
    company: str
    role: str | None
    state: str
    steps: list[Step]
    due_at: datetime | None
    overdue: bool
    done_event: str | None


class Column(NamedTuple):
    key: str
    title: str
    cards: list[Card]


def when(moment: datetime | None, tz: tzinfo) -> str | None:
    """A moment in the user's zone, as people read it on a page."""
    if moment is None:
        return None
    return moment.astimezone(tz).strftime("%a %d %b %Y, %H:%M")


def stage(rs: RuleSet, app: Application, items: Sequence[Advised], now: datetime) -> str:
    """The column an application belongs in."""
    state = rs.states[app.state]
    if app.state.startswith("offer") or app.state in ACCEPTED:
        return "offers"
    if state.final or app.state == "rejected":
        return "closed"
    if any(a.due <= now and not a.optional for a in items):
        return "due"
    return "reply" if app.state in AWAITING_REPLY else "waiting"


def card(app: Application, items: Sequence[Advised], now: datetime, tz: tzinfo) -> Card:
    """The card of ``app``: every step due now (the required ones first), then the next one."""
    due = sorted((a for a in items if a.due <= now), key=lambda a: (a.optional, a.due))
    ahead = [a for a in items if a.due > now]
    shown = due + ([min(ahead, key=lambda a: (a.optional, a.due))] if ahead else [])
    first = next((a for a in shown if not a.optional), shown[0] if shown else None)
    return Card(
        id=app.id or 0, company=app.company, role=app.facts.get("role"), state=app.state,
        steps=[Step(a.action, when(a.due, tz), a.due, a.due < now, a.optional) for a in shown],
        due_at=first.due if first else None, overdue=any(a.due < now and not a.optional for a in due),
        done_event=next((ONE_CLICK[a.action] for a in due if a.action in ONE_CLICK), None),
    )  # fmt: skip


def columns(
    overview: Iterable[tuple[Application, Sequence[Advised]]],
    rules_for: Callable[[Application], RuleSet],
    now: datetime,
    tz: tzinfo,
) -> list[Column]:
    """The board: every application of ``overview`` on its column, soonest due first."""
    board: dict[str, list[Card]] = {key: [] for key, _ in COLUMNS}
    for app, items in overview:
        board[stage(rules_for(app), app, items, now)].append(card(app, items, now, tz))
    for cards in board.values():
        cards.sort(key=lambda c: (c.due_at is None, c.due_at.timestamp() if c.due_at else 0.0, c.id))
    return [Column(key, title, board[key]) for key, title in COLUMNS]


#: How many finished applications the page of finished ones lists at a time.
FINISHED_PAGE = 200


def _finals(engine: Engine) -> frozenset[str]:
    """The final states of the default rule set (none when its file is broken)."""
    with contextlib.suppress(InputError, RuleErrors):
        states = engine.rules.get(engine.default_rules).states
        return frozenset(name for name, state in states.items() if state.final and name not in ACCEPTED)
    return frozenset()


def finished(engine: Engine, app: Application, finals: frozenset[str]) -> bool:
    """Whether ``app`` is finished: in a final state of the default rule set, or of its own; an
    accepted offer is final, but stays on the board with the offers."""
    if app.state in finals:
        return True
    state = engine.rules_for(app).states.get(app.state)
    return bool(state and state.final and app.state not in ACCEPTED)


def unfinished(engine: Engine, candidate: str) -> tuple[list[Application], int]:
    """The applications of ``candidate`` not :func:`finished`, by id, and how many are: the board
    shows the first and counts the second, so that it costs what it shows (the store counts
    those in the default rule set's final states without reading them)."""
    finals = _finals(engine)
    apps, count = outside_states(engine.store, finals, candidate)
    shown = [a for a in apps if not finished(engine, a, finals)]
    return shown, count + len(apps) - len(shown)


def finished_page(engine: Engine, candidate: str, after: int) -> tuple[list[Application], bool]:
    """Up to :data:`FINISHED_PAGE` finished applications of ``candidate`` with an id above
    ``after``, by id, and whether more follow."""
    found: list[Application] = []
    finals = _finals(engine)
    while len(found) <= FINISHED_PAGE:
        some = page(engine.store, candidate, after, 500)
        if not some:
            break
        found += [a for a in some if finished(engine, a, finals)]
        after = some[-1].id
    return found[:FINISHED_PAGE], len(found) > FINISHED_PAGE
