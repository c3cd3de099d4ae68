"""A report (see :mod:`.report`) as text for the terminal: a few short sections, saying "too few
to tell" where the numbers are too few."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..runtime.report import TOO_FEW

FUNNEL = ("interviews", "answered", "offer", "accepted")
ENDS = ("declined", "rejected", "withdrawn", "moved_on", "pending")


def rate(found: Mapping[str, Any]) -> str:
    """``3 of 8 (38%)``, or ``2 of 3: too few to tell``."""
    if found["rate"] is None:
        return f"{found['count']} of {found['of']}: {TOO_FEW}"
    return f"{found['count']} of {found['of']} ({found['rate']:.0%})"


def _funnel(doc: Mapping[str, Any]) -> list[str]:
    first = "  " + " -> ".join(f"{doc[k]} {k.replace('_', ' ')}" for k in FUNNEL)
    return [first, "  " + ", ".join(f"{doc[k]} {k.replace('_', ' ')}" for k in ENDS)]


def _response(doc: Mapping[str, Any]) -> list[str]:
    lines = [f"  {name}: {rate(found)}" for name, found in doc["by_step"].items()]
    lines += [f"  any {name}: {rate(found)}" for name, found in doc["by_channel"].items()]
    return lines or ["  no follow-ups yet"]


def _lateness(doc: Mapping[str, Any]) -> list[str]:
    days = doc["days"]
    if days["median"] is None:
        return [f"  {days['count']} decisions after a stated date: {TOO_FEW}"]
    return [f"  median {days['median']:g} days after the stated date (quartiles {days['q1']:g} to {days['q3']:g}), "
            f"longest {days['longest']:g}", f"  within grace: {rate(doc['within_grace'])}"]  # fmt: skip


def _ghosting(doc: Mapping[str, Any]) -> list[str]:
    lines = [f"  moved on without any answer: {rate(doc['overall'])}"]
    lines += [f"  {size} companies: {rate(found)}" for size, found in doc.get("by_company_size", {}).items()]
    return lines


def numbers_text(doc: Mapping[str, Any]) -> list[str]:
    """One block of numbers: funnel, response, lateness, ghosting."""
    return ["Funnel:", *_funnel(doc["funnel"]), "Response to follow-ups (answered before the next step was due):",
            *_response(doc["response"]), "How late employers decided:", *_lateness(doc["lateness"]),
            "Ghosting:", *_ghosting(doc["ghosting"])]  # fmt: skip


def _period(doc: Mapping[str, Any]) -> str:
    period = doc["period"]
    if not period["from"] and not period["to"]:
        return "the whole search"
    return f"interviews from {period['from'] or 'the start'} to {period['to'] or 'now'}"


def report_text(doc: Mapping[str, Any]) -> str:
    """The report of one candidate."""
    lines = [f"Looking back on {_period(doc)} (rates need at least {doc['min_sample']} cases).", "",
             *numbers_text(doc["overall"])]  # fmt: skip
    if len(doc["rule_sets"]) > 1:
        for name, numbers in doc["rule_sets"].items():
            lines += ["", f"Rule set {name}:", *("  " + line for line in numbers_text(numbers))]
    lines += ["", "Suggestions:"] + (
        [f"  {s['say']}" for s in doc["suggestions"]] or ["  none: the data asks for no change"]
    )
    return "\n".join(lines)


def coach_text(doc: Mapping[str, Any]) -> str:
    """The report over every candidate, then each one's numbers."""
    lines = [f"Looking back on {_period(doc)}, every candidate (rates need at least {doc['min_sample']} cases).", "",
             *numbers_text(doc["overall"])]  # fmt: skip
    for key, numbers in doc["candidates"].items():
        lines += ["", f"Candidate {key or '(you)'}:", *("  " + line for line in numbers_text(numbers))]
    return "\n".join(lines)
