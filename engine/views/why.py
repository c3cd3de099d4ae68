"""`tactful why`: a trace (:class:`~tactful.runtime.why.Trace`) as text a person can follow,
and as the JSON document `why --json` prints and the board's "why?" page draws.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from ..language.durations import format_duration
from ..language.tracing import Read, Step
from ..runtime.why import Trace
from ..vocabulary.records import Advised, Verdict
from .documents import advised_doc, entry_doc, iso

_NAME = re.compile(r"(?<![\w'\"])([A-Za-z_]\w*)")
_WORDS = frozenset({"and", "or", "not", "if", "else", "is", "in", "None", "True", "False", "true", "false",
                    "earliest", "latest"})  # fmt: skip
_UNIT = re.compile(r"\d+\s*$")


def shown(value: Any, tz: tzinfo | None = None) -> str:
    """A value as the trace shows it: a moment as a weekday and date (and time, unless 09:00)."""
    if value is None:
        return "not known"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        local = value.astimezone(tz) if tz else value
        text = f"{local:%a} {local.day} {local:%b %Y}"
        return text if local.strftime("%H:%M") == "09:00" else f"{text} {local:%H:%M}"
    if isinstance(value, timedelta):
        return format_duration(value)
    return str(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


def arithmetic(source: str, reads: Sequence[Read], tz: tzinfo | None = None) -> str:
    """``source`` with each name it read written as its name and value: ``decision date
    Fri 14 May 2027 + grace 3 days``. Alternatives of an ``or`` that read nothing, or only
    empty values, are left out: they did not decide."""
    values = {r.name: r.value for r in reads}
    parts = [p.strip() for p in re.split(r"\bor\b", source)] if " or " in source and "(" not in source else [source]
    if len(parts) > 1:
        kept = [p for p in parts if any(values.get(n) not in (None, False) for n in _names(p))]
        parts = kept[:1] or parts

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        before = source[: match.start()]
        if name in _WORDS or name not in values or _UNIT.search(before):
            return name
        return f"{_label(name)} {shown(values[name], tz)}"

    return " or ".join(_NAME.sub(swap, part) for part in parts)


def _names(text: str) -> list[str]:
    return [m.group(1) for m in _NAME.finditer(text) if m.group(1) not in _WORDS]


def explained_moment(step: Step, tz: tzinfo | None = None) -> str:
    """A due moment as arithmetic: a derived name is opened one level (``first inquiry =
    decision date … + grace … = …``)."""
    reads = step.reads
    if len(reads) == 1 and reads[0].name == step.source and reads[0].source:
        inner = reads[0]
        return f"{_label(inner.name)}: {arithmetic(inner.source or '', inner.reads, tz)} = {shown(step.value, tz)}"
    return f"{arithmetic(step.source, reads, tz)} = {shown(step.value, tz)}"


def read_line(read: Read, tz: tzinfo | None = None) -> str:
    """``name = value`` with where it was set (a setting's file and line, the overlay's)."""
    where = f" [{read.where.short}]" if read.where is not None and read.kind in ("setting", "derived") else ""
    made = f" = {read.source}" if read.source else ""
    cited = f" (source: {', '.join(read.cites)})" if read.cites else ""
    return f"{read.name} ({read.kind}){made} -> {shown(read.value, tz)}{where}{cited}"


def _reads_lines(reads: Sequence[Read], tz: tzinfo | None, depth: int = 0) -> Iterator[str]:
    for read in _unique(reads):
        yield "  " * depth + read_line(read, tz)
        if read.kind == "derived":
            yield from _reads_lines(read.reads, tz, depth + 1)


def _unique(reads: Sequence[Read]) -> list[Read]:
    seen: dict[str, Read] = {}
    for read in reads:
        seen.setdefault(read.name, read)
    return list(seen.values())


def step_line(step: Step, tz: tzinfo | None = None) -> str:
    where = f" [{step.where.short}]" if step.where else ""
    where += f" (source: {', '.join(step.cites)})" if step.cites else ""
    if step.what == "shift":
        why = f": {step.note}" if step.note else ": the next contact time"
        return f"moved from {shown(step.given, tz)} to {shown(step.value, tz)}{why}"
    if step.what in ("due", "from", "by", "timer", "until"):
        return f"{step.what} {explained_moment(step, tz)}{where}"
    if step.what == "ask again":
        return f"asked again at {shown(step.value, tz)} ({step.note})"
    if step.what == "answer":
        return f"answer: {'yes' if step.value.allowed else 'no'}: {step.value.reason}{where}"
    return f"{step.what} {step.source} -> {shown(step.value, tz)}{where}"


def read_doc(read: Read) -> dict[str, Any]:
    where = read.where
    return {"name": read.name, "kind": read.kind, "value": value_doc(read.value), "expression": read.source,
            "set_at": where.short if where else None, "overlay": where.path if where else None,
            "sources": list(read.cites), "reads": [read_doc(r) for r in _unique(read.reads)]}  # fmt: skip


def value_doc(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Advised):
        return advised_doc(value)
    if isinstance(value, Verdict):
        return {"allowed": value.allowed, "reason": value.reason, "rule": value.rule.short if value.rule else None}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def moved(steps: Sequence[Step]) -> dict[int, Step]:
    """The moves off days without contact, by the index of the due moment each one moved."""
    found: dict[int, Step] = {}
    last_due: int | None = None
    for index, step in enumerate(steps):
        if step.what == "due":
            last_due = index
        elif step.what == "shift" and last_due is not None and steps[last_due].subject == step.subject:
            found[last_due] = step
    return found


def step_doc(step: Step) -> dict[str, Any]:
    doc: dict[str, Any] = {"step": step.what, "subject": step.subject, "state": step.state,
                           "expression": step.source or None, "value": value_doc(step.value),
                           "rule": step.where.short if step.where else None,
                           "overlay": step.where.path if step.where else None, "sources": list(step.cites),
                           "reads": [read_doc(r) for r in _unique(step.reads)]}  # fmt: skip
    if step.what in ("due", "from", "by", "timer", "until"):
        doc["arithmetic"] = explained_moment(step)
    if step.what == "shift":
        doc.update(moved_from=iso(step.given), because=step.note or "the next contact time")
    elif step.note:
        doc["note"] = step.note
    return doc


def trace_doc(trace: Trace) -> dict[str, Any]:
    """The JSON document of `tactful why`."""
    app = trace.app
    change = trace.next_change
    doc: dict[str, Any] = {
        "id": app.id, "company": app.company, "rules": app.rules, "now": iso(trace.now), "state": app.state,
        "entered": iso(app.entered), "history": [entry_doc(e) for e in trace.history],
        "advised": [advised_doc(a) for a in trace.advised if trace.action in (None, a.action)],
        "advice_steps": _steps_doc([s for s in trace.advice_steps if _about(s, trace.action)]),
        "next_change": {"at": iso(change.at), "because": change.because} if change else None,
        "sources": {key: source_doc(trace.sources[key]) for key in cited_keys(trace) if key in trace.sources},
    }  # fmt: skip
    if trace.action is not None:
        doc["action"] = trace.action
    if trace.channel is not None and trace.verdict is not None:
        doc["channel"] = trace.channel
        doc["verdict"] = value_doc(trace.verdict) | {"allowed_from": iso(trace.verdict.allowed_from)}
        doc["policy_steps"] = [step_doc(s) for s in trace.policy_steps]
    return doc


def cited_keys(trace: Trace) -> list[str]:
    """Every source key the trace's steps and the settings they read cite, in order of first citation."""
    keys: dict[str, None] = {}
    for step in (*trace.advice_steps, *trace.policy_steps):
        keys.update(dict.fromkeys(step.cites))
        for read in _flat(step.reads):
            keys.update(dict.fromkeys(read.cites))
    return list(keys)


