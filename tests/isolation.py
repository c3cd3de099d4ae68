"""The two sides of tests/test_isolation.py: three candidates sharing one store through bound
engines, and the same three people with a store each through plain engines.

An operation names an application by its candidate and its place in their order of adding
(0, 1, …); each side turns that into its own id. Answers are compared once normalized: every
application id becomes ``<place>`` (``<?>`` for an id that is not the candidate's own), history
rows lose the store's row numbers, and a notice's ``candidate`` (the candidate's key on the
shared side, ``""`` on a separate store, by design) is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tactful import Application, Engine, LogEntry, RuleBook, TactfulError
from tactful.hookspecs import Notice
from tactful.runtime.rows import ImportRow, export_row
from tactful.testing import FakeClock, RecordingPlugin, deliver, get_plugin_manager
from tactful.vocabulary.records import Draft, Fired

#: The three job seekers: their own zone and default rule set differ, so binding matters.
PEOPLE: dict[str, dict[str, str]] = {
    "alice": {"name": "Alice", "zone": "Europe/Paris"},
    "bob": {"name": "Bob", "zone": "America/New_York", "rules": "small-company"},
    "carol": {"name": "Carol"},
}
WHO = tuple(PEOPLE)
#: An id no store of a test ever gives out: "an unknown id".
UNKNOWN = 10**9
CHANNELS = ("call", "email", "linkedin_invite", "accept_offer")
_IDS = re.compile(r"(\bid |\bapplication |#)(\d+)")
_KEY_ID = re.compile(r"^(\d+)/")


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """``("ok", answer)``, or ``("error", kind, message, cli message)`` for a tactful error."""
    try:
        return "ok", call()
    except TactfulError as err:
        return "error", (type(err).__name__, str(err), getattr(err, "cli", None))


class Side:
    """One way of running the three candidates: an engine for each, their ids in order of adding,
    and the notices delivered to each."""

    def __init__(self, engines: Mapping[str, Engine], base: Engine | None = None) -> None:
        self.engines = dict(engines)
        self.base = base  # the shared store's unbound engine
        #: Who ticks: the unbound engine for everyone (None), or each candidate's own.
        self.tickers: list[tuple[str | None, Engine]] = [(None, base)] if base else list(self.engines.items())
        self.ids: dict[str, list[int]] = {who: [] for who in engines}
        self.deliverers: list[Callable[[], list[Notice]]] = []
        self.foreign_rows = 0  # ids given to rows that bring an id unknown to the candidate (separate side)

    # -- ids --------------------------------------------------------------------------

    def app_id(self, who: str, n: int) -> int:
        """The id of ``who``'s ``n``-th application (modulo how many they added), or an unknown id."""
        mine = self.ids[who]
        return mine[n % len(mine)] if mine else UNKNOWN

    def foreign_id(self, who: str, other: str, n: int) -> int:
        """An id that is not ``who``'s: here, ``other``'s application (or the next candidate's, when
        ``other`` is ``who``); on the separate side, an id nobody has."""
        return self.app_id(WHO[(WHO.index(who) + 1) % len(WHO)] if other == who else other, n)

    def place(self, who: str, app_id: int) -> str:
        mine = self.ids[who]
        return f"<{mine.index(app_id)}>" if app_id in mine else "<?>"

    # -- normal form --------------------------------------------------------------------

    def norm(self, who: str, value: Any) -> Any:
        """``value`` with ids as places, row numbers and candidate keys left out (see the module)."""
        match value:
            case str():
                return _IDS.sub(lambda m: m[1] + self.place(who, int(m[2])), value)
            case Application():
                return (*self.norm(who, tuple(value._replace(id=0, candidate=""))), self.place(who, value.id))
            case LogEntry():
                return tuple(self.norm(who, v) for v in value._replace(id=None))
            case Fired() | Draft():
                return self.norm(who, tuple(value._replace(id=0)))[1:] + (self.place(who, value.id or 0),)
            case Notice():
                key = _KEY_ID.sub(lambda m: self.place(who, int(m[1])) + "/", value.key)
                plain = value._replace(app_id=0, key=key, candidate="")
                return (*self.norm(who, tuple(plain)), self.place(who, value.app_id))
            case datetime() | date() | timedelta() | ZoneInfo() | int() | float() | bool() | None:
                return value
            case Mapping():
                return {k: self.norm(who, v) for k, v in value.items()}
            case tuple() | list():
                return tuple(self.norm(who, v) for v in value)
        return value

    # -- answers --------------------------------------------------------------------------

    def notices(self) -> dict[str, list[Any]]:
        """Deliver every outbox; what each candidate's notices were, normalized, in key order."""
        found: dict[str, list[Any]] = {who: [] for who in self.engines}
        for send in self.deliverers:
            for notice in send():
                who = self.whose(notice)
                found[who].append(self.norm(who, notice))
        return {who: sorted(found[who], key=repr) for who in found}

    def whose(self, notice: Notice) -> str:
        return notice.candidate

    def views(self, who: str, full: bool) -> dict[str, Any]:
        """What ``who`` sees: the list (each application with its advice) and the agenda of the
        days ahead; with ``full``, the whole agenda, the stored records, and each application's
        show (record and history), advice, drafts and `can` for each channel."""
        engine = self.engines[who]
        now = engine.now()
        seen = {
            "list": outcome(lambda: list(engine.overview())),
            "window": outcome(lambda: engine.agenda(until=now + timedelta(days=10))),
        }
        if not full:
            return self.norm(who, seen)
        seen.update(agenda=outcome(engine.agenda), stored=list(engine.stored()))
        for n, app_id in enumerate(self.ids[who]):
            seen[f"show {n}"] = outcome(lambda i=app_id: (engine.get(i), engine.history(i)))
            seen[f"advise {n}"] = outcome(lambda i=app_id: engine.advise(i))
            seen[f"drafts {n}"] = outcome(lambda i=app_id: engine.drafts(i))
            for channel in CHANNELS:
                seen[f"can {channel} {n}"] = outcome(lambda i=app_id, c=channel: engine.check(i, c))
        return self.norm(who, seen)

    def import_rows(self, who: str, n: int, kind: str, other: str, update: bool) -> tuple[str, Any]:
        """``who`` imports one row (see :func:`row`); the ids it gave, added to ``who``'s."""
        engine = self.engines[who]
        values = self.row(who, n, kind, other)
        done = outcome(lambda: engine.import_rows([ImportRow("rows.json:1:1", values)], update=update))
        if done[0] != "ok":
            return self.norm(who, done)
        self.ids[who] += [i for i in done[1] if i not in self.ids[who]]
        return [self.place(who, i) for i in done[1]]

    def row(self, who: str, n: int, kind: str, other: str) -> dict[str, Any]:
        """An import row: ``fresh`` (add's columns), ``export`` (``who``'s own application as
        exported), or either with an id that is not ``who``'s (``foreign fresh``, ``foreign export``)."""
        engine = self.engines[who]
        app = engine.store.get(self.app_id(who, n)) if "export" in kind else None
        if app is None or app.candidate != engine.candidate_key:
            values: dict[str, Any] = {"company": f"Row {n % 3}", "interviewed": engine.now().date().isoformat()}
        else:
            values = export_row(app, engine.store.history(app.id))
        if kind.startswith("foreign"):
            values["id"] = self.foreign_row_id(who, other, n)
        return values

    def foreign_row_id(self, who: str, other: str, n: int) -> int:
        """The id of a row that brings one not ``who``'s: another's here, a free one on the separate side."""
        found = self.foreign_id(who, other, n)
        return UNKNOWN + 1 if found == UNKNOWN else found


