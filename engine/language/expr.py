"""A safe evaluator for the expressions written in rule files.

Guards (``calls_made < max_calls or callback_invited``), due moments
(``decision_by + grace``) and settings arithmetic are compiled once, when the rule file is
loaded. Only a small part of Python is accepted: names the rule set knows, literals,
arithmetic, comparisons, ``and``/``or``/``not``, ``x if c else y``, and calls of registered
functions. There is no attribute access, no subscripting, no builtins; an unknown name is an
error at load time. Durations may be written inline (``interviewed + 1 day``).

Arithmetic and ordering comparisons are None-safe: ``None + 3 days`` is ``None`` and
``None < x`` is false, so a moment that depends on a fact not yet known is simply absent.
"""

from __future__ import annotations

import ast
import keyword
import operator
import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from types import CodeType
from typing import Any, NamedTuple, TypeVar

from ..errors import Location, RuleError
from .durations import EXAMPLE, MAX_DURATION, UNIT_PATTERN, UNITS
from .exprtypes import ANY, TypeMismatch, infer

_Node = TypeVar("_Node", bound=ast.AST)
_DURATION_LITERAL = re.compile(rf"(?<![\w.'\"])(\d+)\s*{UNIT_PATTERN}\b")
#: A number and a word, as a mistyped duration looks (``2 dayz``).
_NUMBER_WORD = re.compile(r"(?<![\w.'\"])\d+\s+([A-Za-z_]\w*)")
_CMP = {ast.Lt: "_lt", ast.LtE: "_le", ast.Gt: "_gt", ast.GtE: "_ge"}
_ARITH = {ast.Add: "_add", ast.Sub: "_sub"}
_ALLOWED = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
    ast.BinOp, ast.Add, ast.Sub, ast.Compare, ast.Eq, ast.NotEq, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, *_CMP, ast.IfExp, ast.Name, ast.Load, ast.Constant, ast.Call,
    ast.Tuple, ast.List,
)  # fmt: skip


#: The longest expression a rule file may write, in characters.
MAX_LENGTH = 1000
#: How deeply an expression may nest (operators within operators, calls within calls).
MAX_NESTING = 30
#: The longest text or list an expression may make: a chain of derived names each adding
#: a name to itself would otherwise double its size at every step.
MAX_VALUE = 100_000
#: The largest number an expression may make.
MAX_NUMBER = 10**15


class ExpressionError(ValueError):
    """An expression that cannot be accepted; ``col`` is a 0-based offset into its text."""

    def __init__(self, message: str, col: int = 0) -> None:
        super().__init__(message)
        self.col = col


#: Kinds of value an operation may make that are bounded by their own type (moments, durations).
_SELF_BOUNDED = frozenset({datetime, timedelta})