def _flat(reads: Sequence[Read]) -> Iterator[Read]:
    for read in reads:
        yield read
        yield from _flat(read.reads)


def source_doc(source: Any) -> dict[str, Any]:
    return {"title": source.title, "url": source.url, "publisher": source.publisher, "year": source.year,
            "strength": source.strength}  # fmt: skip


def source_line(source: Any) -> str:
    """``KEY: title (publisher, year; strength) url``."""
    about = ", ".join(str(p) for p in (source.publisher, source.year) if p)
    about = f"{about}; {source.strength}" if about else source.strength
    return f"{source.key}: {source.title} ({about})" + (f" {source.url}" if source.url else "")


def _steps_doc(steps: Sequence[Step]) -> list[dict[str, Any]]:
    docs = [step_doc(s) for s in steps]
    for index, shift in moved(steps).items():
        docs[index]["arithmetic"] += f", moved to {shown(shift.value)}: {shift.note or 'the next contact time'}"
    return docs


def _about(step: Step, action: str | None) -> bool:
    if action is None or step.subject == action:
        return True
    return step.what == "advised" and isinstance(step.value, Advised) and step.value.action == action


def trace_text(trace: Trace, tz: tzinfo | None = None) -> str:
    """The trace as `tactful why` prints it."""
    app = trace.app
    lines = [f"Application {app.id}, {app.company} (rules: {app.rules}), as of {shown(trace.now, tz)}",
             f"State: {app.state}, since {shown(app.entered, tz)}", "History:"]  # fmt: skip
    for entry in trace.history:
        move = f"{entry.source} -> {entry.target}" if entry.source else f"-> {entry.target}"
        lines.append(f"  {shown(entry.at, tz)}  {entry.kind} {entry.name}: {move}")
    lines += _advice_lines(trace, tz)
    if trace.verdict is not None:
        verdict = trace.verdict
        lines.append(f"May I {trace.channel}? {'Yes' if verdict.allowed else 'No'}: {verdict.reason}")
        lines += _steps_lines(trace.policy_steps, tz)
    keys = [k for k in cited_keys(trace) if k in trace.sources]
    if keys:
        lines += ["Sources:", *(f"  {source_line(trace.sources[k])}" for k in keys)]
    change = trace.next_change
    lines.append(f"Changes next: {shown(change.at, tz)}: {change.because}" if change else
                 "Changes next: nothing planned changes this answer; only a new event can")  # fmt: skip
    return "\n".join(lines)