class Separate(Side):
    """Each candidate alone in a store: another's id is an id nobody has here."""

    def foreign_id(self, who: str, other: str, n: int) -> int:
        return UNKNOWN

    def foreign_row_id(self, who: str, other: str, n: int) -> int:
        if Side.foreign_id(self, who, other, n) == UNKNOWN:  # the other has no application
            return UNKNOWN + 1
        self.foreign_rows += 1
        # a free id, as another's is to the shared side's candidate; far from the last one, which
        # the store's next own id (the highest plus one) could otherwise take
        return UNKNOWN + 1 + 1000 * self.foreign_rows


def _deliverer(store: Any, engine: Engine, clock: FakeClock) -> Callable[[], list[Notice]]:
    """Delivers ``store``'s outbox to a recorder plugin, drafts rendered by ``engine``; the notices."""
    pm = get_plugin_manager(entry_points=False, builtins=False)
    recorder = RecordingPlugin()
    pm.register(recorder, "recorder")

    def send() -> list[Notice]:
        recorder.calls.clear()
        deliver(store.outbox, pm, clock(), drafts=engine.notice_draft)
        return [notice for _, notice, _ in recorder.calls]

    return send


def shared_side(store: Any, clock: FakeClock, rules: RuleBook) -> Side:
    """The three candidates in ``store``, each through an engine bound to them."""
    base = Engine(store, clock, rules=rules, notify=True)
    for who, fields in PEOPLE.items():
        base.add_candidate(who, **fields)
    side = Side({who: base.candidate(who) for who in WHO}, base)
    side.deliverers = [_deliverer(store, base, clock)]
    return side


def separate_side(stores: Sequence[Any], clock: FakeClock, rules: RuleBook) -> Side:
    """Each candidate alone in a store of their own, through a plain engine given their zone and rules."""
    engines = {}
    for who, store in zip(WHO, stores, strict=True):
        fields = PEOPLE[who]
        zone = ZoneInfo(fields["zone"]) if "zone" in fields else None
        engines[who] = Engine(store, clock, rules=rules, default_rules=fields.get("rules", "default"), notify=True,
                              zone=zone)  # fmt: skip
    side = Separate(engines)
    side.deliverers = [_separate_deliverer(side, who, store, clock) for who, store in zip(WHO, stores, strict=True)]
    return side


def _separate_deliverer(side: Separate, who: str, store: Any, clock: FakeClock) -> Callable[[], list[Notice]]:
    send = _deliverer(store, side.engines[who], clock)

    def mine() -> list[Notice]:
        notices = send()
        assert {n.candidate for n in notices} <= {""}, "a plain engine's notices are the implicit candidate's"
        return [n._replace(candidate=who) for n in notices]  # whose they are: the store tells

    return mine
