"""What an evaluation read and decided, recorded while it evaluates (for `tactful why`).

A :class:`Recorder` is handed to the evaluation (:func:`tactful.runtime.core.advise`,
:func:`tactful.runtime.policy.judge`), which then evaluates in a :class:`TracingNamespace`:
every name an expression reads is noted with its value and, for a derived name, the names
it read in turn. Where the evaluation tests a guard or works out a moment, it asks the
recorder to evaluate the expression, so the step carries the rule's location, its value and
its reads. Without a recorder nothing of this runs: the namespace is the plain one, and the
evaluation takes its usual (compiled, remembered) path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ..errors import Location
from ..vocabulary.records import Application
from .expr import Expression
from .namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from .ruleset import RuleSet

_UNSET: Any = object()


@dataclass
class Read:
    """A name an expression read: where it comes from (``fact``, ``setting``, ``derived``,
    ``builtin``, ``param`` or ``policy``), its value, and what a derived one read."""

    name: str
    kind: str
    value: Any
    reads: list[Read] = field(default_factory=list)
    source: str | None = None
    where: Location | None = None
    #: The sources a setting cites (in the file that set it).
    cites: tuple[str, ...] = ()


@dataclass
class Step:
    """One thing the evaluation worked out: a guard (``when``, ``deny``, ``allow``…), a
    moment (``due``, ``from``, ``by``, ``timer``, ``until``) or a note (``shift``)."""

    what: str
    subject: str
    source: str
    value: Any
    where: Location | None
    reads: list[Read] = field(default_factory=list)
    note: str = ""
    #: The state whose rules this step evaluated.
    state: str = ""
    #: For a moment moved off a day without contact: the moment before it moved.
    given: Any = None
    #: The sources the rule cites.
    cites: tuple[str, ...] = ()


class Recorder:
    """Collects the steps of one evaluation, in the order they happened."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        #: The state whose rules are being evaluated (set by the evaluation as it goes).
        self.state = ""
        self._frames: list[list[Read]] = []

    def evaluate(self, expression: Expression, ns: Namespace, what: str, subject: str,
                 where: Location | None = None, cites: tuple[str, ...] = ()) -> Any:  # fmt: skip
        """``expression``'s value in ``ns``, noted as a step with what it read."""
        frame: list[Read] = []
        self._frames.append(frame)
        try:
            value = expression(ns)
        finally:
            self._frames.pop()
        where = where or expression.where
        self.steps.append(Step(what, subject, expression.source, value, where, frame, state=self.state, cites=cites))
        return value

    def note(self, what: str, subject: str, value: Any, note: str, where: Location | None = None,
             given: Any = None) -> None:  # fmt: skip
        """A step that is no expression: a moment moved off a holiday, an answer given."""
        self.steps.append(Step(what, subject, "", value, where, [], note, self.state, given))

    def opened(self) -> list[Read]:
        frame: list[Read] = []
        self._frames.append(frame)
        return frame

    def closed(self) -> None:
        self._frames.pop()

    def read(self, found: Read) -> None:
        if self._frames:
            self._frames[-1].append(found)


class TracingNamespace(Namespace):
    """A :class:`~tactful.language.namespace.Namespace` that tells its recorder each name read.

    Expressions evaluate here by their tree, not their compiled closures, so that every name
    goes through :meth:`__getitem__`; the values are the same (a property test holds the two
    paths to each other)."""

    __slots__ = ("recorder", "_reads")

    def __init__(self, rs: RuleSet, app: Application, now: datetime, recorder: Recorder, **options: Any) -> None:
        super().__init__(rs, app, now, **options)
        self.recorder = recorder
        self.closures = None
        self._reads: dict[str, list[Read]] = {}

    def __getitem__(self, name: str) -> Any:
        kind = self._kind_of(name)
        if kind is None:
            return super().__getitem__(name)  # a helper of the evaluator: KeyError, looked up elsewhere
        nested = self._reads.get(name)
        if nested is None:
            nested = self.recorder.opened()
            try:
                value = super().__getitem__(name)
            finally:
                self.recorder.closed()
            self._reads[name] = nested
        else:
            value = super().__getitem__(name)
        source, where = self._origin(name, kind)
        cites = self.rs.cited.get(name, ()) if kind == "setting" else ()
        self.recorder.read(Read(name, kind, value, nested, source, where, cites))
        return value

    def _kind_of(self, name: str) -> str | None:
        if name in self.params:
            return "param"
        kind = self.kind(name)
        if kind is None and name in self.extra:
            return "policy"
        return kind

    def _origin(self, name: str, kind: str) -> tuple[str | None, Location | None]:
        section = {"setting": "settings", "derived": "derived", "fact": "facts"}.get(kind)
        node = self.rs.tree.get(section) if section else None
        where = node.where(name) if node is not None and hasattr(node, "where") and name in node else None
        expression = self.rs.derived.get(name) if kind == "derived" else None
        return (expression.source if isinstance(expression, Expression) else None), where


def space(
    rs: RuleSet,
    app: Application,
    now: datetime,
    recorder: Recorder | None,
    *,
    portfolio: Portfolio = EMPTY_PORTFOLIO,
    viewer: tzinfo | None = None,
    extra: Mapping[str, Callable[[Namespace], Any]] | None = None,
) -> Namespace:
    """A namespace for ``app`` as of ``now``: a tracing one when there is a recorder."""
    if recorder is None:
        return Namespace(rs, app, now, portfolio=portfolio, viewer=viewer, extra=extra)
    return TracingNamespace(rs, app, now, recorder, portfolio=portfolio, viewer=viewer, extra=extra)
