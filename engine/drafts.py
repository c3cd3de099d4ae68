"""Message drafts: a rule set's templates rendered with one application's facts, sandboxed.

Templates are Jinja2 text (docs/rules.md, ``templates``). They run in Jinja2's
``SandboxedEnvironment`` with ``StrictUndefined``, no autoescaping (drafts are plain text),
no loader (a template cannot include files) and no globals, so a shared rule file cannot
reach Python internals, and a name a template does not know is an error, never a blank in
a letter. The same checks run when a rule set is validated and before a template is first
used: syntax, unknown names, filters and tests, attributes starting with ``_``, include and
import. Rendering is pure: ``now`` is passed in, and nothing is read or written.

A template may start with a ``Subject:`` line: it becomes the draft's subject on a written
channel and is dropped for a call. Trailing spaces are dropped and runs of blank lines fold
into one, so a line holding only a ``{% if %}`` tag, or a paragraph left out (no news
recorded, no decision date given), leaves no gap.

This module imports Jinja2: import it only where drafts are made or templates checked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from . import core
from .durations import format_duration
from .errors import InputError, Location, Refused, RuleError, RuleErrors, did_you_mean
from .namespace import EMPTY_PORTFOLIO, Namespace, Portfolio
from .records import Advised, Application, Draft
from .ruleset import BUILTIN_NAMES, CORE_FACTS, PORTFOLIO_NAMES, TEMPLATE_NAMES, RuleSet, Template

#: Channels whose draft is spoken (a script), so it has no subject.
SPOKEN = frozenset({"call"})
_SUBJECT = re.compile(r"subject:\s*(.*)", re.IGNORECASE)
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_DAY_START = "_day_start"  # passed to every render so a date fact prints without its 09:00


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
        start = context.get(_DAY_START)
        return day(value) if start is None or value.time() == start else f"{day(value)} at {clock(value)}"
    if isinstance(value, date):
        return day(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    return value


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one sandboxed environment every template is checked and rendered in."""
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        lstrip_blocks=True,  # not trim_blocks: a tag ending a line must not swallow its newline
        finalize=_finalize,
    )
    env.globals.clear()
    env.filters.update(date=day, time=clock)
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
        return None, [RuleError(_at(template, err.lineno), f"template '{template.name}': {err.message}")]
    found = [*_unknown_names(template, tree, scope), *_unknown_filters(template, tree), *_internals(template, tree)]
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        found.append(RuleError(_at(template, node.lineno), "a template cannot include, import or extend other files"))
    return tree, found


def _unknown_names(template: Template, tree: nodes.Template, scope: frozenset[str]) -> Iterator[RuleError]:
    for name in sorted(meta.find_undeclared_variables(tree) - scope):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        hint = did_you_mean(name, sorted(scope))
        yield RuleError(_at(template, line, name), f"unknown name '{name}' in template '{template.name}'{hint}")


def _unknown_filters(template: Template, tree: nodes.Template) -> Iterator[RuleError]:
    env = environment()
    used = [("filter", f.name, f.lineno, env.filters) for f in tree.find_all(nodes.Filter)]
    used += [("test", t.name, t.lineno, env.tests) for t in tree.find_all(nodes.Test)]
    for kind, name, line, known in used:
        if name not in known:
            yield RuleError(_at(template, line, name), f"unknown {kind} '{name}' in template '{template.name}'")


def _internals(template: Template, tree: nodes.Template) -> Iterator[RuleError]:
    """Attributes and keys starting with '_': the sandbox refuses them too, but later."""
    keys = [(a.attr, a.lineno) for a in tree.find_all(nodes.Getattr)]
    keys += [(i.arg.value, i.lineno) for i in tree.find_all(nodes.Getitem) if isinstance(i.arg, nodes.Const)]
    for key, line in keys:
        if isinstance(key, str) and key.startswith("_"):
            yield RuleError(_at(template, line, key), f"'{key}' is not allowed in a template: it reaches internals")