def _advice_lines(trace: Trace, tz: tzinfo | None) -> list[str]:
    focus = trace.action
    items = [a for a in trace.advised if focus in (None, a.action)]
    lines = ["Advice:" if items else "Advice: nothing advised" + (f" for {focus}" if focus else "")]
    for item in items:
        optional = " (optional)" if item.optional else ""
        lines.append(f"  {item.action}{optional}: due {shown(item.due, tz)} [{item.rule.short}]")
    lines.append("How it was worked out:")
    lines += _steps_lines([s for s in trace.advice_steps if _about(s, focus)], tz)
    return lines


def _steps_lines(steps: Sequence[Step], tz: tzinfo | None) -> list[str]:
    lines: list[str] = []
    shifts = moved(steps)
    for index, step in enumerate(steps):
        if step.what in ("advised", "shift"):
            continue
        head = f"{step.state}/{step.subject}" if step.state and step.state != step.subject else step.subject
        line = step_line(step, tz)
        if index in shifts:
            head_part, bracket, where = line.rpartition(" [")
            moved_to = step_line(shifts[index], tz).replace(f"from {shown(shifts[index].given, tz)} ", "")
            line = f"{head_part}, {moved_to}{bracket}{where}" if bracket else f"{line}, {moved_to}"
        lines.append(f"  {head}: {line}")
        lines += ["      " + line for line in _reads_lines(step.reads, tz)]
    return lines
