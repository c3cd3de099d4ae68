"""Jinja2's sandbox with a bounded cost: what a template makes, and how long it takes.

The sandbox already keeps a template away from Python's internals and caps ``range`` at
100,000. A shared template could still ask for ``{{ 'a' * 1000000000 }}``, join a text to
itself thirty times, pad to a width of a billion or loop for minutes. Here every operator,
join, call and filter that can make a large value is checked before it runs, no value may
exceed :data:`MAX_TEMPLATE_VALUE` characters (what it holds counted too), and a render stops
after :data:`RENDER_SECONDS`: every hook of the sandbox and every loop looks at a deadline of
the thread's own, so the limit holds in any thread and needs no signal. Each refusal is a
:class:`TemplateCost` error, reported by the renderer at the template's ``file:line``.

This module imports Jinja2: import it only where drafts are made or templates checked.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import Environment, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment

#: The most characters (or items) any value in a template, and a whole draft, may have.
MAX_TEMPLATE_VALUE = 100_000
#: How long one draft may take to render, in seconds.
RENDER_SECONDS = 1.0
_WIDE = re.compile(r"\d{6,}|\*")  # a width or precision in a format string, or one taken from an argument
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_CONTEXTS = (Environment, EvalContext, Context)  # what Jinja2 passes a filter before its value
#: How often a loop looks at the clock, in iterations.
_LOOK_EVERY = 256


class TemplateCost(SecurityError):
    """A template that would make too large a value or take too long."""


class _Budget(threading.local):
    """The current thread's render deadline (a ``time.monotonic()`` value), or none."""

    deadline: float | None = None
    seconds: float = RENDER_SECONDS


_budget = _Budget()


def check_time() -> None:
    """Stop the render of this thread when its time is up: every hook of the sandbox (calls,
    operators, attributes, filters, each loop's iterations) looks, so the limit holds in any
    thread, a web server's or an embedding app's worker included, with no signal."""
    deadline = _budget.deadline
    if deadline is not None and time.monotonic() > deadline:
        raise _too_slow(_budget.seconds)


