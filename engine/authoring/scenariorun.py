"""Running scenarios: playing one through an engine, and reporting what did not hold.

:func:`run` plays a :class:`~tactful.authoring.scenarios.Scenario` through an
:class:`~tactful.engine.Engine` over a :class:`~tactful.stores.store.MemoryStore` and a
:class:`~tactful.authoring.testing.FakeClock`, stopping at the first step whose expectations fail;
each failed expectation is a :class:`Mismatch`. :func:`describe` turns one into lines (a diff
for lists) and :func:`summary` gives the last line of a run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, Location, Refused
from ..language.rulebook import RuleBook
from ..language.ruleset import RuleSet
from ..vocabulary.records import Recorded, Verdict
from .scenarios import Scenario
from .scenariosteps import CanExpect, Expect, Step, parse_moment

if TYPE_CHECKING:
    from ..engine import Engine


@dataclass(frozen=True)
class Mismatch:
    """An expectation that did not hold: what was expected and what happened, as lines."""

    what: str
    expected: tuple[str, ...]
    got: tuple[str, ...]
    where: Location
    step: Step


@dataclass(frozen=True)
class Outcome:
    """How one scenario went; it passed when nothing mismatched."""

    scenario: Scenario
    mismatches: tuple[Mismatch, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.mismatches


# -- running -------------------------------------------------------------------------------


def run(scenario: Scenario, book: RuleBook) -> Outcome:
    """Play ``scenario`` on a fresh in-memory engine; stop at the first step that fails."""
    from ..engine import Engine
    from ..stores.store import MemoryStore
    from .testing import FakeClock

    clock = FakeClock(scenario.start)
    engine = Engine(MemoryStore(), clock, book)
    ids = {}
    for label, facts in scenario.applications.items():
        given = {k: v for k, v in facts.items() if k != "company"}
        ids[label] = engine.add(str(facts["company"]), rules=scenario.rules, **given).id or 0
    for step in scenario.steps:
        clock.set(step.now)
        mismatches = _play(engine, ids[step.app], step, scenario.zones[step.app])
        if mismatches:
            return Outcome(scenario, tuple(mismatches))
    return Outcome(scenario)


class TactfulProblem(NamedTuple):
    """An event the engine refused (exit 1) or rejected as bad input (exit 2)."""

    error: Refused | InputError

    def describe(self) -> str:
        kind = "refused" if isinstance(self.error, Refused) else "error"
        return f"{kind}: {self.error}"


def _play(engine: Engine, app_id: int, step: Step, tz: tzinfo) -> list[Mismatch]:
    done: Recorded | TactfulProblem | None = None
    if step.record is not None:
        try:
            done = engine.record(app_id, step.record, **step.params)
        except (Refused, InputError) as err:
            done = TactfulProblem(err)
    found = _check_event(step, done)
    for expect in step.expects:
        if expect.kind not in ("refused", "error", "warns"):
            found += _check(engine, app_id, expect, step, tz)
    return found


def _check_event(step: Step, done: Recorded | TactfulProblem | None) -> list[Mismatch]:
    if done is None:
        return []
    got = done.describe() if isinstance(done, TactfulProblem) else "recorded"
    wanted = {e.kind: e for e in step.expects if e.kind in ("refused", "error", "warns")}
    result = []
    for kind in ("refused", "error"):
        if kind in wanted:
            expect = wanted[kind]
            hit = isinstance(done, TactfulProblem) and got.startswith(kind) and expect.value in str(done.error)
            if not hit:
                result.append(Mismatch(f"recording '{step.record}'", (f"{kind}: …{expect.value}…",), (got,),
                                       expect.where, step))  # fmt: skip
    if isinstance(done, TactfulProblem) and not ({"refused", "error"} & set(wanted)):
        result.append(Mismatch(f"recording '{step.record}'", ("recorded",), (got,), step.record_where, step))
    if "warns" in wanted and isinstance(done, Recorded):
        expect = wanted["warns"]
        if not all(any(piece in w for w in done.warnings) for piece in expect.value):
            result.append(Mismatch("warnings", tuple(f"…{p}…" for p in expect.value), done.warnings or ("(none)",),
                                   expect.where, step))  # fmt: skip
    return result


def _check(engine: Engine, app_id: int, expect: Expect, step: Step, tz: tzinfo) -> list[Mismatch]:
    app = engine.get(app_id)
    if expect.kind == "state":
        return _compare("state", (expect.value,), (app.state,), expect, step)
    if expect.kind == "advises":
        got = [(a.action, a.due) for a in engine.advise(app_id)]
        wanted = [(a.action, a.due) for a in expect.value]
        missing = [a.where for a in expect.value if (a.action, a.due) not in got]
        pointed = expect._replace(where=missing[0]) if missing else expect
        return _compare("advised actions", _advice_lines(wanted, tz), _advice_lines(got, tz), pointed, step)
    if expect.kind == "timer":
        wanted, have = expect.value, app.next_due
        return _compare("pending timer", (_when(wanted, tz),), (_when(have, tz),), expect, step, wanted == have)
    if expect.kind == "can":
        verdict = engine.check(app_id, expect.subject)
        ok = _can_matches(expect.value, verdict)
        return _compare(f"can {expect.subject}", (_can_line(expect.value, tz),), (_verdict_line(verdict, tz),),
                        expect, step, ok)  # fmt: skip
    return _check_fact(engine.rules_for(app), app.facts, expect, step, tz)


def _check_fact(rs: RuleSet, facts: Mapping[str, Any], expect: Expect, step: Step, tz: tzinfo) -> list[Mismatch]:
    name, wanted = expect.subject, expect.value
    have = facts.get(name, rs.facts[name].default if name in rs.facts else None)
    same = wanted == have
    shown = (str(wanted), str(have))
    if rs.fact_type(name) == "datetime" and wanted is not None and have is not None:
        try:
            moment = parse_moment(wanted, tz, rs)
        except ValueError:
            moment = None
        same = moment == datetime.fromisoformat(str(have))
        shown = (_when(moment, tz) if moment else str(wanted), _when(datetime.fromisoformat(str(have)), tz))
    return _compare(f"fact {name}", (f"{name}: {shown[0]}",), (f"{name}: {shown[1]}",), expect, step, same)


def _compare(
    what: str, expected: Sequence[str], got: Sequence[str], expect: Expect, step: Step, same: bool | None = None
) -> list[Mismatch]:
    if (list(expected) == list(got)) if same is None else same:
        return []
    return [Mismatch(what, tuple(expected), tuple(got), expect.where, step)]


def _when(moment: datetime | None, tz: tzinfo) -> str:
    if moment is None:
        return "none"
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M" + (":%S" if local.second else ""))


def _advice_lines(items: Iterable[tuple[str, datetime]], tz: tzinfo) -> tuple[str, ...]:
    return tuple(f"{action}: {_when(due, tz)}" for action, due in items) or ("(nothing)",)


def _can_matches(expected: CanExpect, verdict: Verdict) -> bool:
    if expected.allowed != verdict.allowed:
        return False
    if expected.allowed_from is not None and expected.allowed_from != verdict.allowed_from:
        return False
    return expected.reason is None or expected.reason in verdict.reason


def _can_line(expected: CanExpect, tz: tzinfo) -> str:
    text = "yes" if expected.allowed else "no"
    if expected.allowed_from is not None:
        text += f", from {_when(expected.allowed_from, tz)}"
    return text + (f" (…{expected.reason}…)" if expected.reason else "")


def _verdict_line(verdict: Verdict, tz: tzinfo) -> str:
    text = "yes" if verdict.allowed else "no"
    if verdict.allowed_from is not None:
        text += f", from {_when(verdict.allowed_from, tz)}"
    return f"{text} ({verdict.reason})"


# -- reporting -------------------------------------------------------------------------------


def describe(mismatch: Mismatch, tz: tzinfo) -> list[str]:
    """A failed expectation as lines: where, what, then expected and got (a diff for lists)."""
    step = mismatch.step
    lines = [f"{mismatch.where}: {mismatch.what}, at step {step.number} ({_when(step.now, tz)} {tz})"]
    if len(mismatch.expected) == 1 and len(mismatch.got) == 1:
        return [*lines, f"    expected: {mismatch.expected[0]}", f"    got:      {mismatch.got[0]}"]
    lines.append("    (- expected, + got)")
    for line in difflib.ndiff(list(mismatch.expected), list(mismatch.got)):
        if line[:1] in ("-", "+", " "):
            lines.append(f"    {line}")
    return lines


def summary(outcomes: Sequence[Outcome]) -> str:
    """The last line of a run: ``N passed, N failed``."""
    failed = sum(not o.passed for o in outcomes)
    return f"{len(outcomes) - failed} passed, {failed} failed"
