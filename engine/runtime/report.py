"""Looking back on a search: stories (see :mod:`.story`) added up into the numbers of
`tactful report`: the funnel, the response to each follow-up, how late employers were,
ghosting, and what the rule set might change.

Pure: stories in, JSON-ready numbers out. Below :data:`MIN_SAMPLE` cases a rate or a median is
not given; the report says there are too few to tell.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from .story import OUTCOMES, Story

#: The fewest cases a share or a median is given for; below it, "too few to tell".
MIN_SAMPLE = 5
TOO_FEW = "too few to tell"


def share(hits: int, of: int) -> dict[str, Any]:
    """``hits`` out of ``of`` as a rate, or, below the minimum sample, no rate at all."""
    enough = of >= MIN_SAMPLE
    return {"count": hits, "of": of, "rate": round(hits / of, 3) if enough else None,
            "note": None if enough else TOO_FEW}  # fmt: skip


def spread(values: Sequence[float]) -> dict[str, Any]:
    """Median, quartiles and the longest of ``values``; only counts below the minimum sample."""
    if len(values) < MIN_SAMPLE:
        return {"count": len(values), "median": None, "q1": None, "q3": None, "longest": None, "note": TOO_FEW}
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return {"count": len(values), "median": median, "q1": q1, "q3": q3, "longest": max(values), "note": None}


def funnel(stories: Sequence[Story]) -> dict[str, int]:
    """Interviews, then answered, offer, accepted; and every outcome counted."""
    outcomes = Counter(s.outcome for s in stories)
    return {"interviews": len(stories), "answered": sum(s.answered for s in stories),
            "offer": sum(s.offer for s in stories), **{name: outcomes[name] for name in OUTCOMES}}  # fmt: skip


def _response(stories: Sequence[Story], key: Callable[[Any], str]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[bool]] = defaultdict(list)
    for story in stories:
        for follow_up in story.follow_ups:
            if follow_up.answered is not None:
                groups[key(follow_up)].append(follow_up.answered)
    return {name: share(sum(found), len(found)) for name, found in sorted(groups.items())}


def response(stories: Sequence[Story]) -> dict[str, Any]:
    """How often a follow-up got an answer before the next step was due: per channel, per
    follow-up number, and per both ("call 2")."""
    return {
        "by_channel": _response(stories, lambda f: f.channel),
        "by_number": _response(stories, lambda f: str(f.number) if f.number < 3 else "3+"),
        "by_step": _response(stories, lambda f: f"{f.channel} {f.number}"),
    }


def lateness(stories: Sequence[Story]) -> dict[str, Any]:
    """Days from the decision date the employer gave to their decision."""
    late = [s for s in stories if s.late_days is not None]
    days = [float(s.late_days) for s in late if s.late_days is not None]
    within = sum(1 for s in late if (s.late_days or 0) <= s.grace_days)
    return {"days": spread(days), "within_grace": share(within, len(late)),
            "histogram": dict(sorted(Counter(int(d) for d in days).items()))}  # fmt: skip


def ghosting(stories: Sequence[Story]) -> dict[str, Any]:
    """Applications moved on with no answer at all, of those that ended; per company size where
    a rule set names one."""
    ended = [s for s in stories if s.outcome != "pending"]
    doc: dict[str, Any] = {"overall": share(sum(_ghosted(s) for s in ended), len(ended))}
    if any(s.size for s in stories):
        sizes: dict[str, list[Story]] = defaultdict(list)
        for story in stories:
            ended_here = sizes[story.size or "unspecified"]  # a size with none ended yet still shows
            if story.outcome != "pending":
                ended_here.append(story)
        doc["by_company_size"] = {k: share(sum(map(_ghosted, v)), len(v)) for k, v in sorted(sizes.items())}
    return doc


def _ghosted(story: Story) -> bool:
    return story.outcome == "moved_on" and not story.answered


def within(stories: Iterable[Story], start: date | None, end: date | None) -> list[Story]:
    """The stories whose interview falls in ``start``..``end`` (both included; None: open)."""
    return [s for s in stories if s.interviewed is None or (
        (start is None or s.interviewed >= start) and (end is None or s.interviewed <= end))]  # fmt: skip


def numbers(stories: Sequence[Story]) -> dict[str, Any]:
    """Every figure of a report over ``stories``."""
    return {"funnel": funnel(stories), "response": response(stories), "lateness": lateness(stories),
            "ghosting": ghosting(stories)}  # fmt: skip


def grace_suggestion(stories: Sequence[Story], rules: str, grace_days: float) -> dict[str, Any] | None:
    """A longer grace when employers answered a median more days late than it allows."""
    days = [float(s.late_days) for s in stories if s.late_days is not None]
    if len(days) < MIN_SAMPLE:
        return None
    median = statistics.median(days)
    if median <= grace_days:
        return None
    wanted = math.ceil(median)
    return {"rules": rules, "key": "settings.grace", "value": f"{wanted} days",
            "evidence": f"your employers answered a median {_days(median)} after their stated date "
                        f"({len(days)} decisions); grace is {_days(grace_days)}"}  # fmt: skip


def calls_suggestion(stories: Sequence[Story], rules: str, max_calls: int) -> dict[str, Any] | None:
    """Fewer calls when the last call allowed never got an answer."""
    last = [f.answered for s in stories for f in s.follow_ups
            if f.channel == "call" and f.number == max_calls and f.answered is not None]  # fmt: skip
    if max_calls < 2 or len(last) < MIN_SAMPLE or any(last):
        return None
    return {
        "rules": rules,
        "key": "settings.max_calls",
        "value": str(max_calls - 1),
        "evidence": f"none of your {len(last)} calls number {max_calls} got an answer before the next step",
    }


def _days(value: float) -> str:
    text = f"{value:g}"
    return f"{text} day" if text == "1" else f"{text} days"
