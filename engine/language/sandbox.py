"""The Jinja2 sandbox message templates are checked and rendered in.

Templates are Jinja2 text (docs/rules.md, ``templates``). They run in Jinja2's
``SandboxedEnvironment`` with ``StrictUndefined``, no autoescaping (drafts are plain text),
no loader (a template cannot include files) and no globals, so a shared rule file cannot
reach Python internals, and a name a template does not know is an error, never a blank in
a letter. The same checks run when a rule set is validated and before a template is first
used: syntax, unknown names, filters and tests, attributes starting with ``_``, include and
import. Rendering happens in :mod:`tactful.runtime.drafts`.

This module imports Jinja2: import it only where drafts are made or templates checked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from ..errors import Location, RuleError, RuleErrors, did_you_mean
from .bounded import MAX_TEMPLATE_VALUE, BoundedEnvironment, bounded_filter, check_size
from .durations import format_duration
from .ruleset import BUILTIN_NAMES, CORE_FACTS, PORTFOLIO_NAMES, TEMPLATE_NAMES, RuleSet, Template

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
DAY_START = "_day_start"  # passed to every render so a date fact prints without its 09:00


# -- the environment -------------------------------------------------------------------


def day(value: date | datetime | None) -> str:
    """``Monday, May 4``: a date the way a letter gives it."""
    return "" if value is None else f"{value:%A}, {value:%B} {value.day}"


def clock(value: datetime | time | None) -> str:
    """``14:30``: a time of day, in the interviewer's zone."""
    return "" if value is None else f"{value:%H:%M}"


@jinja2.pass_context
def _finalize(context: Any, value: Any) -> Any:
    """How a value prints: nothing for None, dates as in a letter, durations in words."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        start = context.get(DAY_START)
        return day(value) if start is None or value.time() == start else f"{day(value)} at {clock(value)}"
    if isinstance(value, date):
        return day(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    return check_size(value)  # before it is written out: a list may hold one long text many times


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one sandboxed environment every template is checked and rendered in."""
    env = BoundedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        lstrip_blocks=True,  # not trim_blocks: a tag ending a line must not swallow its newline
        finalize=_finalize,
    )
    env.globals.clear()
    env.filters.update(date=day, time=clock)
    env.filters.pop("format", None)  # its widths hide inside the text; '~' joins text
    env.filters = {name: bounded_filter(function, name) for name, function in env.filters.items()}
    return env


class _AnyName(dict[str, Any]):
    """Filters or tests that claim every name, so Jinja2's name finder (which compiles the
    template) does not stop at an unknown filter; those are reported on their own."""

    def __contains__(self, key: object) -> bool:
        return True

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key) or _any_filter


def _any_filter(value: Any, *args: Any, **kwargs: Any) -> Any:
    return value


@functools.cache
def _lenient() -> SandboxedEnvironment:
    env = environment().overlay()
    env.filters = _AnyName(env.filters)
    env.tests = _AnyName(env.tests)
    return env


# -- checking --------------------------------------------------------------------------


def scope_of(rs: RuleSet) -> frozenset[str]:
    """Every name a template of ``rs`` may use."""
    return frozenset(CORE_FACTS).union(rs.facts, rs.settings, rs.derived, PORTFOLIO_NAMES, BUILTIN_NAMES,
                                       TEMPLATE_NAMES)  # fmt: skip


def template_errors(templates: Iterable[Template], scope: Collection[str]) -> list[RuleError]:
    """Every problem in the text of ``templates``, each at its ``file:line:col``."""
    errors: list[RuleError] = []
    for template in templates:
        if not template.alternatives:
            errors += _problems(template, frozenset(scope))[1]
    return errors


