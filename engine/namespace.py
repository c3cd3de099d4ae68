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
from typing import Any

from .durations import format_duration
from .records import Application, Other
from .ruleset import RuleSet, Text
from .timecalc import zone


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

    __slots__ = ("rs", "app", "facts", "now", "at", "params", "portfolio", "extra", "tz", "_cache", "_busy")

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
    ) -> None:
        self.rs = rs
        self.app = app
        self.facts = app.facts if facts is None else facts
        self.tz = zone(self.facts.get("timezone") or "UTC")
        self.now = now.astimezone(self.tz)
        self.at = self.now if at is None else at.astimezone(self.tz)
        self.params = params or {}
        self.portfolio = portfolio
        self.extra = extra or {}
        self._cache: dict[str, Any] = {}
        self._busy: set[str] = set()

    def __getitem__(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            pass
        value = self._compute(name)
        self._cache[name] = value
        return value

    def _compute(self, name: str) -> Any:
        rs = self.rs
        kind = rs.fact_type(name)
        if name in self.params and (self.params[name] is not None or kind is None):
            return self.params[name]
        if kind is not None:
            return self.typed(kind, self.facts.get(name, _default(rs, name)))
        if name in rs.settings:
            return rs.settings[name]
        if name in rs.derived:
            return self._derive(name)
        if name in self.extra:
            return self.extra[name](self)
        return self._builtin(name)

    def _derive(self, name: str) -> Any:
        if name in self._busy:
            raise KeyError(name)
        self._busy.add(name)
        try:
            return self.rs.derived[name](self)
        finally:
            self._busy.discard(name)

    def _builtin(self, name: str) -> Any:
        if name == "now":
            return self.now
        if name == "at":
            return self.at
        if name == "entered":
            return self.app.entered.astimezone(self.tz)
        if name == "state":
            return self.app.state
        if name == "company":
            return self.app.company
        if name.startswith(("other_accepted", "competing_offer")):
            return self.portfolio.lookup(name, self.app, self.tz, self.moment)
        raise KeyError(name)

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
        if value is None:
            return "(unknown)"
        if isinstance(value, datetime):
            local = value.astimezone(self.tz)
            at_start = local.time() == self.rs.calendar.start
            return local.date().isoformat() if at_start else local.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, timedelta):
            return format_duration(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


def _default(rs: RuleSet, name: str) -> Any:
    spec = rs.facts.get(name)
    return spec.default if spec else None
