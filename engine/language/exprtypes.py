"""The types of rule expressions, checked when a rule file is loaded.

Every name has a kind (a fact's declared type, a setting's, a derived name's inferred one);
:func:`infer` walks an expression's tree and refuses what cannot work whatever the facts
are, such as ``interviewed + company`` (a moment plus text), at the operator's column, so
the mistake is a load error and not a crash when a timer fires. A plugin's function is
checked against its Python annotations (:func:`signature_of`): how many arguments it takes,
the kind of each, and the kind it gives; what it leaves unannotated is ``any``, accepted
everywhere.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

TEXT, NUMBER, BOOL, MOMENT, DURATION, LIST, NONE, ANY = (
    "text",
    "number",
    "bool",
    "moment",
    "duration",
    "list",
    "none",
    "any",
)
#: The kind of each fact type a rule file may declare.
FACT_KINDS = {"str": TEXT, "int": NUMBER, "bool": BOOL, "date": MOMENT, "datetime": MOMENT}
#: How a kind is named in an error message.
WORDS = {TEXT: "text", NUMBER: "a number", BOOL: "true/false", MOMENT: "a moment", DURATION: "a duration",
         LIST: "a list", "days": "a list of days", "hours": "a span of hours"}  # fmt: skip
_ADD = {(MOMENT, DURATION): MOMENT, (DURATION, MOMENT): MOMENT, (DURATION, DURATION): DURATION,
        (NUMBER, NUMBER): NUMBER, (TEXT, TEXT): TEXT, (LIST, LIST): LIST}  # fmt: skip
_SUB = {(MOMENT, DURATION): MOMENT, (MOMENT, MOMENT): DURATION, (DURATION, DURATION): DURATION,
        (NUMBER, NUMBER): NUMBER}  # fmt: skip
_ORDERED = frozenset({TEXT, NUMBER, MOMENT, DURATION})
_CONTAINERS = frozenset({TEXT, LIST, "days", ANY, NONE})
_FUNCTIONS = {"_duration": lambda kinds: DURATION, "earliest": lambda kinds: _same(kinds),
              "latest": lambda kinds: _same(kinds)}  # fmt: skip


#: The kind of each Python type a plugin function may annotate its arguments and result with.
PYTHON_KINDS: dict[Any, str] = {str: TEXT, int: NUMBER, float: NUMBER, bool: BOOL, dt.datetime: MOMENT,
                                dt.date: MOMENT, dt.timedelta: DURATION, list: LIST, tuple: LIST,
                                type(None): NONE}  # fmt: skip


class Signature(NamedTuple):
    """What a function for rule expressions takes and gives, as kinds."""

    params: tuple[str, ...]
    least: int
    most: int | None  # None: any number (``*args``)
    gives: str


_ANY_SIGNATURE = Signature((), 0, None, ANY)


def _kind_of(annotation: Any) -> str:
    if annotation in PYTHON_KINDS:
        return PYTHON_KINDS[annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        present = {_kind_of(arm) for arm in typing.get_args(annotation)} - {NONE}
        return present.pop() if len(present) == 1 else ANY
    origin = typing.get_origin(annotation)
    if origin in (list, tuple) or (isinstance(origin, type) and issubclass(origin, Sequence)):
        return LIST
    return ANY


@functools.lru_cache(maxsize=256)
def _signature(function: Callable[..., Any]) -> Signature:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: nothing is known
        return _ANY_SIGNATURE
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - an annotation that does not resolve tells nothing
        hints = {}
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    least = sum(p.default is p.empty for p in positional)
    return Signature(tuple(_kind_of(hints.get(p.name, Any)) for p in positional), least,
                     None if variadic else len(positional), _kind_of(hints.get("return", Any)))  # fmt: skip


def signature_of(function: Callable[..., Any]) -> Signature:
    """The kinds ``function`` declares, from its annotations (``def f(moment: datetime | None,
    days: int) -> datetime | None``); ``any`` where it declares none."""
    try:
        return _signature(function)
    except TypeError:  # an unhashable callable
        return _signature.__wrapped__(function)


class TypeMismatch(ValueError):
    """An expression whose parts cannot go together; ``col`` is a 0-based offset."""

    def __init__(self, message: str, col: int) -> None:
        super().__init__(message)
        self.col = col


def _same(kinds: list[str]) -> str:
    present = {k for k in kinds if k != NONE}
    return present.pop() if len(present) == 1 else ANY


def _word(kind: str) -> str:
    return WORDS.get(kind, kind)


def infer(
    tree: ast.AST,
    kinds: Mapping[str, str],
    functions: Mapping[str, Callable[..., Any]] | None = None,
    choices: Mapping[str, frozenset[str]] | None = None,
) -> str:
    """The kind of value ``tree`` (an ``ast.Expression``, before any rewrite) gives; the calls
    of ``functions`` (a plugin's) are checked against what each declares, and a text compared
    with a name that has ``choices`` (a ``one_of`` parameter) must be one of them.

    Raises:
        TypeMismatch: for an operation its operands' kinds cannot do, or a call its function
            does not take.
    """
    body = tree.body if isinstance(tree, ast.Expression) else tree
    return _Infer(kinds, functions or {}, choices or {}).kind(body)


class _Infer:
    def __init__(
        self, kinds: Mapping[str, str], functions: Mapping[str, Callable[..., Any]],
        choices: Mapping[str, frozenset[str]],
    ) -> None:  # fmt: skip
        self.kinds = kinds
        self.functions = functions
        self.choices = choices
        self.rules: dict[type, Callable[[ast.AST], str]] = {
            ast.Constant: self.constant, ast.Name: self.name, ast.BinOp: self.binop, ast.UnaryOp: self.unary,
            ast.Compare: self.compare, ast.BoolOp: self.boolop, ast.IfExp: self.ifexp, ast.Call: self.call,
            ast.List: self.sequence, ast.Tuple: self.sequence,
        }  # fmt: skip

    def kind(self, node: ast.AST) -> str:
        rule = self.rules.get(type(node))
        return rule(node) if rule else ANY

    def constant(self, node: ast.AST) -> str:
        value = getattr(node, "value", None)
        if value is None:
            return NONE
        return BOOL if isinstance(value, bool) else TEXT if isinstance(value, str) else NUMBER

    def name(self, node: ast.AST) -> str:
        assert isinstance(node, ast.Name)
        return self.kinds.get(node.id, ANY)

    def binop(self, node: ast.AST) -> str:
        assert isinstance(node, ast.BinOp)
        left, right = self.kind(node.left), self.kind(node.right)
        if ANY in (left, right) or NONE in (left, right):
            return ANY
        adding = isinstance(node.op, ast.Add)
        found = (_ADD if adding else _SUB).get((left, right))
        if found is None:
            verb = f"add {_word(left)} and {_word(right)}" if adding else f"take {_word(right)} from {_word(left)}"
            raise TypeMismatch(f"cannot {verb}; a moment takes a duration, like 'interviewed + 3 days'",
                               node.left.col_offset)  # fmt: skip
        return found

    def unary(self, node: ast.AST) -> str:
        assert isinstance(node, ast.UnaryOp)
        operand = self.kind(node.operand)
        if isinstance(node.op, ast.Not):
            return BOOL
        if operand not in (NUMBER, DURATION, ANY, NONE):
            raise TypeMismatch(f"cannot negate {_word(operand)}", node.col_offset)
        return operand

    def compare(self, node: ast.AST) -> str:
        assert isinstance(node, ast.Compare)
        left, left_node = self.kind(node.left), node.left
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.kind(comparator)
            if isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE):
                self._ordered(left, right, node)
            elif isinstance(op, ast.In | ast.NotIn) and right not in _CONTAINERS:
                raise TypeMismatch(f"'in' needs a list or text on its right, not {_word(right)}", comparator.col_offset)
            self._chosen(left_node, op, comparator)
            left, left_node = right, comparator
        return BOOL

    def _chosen(self, left: ast.AST, op: ast.cmpop, right: ast.AST) -> None:
        """Refuse ``outcome == 'voicemial'``: a text a name with choices can never be. (Not
        for ``state``: a file may remove a state its parent's guards still name.)"""
        if isinstance(op, ast.Eq | ast.NotEq) and isinstance(right, ast.Name):
            left, right = right, left
        if not isinstance(left, ast.Name) or left.id not in self.choices:
            return
        if isinstance(op, ast.Eq | ast.NotEq):
            written = [right]
        elif isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.List | ast.Tuple | ast.Set):
            written = list(right.elts)
        else:
            return
        known = self.choices[left.id]
        for item in written:
            value = getattr(item, "value", None) if isinstance(item, ast.Constant) else None
            if isinstance(value, str) and value not in known:
                from ..errors import did_you_mean

                hint = did_you_mean(value, known, f"; it is one of {', '.join(sorted(known))}")
                raise TypeMismatch(f"{left.id} is never '{value}'{hint}", _col(item))

    def _ordered(self, left: str, right: str, node: ast.Compare) -> None:
        if ANY in (left, right) or NONE in (left, right):
            return
        if left != right or left not in _ORDERED:
            raise TypeMismatch(f"cannot compare {_word(left)} with {_word(right)}", node.col_offset)

    def boolop(self, node: ast.AST) -> str:
        assert isinstance(node, ast.BoolOp)
        return _same([self.kind(value) for value in node.values])

    def ifexp(self, node: ast.AST) -> str:
        assert isinstance(node, ast.IfExp)
        self.kind(node.test)
        return _same([self.kind(node.body), self.kind(node.orelse)])

    def call(self, node: ast.AST) -> str:
        assert isinstance(node, ast.Call)
        kinds = [self.kind(arg) for arg in node.args]
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name in _FUNCTIONS:
            return _FUNCTIONS[name](kinds)
        if name not in self.functions:
            return ANY
        signature = signature_of(self.functions[name])
        _check_call(name, signature, kinds, node)
        return signature.gives

    def sequence(self, node: ast.AST) -> str:
        assert isinstance(node, ast.List | ast.Tuple)
        for item in node.elts:
            self.kind(item)
        return LIST


def _col(node: ast.AST) -> int:
    return int(getattr(node, "col_offset", 0))


def _check_call(name: str, signature: Signature, kinds: list[str], node: ast.Call) -> None:
    """Refuse a call of ``name`` with a number or kinds of arguments it does not declare."""
    count, least, most = len(kinds), signature.least, signature.most
    if count < least or (most is not None and count > most):
        wanted = f"{least}" if least == most else f"{least} to {most}" if most is not None else f"at least {least}"
        raise TypeMismatch(f"'{name}' takes {wanted} argument{'s' if wanted != '1' else ''}, not {count}",
                           node.col_offset)  # fmt: skip
    for number, (declared, given, arg) in enumerate(zip(signature.params, kinds, node.args, strict=False), 1):
        if ANY not in (declared, given) and given != NONE and declared != given:
            raise TypeMismatch(f"argument {number} of '{name}' is {_word(declared)}, not {_word(given)}",
                               arg.col_offset)  # fmt: skip