def _at(template: Template, line: int, word: str | None = None) -> Location:
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


def _compiled(template: Template, scope: frozenset[str]) -> tuple[jinja2.Template, frozenset[str]]:
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


# -- rendering -------------------------------------------------------------------------


def due_action(rs: RuleSet, advised: Sequence[Advised]) -> str | None:
    """The first of ``advised`` (soonest first) that contacts someone and has a template."""
    for item in advised:
        action = rs.actions.get(item.action)
        if action is not None and action.contact and item.action in rs.templates:
            return item.action
    return None


def render(
    rs: RuleSet, app: Application, now: datetime, name: str | None = None, portfolio: Portfolio = EMPTY_PORTFOLIO
) -> list[Draft]:
    """The drafts for the template ``name`` (an action, or one of an action's alternatives),
    or for what is due; one draft, or one per alternative (``decide_offer``: accept, decline).

    ``app`` must be caught up to ``now``.

    Raises:
        InputError: when ``name`` is neither an action nor a template.
        Refused: when the action has no template, or nothing advised has one.
        RuleErrors: for a problem in the template, at its ``file:line:col``.
    """
    if name is None:
        name = due_action(rs, core.advise(rs, app, now, portfolio))
        if name is None:
            raise Refused(f"nothing to draft for #{app.id}: nothing advised now contacts anyone "
                          f"({app.state.replace('_', ' ')}); name an action to draft it anyway")  # fmt: skip
    template = rs.templates.get(name)
    if template is None:
        have = ", ".join(sorted(rs.templates)) or "none"
        if name in rs.actions:
            raise Refused(f"'{name}' has no message to draft; drafts exist for: {have}")
        raise InputError(f"unknown action '{name}'; drafts exist for: {have}")
    ns = Namespace(rs, app, now, portfolio=portfolio)
    parts = [rs.templates[n] for n in template.alternatives] or [template]
    return [_draft(rs, app, part, ns) for part in parts]


def _draft(rs: RuleSet, app: Application, template: Template, ns: Namespace) -> Draft:
    compiled, names = _compiled(template, scope_of(rs))
    channel = _channel(rs, template, ns)
    values = {name: ns[name] for name in names - TEMPLATE_NAMES}
    values.update(action=template.name, channel=channel)
    text = render_text(template, compiled, {**values, _DAY_START: rs.calendar.start})
    subject, body = _split(text, channel)
    return Draft(app.id, template.name, channel, subject, body)


def _channel(rs: RuleSet, template: Template, ns: Namespace) -> str | None:
    if template.channel is not None:
        chosen = template.channel(ns)
        return str(chosen) if chosen else None
    action = rs.actions.get(template.name)
    return action.channels[0] if action is not None and action.channels else None


def render_text(template: Template, compiled: jinja2.Template, values: Mapping[str, Any]) -> str:
    """The text ``compiled`` (made from ``template``) gives for ``values``, in the sandbox.

    Raises:
        RuleErrors: when the template fails or the sandbox refuses it, at its ``file:line``.
    """
    try:
        return compiled.render(values)
    except (jinja2.TemplateError, ArithmeticError, AttributeError, LookupError, TypeError, ValueError) as err:
        line, tb = 1, err.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == "<template>":
                line = tb.tb_lineno
            tb = tb.tb_next
        problem = RuleError(_at(template, line), f"template '{template.name}' failed: {err}")
        raise RuleErrors([problem]) from None


def _split(text: str, channel: str | None) -> tuple[str | None, str]:
    """The subject (from a first ``Subject:`` line; none for a call) and the tidied body."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    subject = None
    match = _SUBJECT.fullmatch(lines[0].strip()) if lines else None
    if match:
        subject = match.group(1).strip() or None
        lines = lines[1:]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return (None if channel in SPOKEN else subject), body
