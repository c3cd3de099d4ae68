"""Rule expressions as plain Python functions of a namespace, made once per rule set.

:meth:`Expression.__call__ <tactful.language.expr.Expression.__call__>` could evaluate its
code with ``eval`` in a :class:`~tactful.language.namespace.Namespace`, where every name read
is a lookup through the namespace and a derived name is one more ``eval``: over a tick of
100,000 applications, most of the cost of working out their advice. Here the same checked
tree becomes, once per rule set, a function of the namespace in which each name is read
where the namespace would find it: a setting is a constant, a fact is read from the facts,
a derived name or a built-in one is worked out once and remembered in the namespace, as
the namespace itself remembers it.

Only a namespace without event parameters or extra names takes this path (those decide
names differently), and only an expression whose every name the rule set knows. Whatever
fails on the way (a fact that does not read, a function that raises) is evaluated again
with ``eval``, which raises the error, located, as it always did: expressions are pure, so
evaluating one twice changes nothing. A property test holds the two paths to the same
values at every step of random job searches.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from .expr import Expression, evaluated_tree

#: A :class:`~tactful.language.namespace.Namespace` (which imports this module).
Namespace = Any

_UNSET: Any = object()
Compiled = Callable[[Namespace], Any]
Sources = Mapping[str, tuple[str | None, Any]]


def compiled(table: dict[int, Any], sources: Sources, expression: Expression) -> tuple[Any, Compiled | None]:
    """``(code, closure)`` of ``expression`` under the rule set whose names (``sources``) are
    given, made and kept in ``table`` by the id of the expression's code (hashing a code object
    hashes all of it; the code is kept with it, so that its id stays its own); the closure is
    None where there is none."""
    code = expression.code
    found = table.get(id(code))
    if found is None or found[0] is not code:
        found = table[id(code)] = (code, _build(table, sources, expression, set()))
    return found


def _build(table: dict[Any, Any], sources: Sources, expression: Expression, path: set[str]) -> Compiled | None:
    """The bare closure of ``expression`` (derived names it reads built in turn; ``path``: the
    derived names being built, a loop has no closure), or None."""
    known = table.get(id(expression.code))
    if known is not None and known[0] is expression.code:
        done: Compiled | None = known[1]
        return done
    tree = evaluated_tree(expression)
    scope: dict[str, Any] = dict(expression.scope)
    locals_: dict[str, tuple[str, bool]] = {}  # name -> (its local in the scope, whether it is called)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name):
            continue
        name = node.id
        kind, detail = sources.get(name, (None, None))
        if name in expression.scope and name not in expression.names:  # a function or helper, unless shadowed
            if kind is not None:
                return None
            continue
        if name in locals_:
            continue
        local = f"_r{len(locals_)}"
        if kind == "setting":  # the same for every application: a constant of the function
            scope[local], locals_[name] = detail, (local, False)
            continue
        reader = _reader(table, sources, name, kind, detail, path)
        if reader is None:
            return None
        scope[local], locals_[name] = reader, (local, True)
    body = _Names(locals_).visit(tree).body
    function = ast.Expression(ast.Lambda(ast.arguments([], [ast.arg("ns")], None, [], [], None, []), body))
    made: Compiled = eval(compile(ast.fix_missing_locations(function), "<rule expression>", "eval"), scope)  # noqa: S307
    table[id(expression.code)] = (expression.code, made)
    return made


class _Names(ast.NodeTransformer):
    """Each name read becomes its constant, or a call of its reader with the namespace."""

    def __init__(self, locals_: Mapping[str, tuple[str, bool]]) -> None:
        self.locals = locals_

    def visit_Name(self, node: ast.Name) -> ast.AST:
        found = self.locals.get(node.id)
        if found is None:
            return node
        local, called = found
        value: ast.expr = ast.Name(local, ast.Load())
        if called:
            value = ast.Call(value, [ast.Name("ns", ast.Load())], [])
        return ast.copy_location(value, node)


def _reader(table: dict[Any, Any], sources: Sources, name: str, kind: str | None, detail: Any,
            path: set[str]) -> Compiled | None:  # fmt: skip
    """How a namespace gives ``name``, as :meth:`Namespace._compute` does for it (remembered in
    the namespace as there), or None."""
    if kind == "fact":
        fact_kind, default = detail
        if fact_kind not in ("date", "datetime"):
            return lambda ns: ns.facts.get(name, default)

        def moment(ns: Namespace) -> Any:
            value = ns.facts.get(name, default)
            if value is None:
                return None
            cache = ns._cache
            known = cache.get(name, _UNSET)
            if known is _UNSET:
                known = cache[name] = ns.typed(fact_kind, value)
            return known

        return moment
    if kind == "builtin":
        return _remembered(name, lambda ns: detail(ns, name))
    if kind != "derived" or not isinstance(detail, Expression) or name in path:
        return None
    inner = _build(table, sources, detail, path | {name})
    return None if inner is None else _remembered(name, inner)


def _remembered(name: str, work_out: Compiled) -> Compiled:
    """``work_out``, remembered in the namespace under ``name`` (as a namespace remembers
    the names it was asked for)."""

    def reader(ns: Namespace) -> Any:
        cache = ns._cache
        known = cache.get(name, _UNSET)
        if known is _UNSET:
            known = cache[name] = work_out(ns)
        return known

    return reader
