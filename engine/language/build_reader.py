"""Reads one rule tree for the builder: collects every problem, and checks the small pieces.

A :class:`Reader` holds the merged tree, the expression functions, the names expressions may
use and the list of problems found so far. The builder's parts (:mod:`tactful.language.build_facts`,
:mod:`tactful.language.build_actions`, :mod:`tactful.language.build_states`) share one reader and report
through it, so :func:`tactful.language.build.build` can raise them all together.
"""

from __future__ import annotations

import contextlib
import string
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from ..errors import Location, Problems
from .expr import Expression, ExpressionError, compile_expression
from .exprtypes import ANY, MOMENT, NONE, PYTHON_KINDS, TEXT, WORDS
from .ruleset import Param, Text
from .yamltree import YMap, YSeq


class Reader(Problems):
    """The tree being built, its problems so far, and the checks every section uses."""

    def __init__(self, tree: YMap, functions: Mapping[str, Any]) -> None:
        super().__init__()
        self.tree = tree
        self.functions = dict(functions)
        #: The names any expression may use: facts, settings, derived names, built-ins.
        self.base: set[str] = set()
        #: The kind of each name whose kind is known (see :mod:`tactful.language.exprtypes`).
        self.kinds: dict[str, str] = {}
        #: The texts a name can be, for those that take only some (a ``one_of`` parameter).
        self.choices: dict[str, frozenset[str]] = {}
        #: The sources entries may cite, by key (see :mod:`tactful.language.sources`).
        self.sources: Mapping[str, Any] = {}

    @contextlib.contextmanager
    def kinds_with(
        self, extra: Mapping[str, str], choices: Mapping[str, frozenset[str]] | None = None
    ) -> Iterator[None]:
        """Within the block, expressions also know the kinds ``extra`` gives (an event's
        parameters, the ``can_`` names of invariants), over the rule set's own, and the
        ``choices`` of those that take only some texts."""
        saved = self.kinds, self.choices
        self.kinds = {**saved[0], **extra}
        self.choices = {**{k: v for k, v in saved[1].items() if k not in extra}, **(choices or {})}
        try:
            yield
        finally:
            self.kinds, self.choices = saved

    def section(self, node: YMap, key: str, kind: type = YMap) -> Any:
        """``node[key]`` when it is a ``kind`` (a mapping or a list), else an empty one."""
        value = node.get(key)
        if value is None:
            return kind(node.loc)
        if not isinstance(value, kind):
            shape = "a mapping" if kind is YMap else "a list"
            self.error(node.where(key), f"'{key}' must be {shape}")
            return kind(node.loc)
        return value

    def entry(self, node: YMap, name: str, what: str, example: str) -> YMap | None:
        """The mapping ``node[name]`` describes a ``what`` with; null reads as an empty one.

        Anything else is reported ("state 'x' must be a mapping, e.g. {final: true}") and
        gives None; the caller keeps the name known, so its uses are not blamed as well.
        """
        spec = node[name]
        if spec is None:
            return YMap(node.where(name))
        if not isinstance(spec, YMap):
            self.error(node.where(name), f"{what} '{name}' must be a mapping, e.g. {example}")
            return None
        return spec

    def entries(
        self, items: YSeq, what: str, shape: str, required: Collection[str], allowed: Collection[str]
    ) -> Iterator[tuple[YMap, Location]]:
        """Each item of ``items`` that is a mapping with every ``required`` key, and where.

        Every other item is reported: one that is no mapping with ``shape`` (what each entry
        has); then in each mapping, a key not ``allowed`` (with a "did you mean") and a
        missing ``required`` key, by name (``what`` says which entry: "a timer").
        """
        for item, where in zip(items, items.locs, strict=True):
            if not isinstance(item, YMap):
                self.error(where, shape)
                continue
            self.keys(item, allowed, what)
            missing = [key for key in required if key not in item]
            for key in missing:
                self.error(where, f"missing '{key}' in {what}; {shape}")
            if not missing:
                yield item, where

    def expr(self, value: Any, where: Location, scope: Collection[str]) -> Expression | None:
        """The compiled expression, or None when it does not compile (reported)."""
        try:
            return compile_expression(value, scope, self.functions, self.kinds, self.choices)._replace(where=where)
        except ExpressionError as err:
            self.error(Location(where.path, where.line, where.col + err.col), str(err))
            return None

    def moment(self, value: Any, where: Location, scope: Collection[str], what: str) -> Expression | None:
        """The compiled expression, which must give a moment (``what`` names it in the error)."""
        compiled = self.expr(value, where, scope)
        if compiled is not None and compiled.kind not in (MOMENT, ANY, NONE):
            self.error(where, f"'{what}' must give a moment, such as decision_date + grace, not "
                              f"{WORDS.get(compiled.kind, compiled.kind)}")  # fmt: skip
            return None
        return compiled

    def known(self, value: Any, where: Location, what: str, names: Collection[str]) -> bool:
        """Whether ``value`` is the name of one of ``names`` (a state, an action); when it is
        not, the problem is reported."""
        if not isinstance(value, str):
            given = "a list" if isinstance(value, list) else "a map" if isinstance(value, dict) else "a value"
            given = WORDS.get(PYTHON_KINDS.get(type(value), ""), given)
            self.error(where, f"expected the name of {'an' if what[0] in 'aeiou' else 'a'} {what} here, not {given}")
            return False
        if value not in names:
            self.error(where, self.unknown(what, value, names))
            return False
        return True

    def text(self, value: Any, where: Location, scope: Collection[str]) -> Text:
        """A sentence whose ``{name}`` fields are all names in ``scope``."""
        if value is None:
            return Text("", frozenset())
        if not isinstance(value, str):
            self.error(where, "expected a sentence")
            return Text(str(value), frozenset())
        names = set()
        try:
            for _, field, spec, conv in string.Formatter().parse(value):
                if field is None:
                    continue
                if not field.isidentifier() or spec or conv:
                    self.error(where, f"'{{{field}}}' is not allowed; write a plain name like {{company}}")
                elif field not in scope:
                    self.error(where, f"unknown name '{{{field}}}' in this sentence")
                names.add(field)
        except ValueError as err:
            self.error(where, f"cannot read this sentence: {err}; write braces as {{{{ and }}}}")
        return Text(value, frozenset(names))

    def boolean(self, node: YMap, key: str, default: bool = False) -> bool:
        """``node[key]``, which must be true or false."""
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.error(node.where(key), f"'{key}' must be true or false")
            return default
        return value


def param_kinds(params: Mapping[str, Param]) -> dict[str, str]:
    """The kind of each of an event's parameters, as its declaration gives it."""
    return {name: TEXT if param.type == "str" else MOMENT for name, param in params.items()}


def param_choices(params: Mapping[str, Param]) -> dict[str, frozenset[str]]:
    """The words each ``one_of`` parameter of an event takes."""
    return {name: frozenset(param.choices) for name, param in params.items() if param.choices}
