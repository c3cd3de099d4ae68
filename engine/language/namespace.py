"""The names an expression sees for one application at one moment, computed lazily.

A :class:`Namespace` is the mapping rule expressions are evaluated in. Facts are stored
as JSON text and converted only when an expression reads them: a date becomes 09:00 in
the interviewer's time zone, a time is shown in that zone. Derived names are evaluated on
first use; names about other applications come from a :class:`Portfolio`, asked only if
an expression needs them.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import Any

from ..vocabulary.records import Application, Other
from ..vocabulary.timecalc import Calendar, zone
from .compiled import compiled
from .durations import format_duration
from .expr import Expression
from .ruleset import CORE_FACTS, PORTFOLIO_NAMES, RuleSet, Text


class Portfolio:
    """The user's other applications, loaded only when a rule asks about them."""

    def __init__(self, load: Callable[[], Sequence[Other]] | Sequence[Other] = ()) -> None:
        self._load = load if callable(load) else (lambda: load)
        self._others: Sequence[Other] | None = None

    @property
    def others(self) -> Sequence[Other]:
        if self._others is None:
            self._others = tuple(self._load())
        return self._others

    def lookup(self, name: str, app: Application, tz: tzinfo, to_moment: Callable[[Any], Any]) -> Any:
        if not self.others:
            return False if name in ("other_accepted", "competing_offer") else None
        if name.startswith("other_accepted"):
            hits = sorted((o for o in self.others if o.accepted and o.id != app.id), key=lambda o: o.entered)
            first = hits[0] if hits else None
            return {"other_accepted": first is not None,
                    "other_accepted_at": first and first.entered.astimezone(tz),
                    "other_accepted_company": first and first.company}[name]  # fmt: skip
        rank = app.facts.get("rank")
        hits = sorted(
            (
                o
                for o in self.others
                if o.offer and o.id != app.id and rank is not None and o.rank is not None and o.rank > rank
            ),
            key=lambda o: o.entered,
        )
        first = hits[0] if hits else None
        return {"competing_offer": first is not None,
                "competing_offer_at": first and first.entered.astimezone(tz),
                "competing_offer_deadline": first and to_moment(first.offer_deadline),
                "competing_offer_company": first and first.company}[name]  # fmt: skip


EMPTY_PORTFOLIO = Portfolio()


