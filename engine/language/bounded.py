"""Jinja2's sandbox with a bounded cost: what a template makes, and how long it takes.

The sandbox already keeps a template away from Python's internals and caps ``range`` at
100,000. A shared template could still ask for ``{{ 'a' * 1000000000 }}``, join a text to
itself thirty times, pad to a width of a billion or loop for minutes. Here every operator,
join, call and filter that can make a large value is checked before it runs, no value may
exceed :data:`MAX_TEMPLATE_VALUE` characters, and a render stops after
:data:`RENDER_SECONDS`. Each refusal is a :class:`TemplateCost` error, reported by the
renderer at the template's ``file:line``.

This module imports Jinja2: import it only where drafts are made or templates checked.
"""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

#: The most characters (or items) any value in a template, and a whole draft, may have.
MAX_TEMPLATE_VALUE = 100_000
#: How long one draft may take to render, in seconds.
RENDER_SECONDS = 1.0
_WIDE = re.compile(r"\d{6,}|\*")  # a width or precision in a format string, or one taken from an argument


class TemplateCost(SecurityError):
    """A template that would make too large a value or take too long."""


def check_size(value: Any) -> Any:
    """``value``, unless it is text or a collection beyond :data:`MAX_TEMPLATE_VALUE`."""
    if isinstance(value, str | list | tuple | dict | set) and len(value) > MAX_TEMPLATE_VALUE:
        raise TemplateCost(f"it makes a value of {len(value):,} characters or items; "
                           f"the most a template may make is {MAX_TEMPLATE_VALUE:,}")  # fmt: skip
    return value


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_VALUE:
            raise TemplateCost(f"the number {value:,} is too large for a template; the most is {MAX_TEMPLATE_VALUE:,}")
        check_size(value)


def bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (a filter) with its arguments and its result checked."""

    @functools.wraps(function)
    def apply(*args: Any, **kwargs: Any) -> Any:
        _check_arguments(args, kwargs)
        return check_size(function(*args, **kwargs))

    return apply


def _product_size(left: Any, right: Any) -> int:
    if isinstance(left, int) and not isinstance(left, bool) and isinstance(right, str | list | tuple):
        left, right = right, left
    if isinstance(left, str | list | tuple) and isinstance(right, int):
        return len(left) * max(right, 0)
    return 0


class BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join that checks its size before it is made."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, with the cost of what a template does bounded."""

    code_generator_class = BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and (not isinstance(right, int | float) or abs(right) > 64):
            raise TemplateCost("'**' may raise a number to a power of at most 64 in a template")
        if operator == "*" and _product_size(left, right) > MAX_TEMPLATE_VALUE:
            raise TemplateCost(f"'*' would make a value of {_product_size(left, right):,} characters or items; "
                               f"the most a template may make is {MAX_TEMPLATE_VALUE:,}")  # fmt: skip
        if operator == "%" and isinstance(left, str) and _WIDE.search(left):
            raise TemplateCost("a '%' format with a large or '*' width is not allowed in a template")
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
        return check_size(super().call(__context, __obj, *args, **kwargs))

    def bounded_join(self, parts: tuple[Any, ...]) -> str:
        texts = [str(part) for part in parts]
        if sum(map(len, texts)) > MAX_TEMPLATE_VALUE:
            raise TemplateCost(f"'~' would make a text of more than {MAX_TEMPLATE_VALUE:,} characters")
        return "".join(texts)


def _refuse_wide(*args: Any, **kwargs: Any) -> str:
    raise TemplateCost("a format with a large or '*' width is not allowed in a template")


def render_bounded(chunks: Iterator[str], seconds: float = RENDER_SECONDS) -> str:
    """Join what a template's ``generate()`` yields, within the size and time bounds.

    Raises:
        TemplateCost: when the draft grows too large or takes too long.
    """
    out: list[str] = []
    size = 0
    deadline = time.monotonic() + seconds  # a cost budget, not the time of day
    with _alarm(seconds):
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_TEMPLATE_VALUE:
                raise TemplateCost(f"the draft is longer than {MAX_TEMPLATE_VALUE:,} characters")
            if time.monotonic() > deadline:
                raise _too_slow(seconds)
            out.append(chunk)
    return "".join(out)


def _too_slow(seconds: float) -> TemplateCost:
    return TemplateCost(f"it took more than {seconds:g} second{'s' if seconds != 1 else ''} to render")


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Interrupt a single long step too, where a signal can (the main thread, on Unix)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise _too_slow(seconds)

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