def _none_safe(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        value = op(a, b)
        return value if value.__class__ in _SELF_BOUNDED else _bounded(value)

    return apply


def _bounded(value: Any) -> Any:
    """``value``, unless it is beyond what an expression may make."""
    if isinstance(value, str | list | tuple) and len(value) > MAX_VALUE:
        raise ValueError(f"it makes a value of {len(value):,} items; the most an expression may make is {MAX_VALUE:,}")
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        raise ValueError(f"it makes the number {value:.3g}; the largest an expression may make is {MAX_NUMBER:.0e}")
    return value


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(a: Any, b: Any) -> bool:
        return a is not None and b is not None and op(a, b)

    return apply


def _duration(amount: int, unit: str) -> timedelta:
    value = timedelta(seconds=min(amount, MAX_NUMBER) * UNITS[unit]) if amount <= MAX_DURATION.days * 86400 else None
    if value is None or value > MAX_DURATION:
        raise ValueError(f"{amount} {unit}s is longer than {MAX_DURATION.days} days, the longest duration")
    return value


def _earliest(*values: Any) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _latest(*values: Any) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None


#: How far ahead a date named by month and day (``not_before``) still holds a moment back.
DATE_REACH = timedelta(days=183)


def _not_before(moment: datetime | None, day: str | None) -> datetime | None:
    """``moment``, or the next ``day`` (``MM-DD``, at the same time of day) when that comes
    after it within half a year: "no answer required before 1 February" holds back an offer
    made in December, not one made in March. No ``day`` (a setting left null): ``moment``."""
    if moment is None or not day:
        return moment
    month, date = (int(part) for part in day.split("-"))
    for year in (moment.year, moment.year + 1):
        named = moment.replace(year=year, month=month, day=date)
        if moment < named <= moment + DATE_REACH:
            return named
    return moment


HELPERS: dict[str, Any] = {
    "_add": _none_safe(operator.add),
    "_sub": _none_safe(operator.sub),
    "_lt": _ordered(operator.lt),
    "_le": _ordered(operator.le),
    "_gt": _ordered(operator.gt),
    "_ge": _ordered(operator.ge),
    "_duration": _duration,
}
#: Functions every rule file may call; plugins may register more.
DEFAULT_FUNCTIONS: dict[str, Callable[..., Any]] = {"earliest": _earliest, "latest": _latest,
                                                     "not_before": _not_before}  # fmt: skip


class Expression(NamedTuple):
    """A compiled expression: call it with a mapping of names to values."""

    source: str
    names: frozenset[str]
    code: CodeType
    scope: dict[str, Any]
    #: Where it was written, for the error when it fails as it runs.
    where: Location | None = None
    #: The kind of value it gives (see :mod:`tactful.language.exprtypes`).
    kind: str = ANY

    def __call__(self, namespace: Mapping[str, Any]) -> Any:
        """The value for ``namespace``.

        Raises:
            RuleError: located where the expression was written, when it fails.
        """
        closures = getattr(namespace, "closures", None)  # a Namespace's (see tactful.language.compiled)
        if closures is not None:
            found = closures.get(id(self.code))
            if found is None or found[0] is not self.code:
                found = namespace.closure(self)  # type: ignore[attr-defined]
            if found[1] is not None:
                try:
                    return found[1](namespace)
                except Exception:  # noqa: BLE001, S110 - evaluated again below, which says what fails
                    pass
        try:
            return eval(self.code, self.scope, namespace)  # noqa: S307 - the tree was checked
        except RuleError:
            raise
        except KeyError as err:  # a name the namespace does not have, as eval reports it
            name = err.args[0] if len(err.args) == 1 else None
            shown = self.source if len(self.source) <= 60 else self.source[:60] + "…"
            why = f"name {name!r} is not defined" if name in self.names else (str(err) or "KeyError")
            raise RuleError(self.where, f"'{shown}' could not be evaluated: {why}") from None
        except Exception as err:  # noqa: BLE001 - a plugin's function may fail any way; the rule file is to blame
            shown = self.source if len(self.source) <= 60 else self.source[:60] + "…"
            raise RuleError(self.where, f"'{shown}' could not be evaluated: {err or type(err).__name__}") from None


class _Rewrite(ast.NodeTransformer):
    """Turns arithmetic and ordering comparisons into the None-safe helpers. Every node it
    makes has the position of the node it replaces, so the tree compiles as it is."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return _call(_ARITH[type(node.op)], node, node.left, node.right)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        parts: list[ast.expr] = []
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            helper = _CMP.get(type(op))
            parts.append(_call(helper, node, left, right) if helper else _at(ast.Compare(left, [op], [right]), node))
            left = right
        return parts[0] if len(parts) == 1 else _at(ast.BoolOp(ast.And(), parts), node)


def _at(new: _Node, node: ast.AST) -> _Node:
    return ast.copy_location(new, node)


def _call(name: str, node: ast.AST, *args: ast.expr) -> ast.Call:
    return _at(ast.Call(_at(ast.Name(name, ast.Load()), node), list(args), []), node)


def _check(tree: ast.AST, known: Collection[str], functions: Collection[str]) -> tuple[set[str], bool]:
    """The names ``tree`` reads (functions called aside), once every node is checked, and
    whether it has arithmetic or comparisons for :class:`_Rewrite`."""
    names: set[str] = set()
    called: set[str] = set()
    rewrite = False
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            what = type(node).__name__.lower()
            raise ExpressionError(f"'{what}' is not allowed in a rule expression", _col(node))
        if isinstance(node, ast.BinOp | ast.Compare):
            rewrite = True
        elif isinstance(node, ast.Call):
            called.add(_check_call(node, functions))
        elif isinstance(node, ast.Name) and node.id != "_duration":
            names.add(node.id)
        elif isinstance(node, ast.Constant) and type(node.value) not in (str, int, float, bool, type(None)):
            raise ExpressionError("only text, numbers, true/false and None are allowed", _col(node))
    for name in sorted(names - called):
        if name not in known:
            raise ExpressionError(_unknown(name, known), _name_col(tree, name))
    return names - called, rewrite


def _check_call(node: ast.Call, functions: Collection[str]) -> str:
    """The name of the function ``node`` calls, if it may."""
    if not isinstance(node.func, ast.Name):
        raise ExpressionError("only registered functions may be called", _col(node))
    if node.func.id == "_duration":
        return node.func.id
    if node.func.id not in functions:
        known = ", ".join(sorted(functions)) or "none"
        raise ExpressionError(f"unknown function '{node.func.id}' (known: {known})", _col(node))
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError("functions take plain positional arguments", _col(node))
    return node.func.id


def _unknown(name: str, known: Collection[str]) -> str:
    from ..errors import did_you_mean

    return f"unknown name '{name}'{did_you_mean(name, known)}"


def _col(node: ast.AST) -> int:
    return int(getattr(node, "col_offset", 0))


def _name_col(tree: ast.AST, name: str) -> int:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return _col(node)
    return 0


def _syntax_error(err: SyntaxError, text: str, source: str) -> ExpressionError:
    """Why ``text`` (``source`` with its durations rewritten) does not parse; a number and a
    word where the parser gave up is taken for a mistyped duration, such as ``2 dayz``."""
    start = max((err.offset or 1) - 1, 0)
    end = max((err.end_offset or 0) - 1, start + 1)
    for match in _NUMBER_WORD.finditer(text):
        if match.start() < end and match.end() > start and not keyword.iskeyword(match.group(1)):
            written = re.search(rf"(?<![\w.'\"]){re.escape(match.group(0))}\b", source)
            col = written.start() if written else match.start()
            return ExpressionError(f"'{match.group(0)}' is not a duration; write {EXAMPLE}", col)
    return ExpressionError(f"cannot read this expression: {err.msg}", start)


def compile_expression(
    source: object,
    known: Collection[str],
    functions: Mapping[str, Callable[..., Any]] | None = None,
    kinds: Mapping[str, str] | None = None,
    choices: Mapping[str, frozenset[str]] | None = None,
) -> Expression:
    """Check and compile ``source`` once; with ``kinds`` (each name's kind), check its types,
    and with ``choices``, the texts compared with a name that takes only those.

    Raises:
        ExpressionError: for syntax, a forbidden construct, an unknown name or function,
            operands that cannot go together, or an expression too long or too deep.
    """
    if isinstance(source, bool) or source is None:
        source = repr(source)
    if isinstance(source, int | float):
        source = str(source)
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("expected an expression such as 'calls_made < max_calls'")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(source):,} characters long; the most is {MAX_LENGTH:,}")
    functions = DEFAULT_FUNCTIONS if functions is None else functions
    if "__" in source or re.search(r"(?<![\w'\"])_\w", source):
        raise ExpressionError("names may not start with '_'", max(source.find("_"), 0))
    text = _durations_as_calls(source.strip())
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise _syntax_error(err, text, source.strip()) from None
    except (MemoryError, RecursionError):
        raise ExpressionError(f"the expression nests more than {MAX_NESTING} levels deep") from None
    _check_nesting(tree)
    names, rewrite = _check(tree, known, functions)
    try:
        kind = infer(tree, kinds, functions, choices) if kinds is not None else ANY
    except TypeMismatch as err:
        raise ExpressionError(str(err), err.col) from None
    tree = _Rewrite().visit(tree) if rewrite else tree
    code = compile(tree, "<rule expression>", "eval")
    scope: dict[str, Any] = {"__builtins__": {}, **HELPERS, **functions}
    return Expression(source.strip(), frozenset(names), code, scope, kind=kind)


def _durations_as_calls(text: str) -> str:
    """``text`` with each inline duration (``3 days``) written as the call that makes it."""
    return _DURATION_LITERAL.sub(lambda m: f"_duration({m.group(1)}, '{m.group(2)}')", text)


def evaluated_tree(expression: Expression) -> ast.Expression:
    """The tree ``expression``'s code was compiled from (durations as calls, arithmetic and
    ordering comparisons None-safe), read again from its source, which was checked then."""
    tree: ast.Expression = _Rewrite().visit(ast.parse(_durations_as_calls(expression.source), mode="eval"))
    return tree


def _check_nesting(tree: ast.AST) -> None:
    """Refuse a tree deeper than :data:`MAX_NESTING`, before anything walks it recursively."""
    level = [(tree, 0)]
    while level:
        node, depth = level.pop()
        if depth > MAX_NESTING:
            raise ExpressionError(f"the expression nests more than {MAX_NESTING} levels deep", _col(node))
        level.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