def _problems(template: Template, scope: frozenset[str]) -> tuple[nodes.Template | None, list[RuleError]]:
    try:
        tree = _lenient().parse(template.source)
    except jinja2.TemplateSyntaxError as err:
        return None, [RuleError(locate(template, err.lineno), f"template '{template.name}': {err.message}")]
    found = [*_unknown_names(template, tree, scope), *_unknown_filters(template, tree), *_internals(template, tree),
             *_costly(template, tree)]  # fmt: skip
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        found.append(
            RuleError(locate(template, node.lineno), "a template cannot include, import or extend other files")
        )
    return tree, found


def _unknown_names(template: Template, tree: nodes.Template, scope: frozenset[str]) -> Iterator[RuleError]:
    for name in sorted(meta.find_undeclared_variables(tree) - scope):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        hint = did_you_mean(name, sorted(scope))
        yield RuleError(locate(template, line, name), f"unknown name '{name}' in template '{template.name}'{hint}")


def _unknown_filters(template: Template, tree: nodes.Template) -> Iterator[RuleError]:
    env = environment()
    used = [("filter", f.name, f.lineno, env.filters) for f in tree.find_all(nodes.Filter)]
    used += [("test", t.name, t.lineno, env.tests) for t in tree.find_all(nodes.Test)]
    for kind, name, line, known in used:
        if name not in known:
            yield RuleError(locate(template, line, name), f"unknown {kind} '{name}' in template '{template.name}'")


def _internals(template: Template, tree: nodes.Template) -> Iterator[RuleError]:
    """Attributes and keys starting with '_': the sandbox refuses them too, but later."""
    keys = [(a.attr, a.lineno) for a in tree.find_all(nodes.Getattr)]
    keys += [(i.arg.value, i.lineno) for i in tree.find_all(nodes.Getitem) if isinstance(i.arg, nodes.Const)]
    for key, line in keys:
        if isinstance(key, str) and key.startswith("_"):
            yield RuleError(locate(template, line, key), f"'{key}' is not allowed in a template: it reaches internals")


def _costly(template: Template, tree: nodes.Template) -> Iterator[RuleError]:
    """Numbers and widths beyond what a template may make, and powers: refused at load,
    before a render would have to stop them (see :mod:`tactful.language.bounded`)."""
    for node in tree.find_all((nodes.Const, nodes.Pow)):
        value = getattr(node, "value", None)
        if isinstance(node, nodes.Pow):
            problem = "'**' is not allowed in a template"
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_VALUE:
            problem = f"the number {value:,} is too large for a template; the most is {MAX_TEMPLATE_VALUE:,}"
        elif isinstance(value, str) and re.search(r"\d{6,}", value) and ("%" in value or "{" in value):
            problem = "a format width that large is not allowed in a template"
        else:
            continue
        yield RuleError(locate(template, node.lineno), f"template '{template.name}': {problem}")


def locate(template: Template, line: int, word: str | None = None) -> Location:
    """Where line ``line`` (1-based) of a template, at ``word`` if given, was written."""
    lines = template.source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    col = 1
    spans = [(m.start(), m.group()) for m in _TAG.finditer(text)] or [(0, text)]
    if word is not None:
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
        hits = [start + m.start() for start, span in spans if (m := pattern.search(span))]
        col = hits[0] + 1 if hits else col
    elif spans[0][1] is not text:
        col = spans[0][0] + 1
    where = template.where
    return Location(where.path, where.line + line - 1, where.col + col - 1)


def compiled(template: Template, scope: frozenset[str]) -> tuple[jinja2.Template, frozenset[str]]:
    """The template ready to render and the names it reads, compiled once per text.

    Raises:
        RuleErrors: for any problem :func:`template_errors` reports.
    """
    return _compile(template.name, template.source, template.where, scope)


@functools.lru_cache(maxsize=256)
def _compile(name: str, source: str, where: Location, scope: frozenset[str]) -> tuple[jinja2.Template, frozenset[str]]:
    tree, errors = _problems(Template(name, source, where), scope)
    if errors or tree is None:
        raise RuleErrors(errors)
    names = frozenset(meta.find_undeclared_variables(tree))
    return environment().from_string(source), names
