"""Applications as rows of an export, and rows of an import turned back into records.

An export row carries all a move needs: the facts, the state and when it was entered, the
pending timer and the moments `tick` has work for it, the history, and the rule set it runs
under (its reference, its hash and, on the first row under that hash, the kept copy). A row
with a ``state`` is restored as it was; a row without one starts afresh from its facts. Pure:
no store, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from ..errors import InputError, closest, did_you_mean
from ..language.build_facts import FACT_VALUES
from ..language.ruleset import CORE_FACTS, PORTFOLIO_NAMES, RuleSet, State
from ..vocabulary.records import MAX_KEPT_ID, Application, LogEntry
from ..vocabulary.text import excerpt, kept_text, quoted
from .facts import FIELDS

#: What `add` takes: enough to start an application afresh.
PLAIN_COLUMNS = ("company", *FIELDS, "rules")
#: What an export adds so that an import restores the application as it was.
RESTORE_COLUMNS = ("state", "entered", "next_due", "timer", "wake", "notified", "rules_hash", "facts", "history",
                   "rules_tree")  # fmt: skip
#: The restoring columns that only make sense with a state.
WITH_STATE = frozenset(RESTORE_COLUMNS) - {"state", "rules_hash", "rules_tree"}
#: Every column an export writes and an import reads, in the order exports write them.
#: ``candidate``: whose row it is, in an export of every candidate's (`export --all-candidates`).
COLUMNS = ("id", *PLAIN_COLUMNS, *RESTORE_COLUMNS, "candidate")
#: Columns holding a structure: nested in JSON, JSON text in a CSV cell.
NESTED = ("facts", "history", "rules_tree")


class ImportRow(NamedTuple):
    """One row of an import: where it is (``FILE:LINE``), its values, or why it cannot be read."""

    where: str
    values: Mapping[str, Any]
    problem: str | None = None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def entry_row(entry: LogEntry) -> dict[str, Any]:
    """A history row as an export keeps it, with what `undo` needs (``before``)."""
    return {"kind": entry.kind, "name": entry.name, "at": entry.at.isoformat(), "recorded": entry.recorded.isoformat(),
            "from": entry.source or None, "to": entry.target, "params": dict(entry.params),
            "before": None if entry.before is None else dict(entry.before)}  # fmt: skip


def export_row(app: Application, history: Sequence[LogEntry], tree: str | None = None,
               candidate: bool = False) -> dict[str, Any]:  # fmt: skip
    """``app`` as an export row; ``tree`` (the kept rule set, JSON) goes on the first row under
    its hash; with ``candidate``, the key of its candidate goes last (an export of every candidate's)."""
    row: dict[str, Any] = {"id": app.id, "company": app.company}
    row.update({f: app.facts.get(f) for f in FIELDS})
    row.update(rules=app.rules, state=app.state, entered=_iso(app.entered), next_due=_iso(app.next_due),
               timer=app.timer, wake=_iso(app.wake), notified=_iso(app.notified), rules_hash=app.rules_hash,
               facts={k: v for k, v in sorted(app.facts.items()) if k not in FIELDS},
               history=[entry_row(e) for e in history])  # fmt: skip
    if tree is not None:
        row["rules_tree"] = json.loads(tree)
    if candidate:
        row["candidate"] = app.candidate
    return row


def unknown_columns(names: Iterable[str]) -> dict[str, tuple[str | None, str]]:
    """Each column of ``names`` an import does not know: the likely right name (or None), and
    the problem to report."""
    found = {}
    for name in names:
        if name not in COLUMNS:
            close = closest(name, COLUMNS)
            hint = f"; did you mean '{close}'?" if close else "; known: " + ", ".join(COLUMNS)
            found[name] = (close, f"unknown column '{name}'{hint}")
    return found


def renamed(values: Mapping[str, Any], fixes: Mapping[str, tuple[str | None, str]]) -> dict[str, Any]:
    """``values`` with misspelt columns under their likely names (others dropped), so the rest
    of a row whose header has a typo is still checked."""
    result = {}
    for name, value in values.items():
        fixed = fixes[name][0] if name in fixes else name
        if fixed is not None and fixed not in result:
            result[fixed] = value
    return result


def app_id(value: Any) -> int | None:
    """The export's id of a row, or None.

    Raises:
        InputError: when it is not a whole number from 1.
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    number = int(text) if text.isdigit() and len(text) <= 20 else 0
    if not 1 <= number <= MAX_KEPT_ID or isinstance(value, bool | float):
        raise InputError(f"id {excerpt(text)} is not an application id that an import keeps; ids are whole "
                         f"numbers from 1 to {MAX_KEPT_ID:,}")  # fmt: skip
    return number


def moment(value: Any, name: str) -> datetime | None:
    """An ISO 8601 time with its offset, or None.

    Raises:
        InputError: naming the column and the form expected.
    """
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InputError(f"{name} {quoted(value)} is not a time with an offset; write it as 2026-05-04T09:00:00+00:00")
    return parsed


def typed_facts(rs: RuleSet, facts: Mapping[str, Any]) -> None:
    """Check the facts an export kept against the types ``rs`` declares for them (a fact the
    rules count, such as ``calls_made``, must be what the rules count with).

    Raises:
        InputError: naming the first fact of the wrong type and what it should be.
    """
    for name, fact in facts.items():
        kind = rs.fact_type(name)
        if kind is None or fact is None:
            continue
        if isinstance(fact, str):
            kept_text(fact, f"facts: '{name}'")
        fits, shape = FACT_VALUES.get(kind, (None, ""))
        if fits is not None and not fits(fact):
            raise InputError(f"facts: '{name}' must be {shape}, not {excerpt(str(fact))}")


def extra_facts(value: Any) -> dict[str, Any]:
    """The facts an export keeps beside `add`'s columns (those the rules set), as a dict.

    Raises:
        InputError: when they are not an object of names to plain values.
    """
    if value is None or value == "":
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InputError(f"facts must be an object of names to values, not {quoted(value)}")
    for name, fact in value.items():
        if name in FIELDS:
            raise InputError(f"facts: '{name}' has a column of its own; give it there")
        if isinstance(fact, dict | list):
            raise InputError(f"facts: '{name}' must be a single value, not {excerpt(str(fact))}")
        if isinstance(fact, str):
            kept_text(fact, f"facts: '{name}'")
    return dict(value)


def history(value: Any) -> list[LogEntry]:
    """An exported history as log entries, oldest first.

    Raises:
        InputError: naming the first malformed entry.
    """
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise InputError("history must be a list of entries, as export writes it")
    return [_entry(item, number) for number, item in enumerate(value, start=1)]


def _entry(item: Any, number: int) -> LogEntry:
    where = f"history entry {number}"
    if not isinstance(item, dict):
        raise InputError(f"{where} must be an object with kind, name, at, recorded, from, to")
    texts = [str(item.get(k) or "") for k in ("kind", "name", "to")]
    if not all(isinstance(item.get(k), str) and item.get(k) for k in ("kind", "name", "to")) or not isinstance(
        item.get("from") or "", str
    ):
        raise InputError(f"{where} needs kind, name and to as text (from may be null)")
    params, before = item.get("params") or {}, item.get("before")
    if not isinstance(params, dict) or not (before is None or isinstance(before, dict)):
        raise InputError(f"{where}: params and before must be objects")
    _plain_texts(item, where)
    at, recorded = moment(item.get("at"), f"{where}: at"), moment(item.get("recorded"), f"{where}: recorded")
    if at is None or recorded is None:
        raise InputError(f"{where} needs at and recorded, times with an offset")
    return LogEntry(texts[0], texts[1], at, recorded, item.get("from") or "", texts[2], params, before)


def _plain_texts(value: Any, where: str) -> None:
    """Check every text in ``value`` (an entry, and the objects in it) as text tactful keeps.

    Raises:
        InputError: for the first text that is not (a lone surrogate, NUL, too long).
    """
    if isinstance(value, str):
        kept_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _plain_texts(key, where)
            _plain_texts(item, where)
    elif isinstance(value, list):
        for item in value:
            _plain_texts(item, where)


def restored(rs: RuleSet, values: Mapping[str, Any], company: str, facts: dict[str, Any], ref: str) -> Application:
    """The application an export row describes, under ``rs``, without an id or version.

    A row from an export older than the ``entered`` and ``timer`` columns gets no timer
    (``next_due`` None, ``timer`` -1): the caller works it out.

    Raises:
        InputError: for a state the rules do not have or a malformed moment or timer.
    """
    state = str(values.get("state"))
    if state not in rs.states:
        known = "; known: " + ", ".join(rs.states)
        raise InputError(f"state '{state}' is not a state of rules '{ref}'{did_you_mean(state, rs.states, known)}")
    full = {**{n: s.default for n, s in rs.facts.items() if s.default is not None}, **facts}
    entered = moment(values.get("entered"), "entered")
    if entered is None or "timer" not in values:
        past = history(values.get("history"))
        entered = entered or (past[-1].at if past else None)
        if entered is None:
            raise InputError("entered is required with state: the time the application entered it")
        return Application(0, company, state, entered, full, ref, rs.hash, None, -1)
    timer = _timer(values.get("timer"), len(rs.states[state].timers))
    next_due = moment(values.get("next_due"), "next_due")
    if (timer is None) != (next_due is None):
        raise InputError("next_due and timer go together: give both or neither")
    return Application(0, company, state, entered, full, ref, rs.hash, next_due, timer, 0,
                       moment(values.get("wake"), "wake"), moment(values.get("notified"), "notified"))  # fmt: skip


def _timer(value: Any, count: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = -1
    if not 0 <= number < count or isinstance(value, bool | float):
        raise InputError(f"timer {quoted(value)} is not one of the state's timers (0 to {count - 1})")
    return number


def start_inputs(rs: RuleSet) -> tuple[tuple[str, ...], bool, bool]:
    """What a new application's stored start can depend on under ``rs``: the facts its entered
    moment, its first timer and the moments its initial state's advice falls due read (with
    what the states its timers lead to advise, as :func:`~tactful.runtime.core.advise` looks
    ahead), through derived names; whether the company's name is read, and whether the other
    applications are (through which the rank counts). The advice's wording is not stored, nor
    which action is done instead, unless the choice moves a due moment (a contact action
    shifted to contact hours in place of one that is not). Memoized on the rule set."""
    found: tuple[tuple[str, ...], bool, bool] | None = rs.memo.get("start_inputs")
    if found is None:
        initial = rs.states[rs.initial]
        names = _due_reads(rs, initial)
        for timer in initial.timers:
            names |= timer.at.names
            for branch in timer.branches:
                names |= (branch.when.names if branch.when else set()) | (
                    _due_reads(rs, rs.states[branch.to]) if branch.to else set())  # fmt: skip
        names = _through_derived(rs, names)
        facts = (names & {*CORE_FACTS, *rs.facts}) | {"interviewed", "timezone"}
        found = (tuple(sorted(facts)), "company" in names, bool(names & PORTFOLIO_NAMES))
        rs.memo["start_inputs"] = found
    return found


def _due_reads(rs: RuleSet, state: State) -> set[str]:
    """The names that decide whether ``state``'s advice is given and when it is due."""
    names: set[str] = set()
    for advice in state.advises:
        names |= advice.due.names.union(*(e.names for e in (advice.start, advice.by, advice.when) if e))
        action = rs.actions[advice.action]
        done = (action, *(rs.actions[item.use] for item in action.instead))
        if advice.shift and len({a.moves for a in done}) > 1:  # the choice decides whether the due moment shifts
            names = names.union(*(item.when.names for item in action.instead))
    return names


def _through_derived(rs: RuleSet, names: set[str]) -> set[str]:
    """``names`` with every name the derived ones among them read, in turn; a derived name
    that is no expression may read anything."""
    everything = {*CORE_FACTS, *rs.facts, "company", *PORTFOLIO_NAMES}
    found, todo = set(names), [n for n in names if n in rs.derived]
    while todo:
        more = getattr(rs.derived[todo.pop()], "names", everything)
        todo += [n for n in more if n in rs.derived and n not in found]
        found |= more
    return found
