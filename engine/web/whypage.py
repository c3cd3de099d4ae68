"""What the "why?" page shows of a trace (`tactful why` on the board): the answers, the
history, each step with what it read, and when the answer changes next."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Any

from ..language.tracing import Read, Step
from ..runtime.why import Trace
from ..views.why import moved, read_line, shown, step_line


def why_view(trace: Trace, name: str | None, tz: tzinfo) -> dict[str, Any]:
    """The page's values: the answers, the history, the steps with what each read, the next change."""
    focus = trace.action
    change = trace.next_change
    return {
        "app": trace.app, "asked": name, "now": shown(trace.now, tz), "entered": shown(trace.app.entered, tz),
        "history": [(shown(e.at, tz), e) for e in trace.history],
        "advised": [(a, shown(a.due, tz)) for a in trace.advised if focus in (None, a.action)],
        "advice_steps": _steps([s for s in trace.advice_steps if focus in (None, s.subject)], tz),
        "verdict": trace.verdict, "channel": trace.channel, "policy_steps": _steps(trace.policy_steps, tz),
        "change": (shown(change.at, tz), change.because) if change else None,
    }  # fmt: skip


def _steps(steps: Sequence[Step], tz: tzinfo) -> list[tuple[str, str, list[tuple[int, str]]]]:
    shifts = moved(steps)
    rows = []
    for index, step in enumerate(steps):
        if step.what in ("advised", "shift"):
            continue
        line = step_line(step, tz)
        if index in shifts:
            line += f" (then {step_line(shifts[index], tz)})"
        head = f"{step.state}/{step.subject}" if step.state and step.state != step.subject else step.subject
        rows.append((head, line, list(_reads(step.reads, tz, 0))))
    return rows


def _reads(reads: Sequence[Read], tz: tzinfo, depth: int) -> Any:
    seen: set[str] = set()
    for read in reads:
        if read.name in seen:
            continue
        seen.add(read.name)
        yield depth, read_line(read, tz)
        if read.kind == "derived":
            yield from _reads(read.reads, tz, depth + 1)