def measure(value: Any, limit: int = MAX_TEMPLATE_VALUE) -> int:
    """The characters and items of ``value``, nested values included, counted up to just past
    ``limit``: a list holding one long text 100,000 times is as large as its text would be."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, _SIZED):
            total += len(item)
            stack.extend(item.items() if isinstance(item, dict) else itertools.islice(item, limit - total + 1))
    return total


def check_size(value: Any) -> Any:
    """``value``, unless it (with what it holds) is beyond :data:`MAX_TEMPLATE_VALUE`."""
    if isinstance(value, _SIZED) and (size := measure(value)) > MAX_TEMPLATE_VALUE:
        raise _too_large(size)
    return value


def _too_large(size: int, what: str = "it makes a value") -> TemplateCost:
    shown = f"{size:,}" if size <= MAX_TEMPLATE_VALUE + 1 else f"more than {MAX_TEMPLATE_VALUE:,}"
    return TemplateCost(f"{what} of {shown} characters or items; the most a template may make is "
                        f"{MAX_TEMPLATE_VALUE:,}")  # fmt: skip


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    check_time()
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_VALUE:
            raise TemplateCost(f"the number {value:,} is too large for a template; the most is {MAX_TEMPLATE_VALUE:,}")
        check_size(value)


# -- what a text operation would make, before it is made -----------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _replace_size(s: Any, old: Any = "", new: Any = "", *rest: Any) -> int:
    s, old, new = _text(s), _text(old), _text(new)
    found = s.count(old) if old else len(s) + 1
    return len(s) + found * max(len(new) - len(old), 0)


def _join_size(items: Any, sep: Any = "", *rest: Any) -> int:
    items = list(items) if isinstance(items, _SIZED) else []
    return sum(measure(item) for item in items) + len(_text(sep)) * max(len(items) - 1, 0)


def _indent_size(s: Any, width: Any = 4, *rest: Any) -> int:
    step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    return len(_text(s)) + (_text(s).count("\n") + 1) * step


def _wordwrap_size(s: Any, width: Any = 79, long: Any = True, wrap: Any = None, *rest: Any) -> int:
    breaks = len(_text(s)) // max(width if isinstance(width, int) else 1, 1) + _text(s).count("\n") + 1
    return len(_text(s)) + breaks * max(len(_text(wrap)), 1)


def _tabs_size(s: Any, tabsize: Any = 8, *rest: Any) -> int:
    return len(_text(s)) + _text(s).count("\t") * (tabsize if isinstance(tabsize, int) else 8)


def _refused(*args: Any) -> int:
    raise TemplateCost("'translate' is not allowed in a template")


#: For the filters and text methods that can make far more than they are given, how large
#: their result would be, from their arguments (the text first).
_GROWTH: dict[str, Callable[..., int]] = {"replace": _replace_size, "join": _join_size, "indent": _indent_size,
                                          "wordwrap": _wordwrap_size, "expandtabs": _tabs_size,
                                          "translate": _refused, "maketrans": _refused}  # fmt: skip


def _check_growth(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """``args`` (an iterator to join made a list), once what ``name`` would make is in bounds."""
    estimate = _GROWTH.get(name)
    if estimate is None:
        return args
    if name == "join" and args and not isinstance(args[0], _SIZED):  # a generator, such as map's
        args = (list(itertools.islice(args[0], MAX_TEMPLATE_VALUE + 1)), *args[1:])
        check_size(args[0])
    size = estimate(*args, *kwargs.values())
    if size > MAX_TEMPLATE_VALUE:
        raise _too_large(size, f"'{name}' would make a text")
    return args


def bounded_filter(function: Callable[..., Any], name: str = "") -> Callable[..., Any]:
    """``function`` (the filter ``name``) with its arguments, its growth and its result checked."""

    @functools.wraps(function)
    def apply(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs)
        lead = 1 if args and isinstance(args[0], _CONTEXTS) else 0
        data = _check_growth(name, args[lead:], kwargs)
        return check_size(function(*args[:lead], *data, **kwargs))

    return apply


def _product_size(left: Any, right: Any) -> int:
    if isinstance(left, int) and not isinstance(left, bool) and isinstance(right, _SIZED):
        left, right = right, left
    if isinstance(left, _SIZED) and isinstance(right, int):
        return measure(left) * max(right, 0)
    return 0


class BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join that checks its size before it is made, and every ``for``
    to a loop that looks at the clock as it goes."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        timed = nodes.Call(nodes.EnvironmentAttribute("bounded_iter"), [node.iter], [], None, None, lineno=node.lineno)
        super().visit_For(nodes.For(node.target, timed, node.body, node.else_, node.test, node.recursive,
                                    lineno=node.lineno), frame)  # fmt: skip


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, with the cost of what a template does bounded. It is the immutable
    sandbox: a template cannot append to a list it loops over."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_time()
        if operator == "**" and (not isinstance(right, int | float) or abs(right) > 64):
            raise TemplateCost("'**' may raise a number to a power of at most 64 in a template")
        if operator == "*" and (size := _product_size(left, right)) > MAX_TEMPLATE_VALUE:
            raise _too_large(size, "'*' would make a value")
        if operator == "%" and isinstance(left, str) and _WIDE.search(left):
            raise TemplateCost("a '%' format with a large or '*' width is not allowed in a template")
        if operator in ("%", "+"):
            check_size((left, right))  # '%' writes its arguments out
        return check_size(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        owner = getattr(value, "__self__", None)
        if (
            getattr(value, "__name__", "") in ("format", "format_map")
            and isinstance(owner, str)
            and _WIDE.search(owner)
        ):
            return _refuse_wide
        return super().wrap_str_format(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's own names
        _check_arguments(args, kwargs)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str | bytes):
            args = _check_growth(getattr(__obj, "__name__", ""), (owner, *args), kwargs)[1:]
        elif isinstance(owner, LoopContext) and args:  # a recursive loop's next level
            args = (__self.bounded_iter(args[0]), *args[1:])
        return check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_time()
        return super().getitem(obj, argument)

    def bounded_join(self, parts: tuple[Any, ...]) -> str:
        check_time()
        if measure(parts) > MAX_TEMPLATE_VALUE + len(parts):
            raise TemplateCost(f"'~' would make a text of more than {MAX_TEMPLATE_VALUE:,} characters")
        texts = [str(part) for part in parts]
        if sum(map(len, texts)) > MAX_TEMPLATE_VALUE:
            raise TemplateCost(f"'~' would make a text of more than {MAX_TEMPLATE_VALUE:,} characters")
        return "".join(texts)

    @staticmethod
    def bounded_iter(iterable: Any) -> Iterator[Any]:
        """The items of a ``for`` loop, looking at the clock every few of them."""
        for count, item in enumerate(iterable):
            if count % _LOOK_EVERY == 0:
                check_time()
            yield item


def _refuse_wide(*args: Any, **kwargs: Any) -> str:
    raise TemplateCost("a format with a large or '*' width is not allowed in a template")


def render_bounded(chunks: Iterator[str], seconds: float = RENDER_SECONDS) -> str:
    """Join what a template's ``generate()`` yields, within the size and time bounds.

    The time limit is this thread's own (see :func:`check_time`), so renders in several
    threads at once each have theirs.

    Raises:
        TemplateCost: when the draft grows too large or takes too long.
    """
    out: list[str] = []
    size = 0
    outer = _budget.deadline, _budget.seconds  # a render inside a render keeps the outer limit too
    deadline = time.monotonic() + seconds  # a cost budget, not the time of day
    _budget.deadline, _budget.seconds = min(deadline, outer[0] or deadline), seconds
    try:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_TEMPLATE_VALUE:
                raise TemplateCost(f"the draft is longer than {MAX_TEMPLATE_VALUE:,} characters")
            check_time()
            out.append(chunk)
    finally:
        _budget.deadline, _budget.seconds = outer
    return "".join(out)


def _too_slow(seconds: float) -> TemplateCost:
    return TemplateCost(f"it took more than {seconds:g} second{'s' if seconds != 1 else ''} to render")