class Namespace(Mapping[str, Any]):
    """Every name an expression may read, for ``app`` as of ``now``."""

    __slots__ = ("rs", "app", "facts", "now", "at", "params", "portfolio", "extra", "tz", "viewer", "_sources",
                 "_cache", "_busy", "closures")  # fmt: skip
    #: What records this evaluation for `tactful why` (a tracing namespace's); None: nothing does.
    recorder: Any = None

    def __init__(
        self,
        rs: RuleSet,
        app: Application,
        now: datetime,
        *,
        facts: Mapping[str, Any] | None = None,
        at: datetime | None = None,
        params: Mapping[str, Any] | None = None,
        portfolio: Portfolio = EMPTY_PORTFOLIO,
        extra: Mapping[str, Callable[[Namespace], Any]] | None = None,
        viewer: tzinfo | None = None,
    ) -> None:
        """``viewer`` is the zone sentences show times in (the user's); default the interviewer's."""
        self.rs = rs
        self.app = app
        self.facts = app.facts if facts is None else facts
        self.tz = zone(self.facts.get("timezone") or "UTC")
        self.now = now.astimezone(self.tz)
        self.at = self.now if at is None else at.astimezone(self.tz)
        self.params = params or _NOTHING  # read, never written: shared when there are none
        self.portfolio = portfolio
        self.extra = extra or _NOTHING
        self.viewer = viewer or self.tz
        self._sources = _sources(rs)
        #: Compiled expressions by the id of their code, where this namespace may use them:
        #: not with an event's parameters or extra names, which decide names differently.
        self.closures: dict[int, Any] | None = None if params or extra else rs.memo.setdefault("closures", {})
        self._cache: dict[str, Any] = {}
        self._busy: set[str] | None = None

    @property
    def calendar(self) -> Calendar:
        """The contact calendar of this application: the rule set's, with ``holidays: auto``
        made the public holidays of the interviewer's zone's country."""
        return self.rs.calendar.for_zone(self.facts.get("timezone"))

    def __getitem__(self, name: str) -> Any:
        value = self._cache.get(name, _UNSET)
        if value is _UNSET:
            value = self._cache[name] = self._compute(name)
        return value

    def _compute(self, name: str) -> Any:
        source, detail = self._sources.get(name, _UNKNOWN)
        params = self.params
        if name in params and (params[name] is not None or source is not _FACT):
            return params[name]
        if source is _FACT:
            return self.typed(detail[0], self.facts.get(name, detail[1]))
        if source is _SETTING:
            return detail
        if source is _DERIVED:
            return self._derive(name, detail)
        if name in self.extra:
            return self.extra[name](self)
        if source is _BUILTIN:
            return detail(self, name)
        raise KeyError(name)

    def _derive(self, name: str, expression: Callable[[Namespace], Any]) -> Any:
        busy = self._busy
        if busy is None:
            busy = self._busy = set()  # made on first use: most namespaces read no derived name this way
        if name in busy:
            raise KeyError(name)
        busy.add(name)
        try:
            return expression(self)
        finally:
            busy.discard(name)

    def closure(self, expression: Expression) -> tuple[Any, Any]:
        """``(code, closure)`` of ``expression`` under this rule set (see
        :mod:`~tactful.language.compiled`), made and kept in :attr:`closures`."""
        return compiled(self.closures if self.closures is not None else {}, self._sources, expression)

    def kind(self, name: str) -> str | None:
        """Where ``name`` comes from: ``fact``, ``setting``, ``derived``, ``builtin``, or None
        (a name only the caller gives, or none at all)."""
        return self._sources.get(name, _UNKNOWN)[0]

    def typed(self, kind: str, value: Any) -> Any:
        """A stored fact value as expressions see it."""
        if value is None:
            return None
        if kind == "date":
            return self.moment(value)
        if kind == "datetime":
            return datetime.fromisoformat(value).astimezone(self.tz) if isinstance(value, str) else value
        return value

    def moment(self, value: Any) -> datetime | None:
        """A date (or ISO date text) as 09:00 in the interviewer's zone."""
        if value is None:
            return None
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return self.rs.calendar.at_start(day, self.tz)

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)

    def render(self, text: Text) -> str:
        """A rule file's sentence with its ``{name}`` placeholders filled in."""
        if not text.names:
            return text.source
        values = {name: self.show(self.get(name)) for name in text.names}
        return string.Formatter().vformat(text.source, (), values)

    def show(self, value: Any) -> str:
        """A value as a sentence gives it: a moment in the viewer's zone (a date alone when
        it is the start of contact hours and both zones agree), a duration in words."""
        if value is None:
            return "not known yet"
        if isinstance(value, datetime):
            local = value.astimezone(self.tz)
            seen = value.astimezone(self.viewer)
            if seen.replace(tzinfo=None) != local.replace(tzinfo=None):
                return seen.strftime("%Y-%m-%d %H:%M")
            at_start = local.time() == self.rs.calendar.start
            return local.date().isoformat() if at_start else local.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, timedelta):
            return format_duration(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


# Where a name comes from, and what the namespace needs to compute it.
_FACT, _SETTING, _DERIVED, _BUILTIN = "fact", "setting", "derived", "builtin"
_UNSET: Any = object()
_NOTHING: Mapping[str, Any] = MappingProxyType({})
_UNKNOWN: tuple[str | None, Any] = (None, None)
_BUILTINS: dict[str, Callable[[Namespace, str], Any]] = {
    "now": lambda ns, _: ns.now,
    "at": lambda ns, _: ns.at,
    "entered": lambda ns, _: ns.app.entered.astimezone(ns.tz),
    "state": lambda ns, _: ns.app.state,
    "company": lambda ns, _: ns.app.company,
    **dict.fromkeys(PORTFOLIO_NAMES, lambda ns, name: ns.portfolio.lookup(name, ns.app, ns.tz, ns.moment)),
}


def _sources(rs: RuleSet) -> dict[str, tuple[str | None, Any]]:
    """Every name of ``rs`` with where it comes from, made once per rule set. Facts win
    over settings, settings over derived names, and those over the built-in names."""
    table: dict[str, tuple[str | None, Any]] | None = rs.memo.get("names")
    if table is None:
        table = {name: (_BUILTIN, compute) for name, compute in _BUILTINS.items()}
        table.update((name, (_DERIVED, expression)) for name, expression in rs.derived.items())
        table.update((name, (_SETTING, value)) for name, value in rs.settings.items())
        table.update((name, (_FACT, (kind, None))) for name, kind in CORE_FACTS.items())
        table.update((name, (_FACT, (spec.type, spec.default))) for name, spec in rs.facts.items())
        rs.memo["names"] = table
    return table
