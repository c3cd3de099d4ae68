"""`tactful report` and the board's Insights page: a candidate's applications and histories, as
the engine gives them, made into stories and added up (:mod:`tactful.runtime.report`).

A report covers one candidate. A coach's report (:func:`coach_document`) adds every
candidate's numbers up and names no employer at all.
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..runtime import core
from ..runtime.report import MIN_SAMPLE, calls_suggestion, grace_suggestion, numbers, within
from ..runtime.story import Story, tell

if TYPE_CHECKING:
    from ..engine import Engine
    from ..language.ruleset import RuleSet

#: The file a suggestion names when the rule set is a shipped one: the user's own, extending it.
OWN_FILE = "my-rules.yaml"


class Period(NamedTuple):
    """The interview dates a report covers (None: open on that side)."""

    start: date | None = None
    end: date | None = None

    def doc(self) -> dict[str, str | None]:
        return {"from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None}  # fmt: skip


#: The whole search.
WHOLE = Period()


def stories(engine: Engine, period: Period = WHOLE) -> tuple[list[Story], dict[str, RuleSet]]:
    """The engine's candidate's applications in ``period`` as stories, by id, as of the engine's
    now (a timer due by then counts as fired), with the rule sets they run under (by name)."""
    found: list[Story] = []
    sets: dict[str, RuleSet] = {}
    now = engine.now()
    for app in engine.stored():
        rs = engine.rules_for(app)
        sets.setdefault(rs.name, rs)
        history = engine.store.history(app.id or 0)
        if app.next_due is not None and app.next_due <= now:  # timers due by now count as fired
            app, timers = core.catch_up(rs, app, now, engine.portfolio(app), preview=True)
            history = [*history, *timers]
        found.append(tell(app, rs, history))
    return within(found, period.start, period.end), sets


def _shipped(rs: RuleSet) -> bool:
    from .. import rules as shipped

    return not rs.files or Path(rs.files[0]).parent == Path(shipped.__file__).parent


def _suggestions(told: Sequence[Story], rs: RuleSet) -> list[dict[str, Any]]:
    """What the data says to change in ``rs``, each with its evidence and the command that does it."""
    grace = rs.settings.get("grace")
    found = [grace_suggestion(told, rs.name, grace.total_seconds() / 86400 if grace is not None else 0.0),
             calls_suggestion(told, rs.name, int(rs.settings.get("max_calls") or 0))]  # fmt: skip
    path = OWN_FILE if _shipped(rs) else rs.files[0]
    out = []
    for item in filter(None, found):
        command = shlex.join(["tactful", "rules", "set", path, item["key"], item["value"]])
        extend = f" (a file with 'extends: {rs.name}')" if _shipped(rs) else ""
        out.append({**item, "command": command, "file": path, "say": f"{item['evidence']}: {command}{extend}"})
    return out


def document(engine: Engine, period: Period = WHOLE, *, timeline: bool = False) -> dict[str, Any]:
    """The report of the engine's candidate: overall and per rule set, with suggestions; with
    ``timeline``, every application's row on the timeline of the search too (for the charts)."""
    told, sets = stories(engine, period)
    per: dict[str, list[Story]] = defaultdict(list)
    for story in told:
        per[story.rules].append(story)
    return {"candidate": engine.candidate_key, "period": period.doc(), "min_sample": MIN_SAMPLE,
            "overall": numbers(told),
            "rule_sets": {name: numbers(group) for name, group in sorted(per.items())},
            **({"timeline": [timeline_row(story) for story in told]} if timeline else {}),
            "suggestions": [s for name, group in sorted(per.items())
                            for s in _suggestions(group, sets[name])]}  # fmt: skip


def timeline_row(story: Story) -> dict[str, Any]:
    """One application on the timeline of the whole search: its interview, contacts, decision, end."""
    return {"id": story.app.id, "company": story.app.company, "outcome": story.outcome,
            "interviewed": story.interviewed.isoformat() if story.interviewed else None,
            "contacts": [{"at": at.isoformat(), "channel": channel} for at, channel in story.contacts],
            "decided_at": story.decided_at.isoformat() if story.decided_at else None,
            "ended_at": story.ended_at.isoformat() if story.ended_at else None}  # fmt: skip


def coach_document(engines: Iterable[Engine], period: Period = WHOLE) -> dict[str, Any]:
    """Every candidate's numbers, and all of them added up; no employer is named, no suggestion
    made (a rule file is each candidate's own)."""
    everyone: list[Story] = []
    each: dict[str, Any] = {}
    for engine in engines:
        told, _ = stories(engine, period)
        everyone.extend(told)
        each[engine.candidate_key] = numbers(told)
    return {"candidates": each, "period": period.doc(), "min_sample": MIN_SAMPLE, "overall": numbers(everyone)}
