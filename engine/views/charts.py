"""The report's charts as SVG drawn here, like the board's own timeline: the funnel, the response
to each follow-up, how late employers decided, and the timeline of the whole search.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` saying in words what it
shows (its text alternative), and every bar has its number written beside it. No script, no
inline CSS (the board's Content-Security-Policy allows neither), no external reference: the same
markup goes into the board's Insights page and the self-contained HTML file. Every text is
escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from ..runtime.report import TOO_FEW

WIDTH, ROW, LABEL = 640, 26, 170
FUNNEL = ("interviews", "answered", "offer", "accepted", "declined", "rejected", "withdrawn", "moved_on", "pending")


def _svg(key: str, title: str, desc: str, height: int, body: str) -> Markup:
    text = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" aria-labelledby="{key}-title {key}-desc" class="chart">'
            f'<title id="{key}-title">{escape(title)}</title><desc id="{key}-desc">{escape(desc)}</desc>'
            f"{body}</svg>")  # fmt: skip
    return Markup(text)  # noqa: S704 - every text in body and here went through escape()


def _bars(key: str, title: str, rows: Sequence[tuple[str, float, str]], top: float) -> Markup:
    """Horizontal bars: (label, value, text written after the bar), scaled to ``top``."""
    width = WIDTH - LABEL - 150
    body = []
    for number, (label, value, said) in enumerate(rows):
        y = 8 + number * ROW
        length = 0 if top <= 0 else max(value / top * width, 0)
        body.append(f'<text x="{LABEL - 8}" y="{y + 14}" text-anchor="end" fill="#222">{escape(label)}</text>'
                    f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{ROW - 8}" fill="#2b6cb0"/>'
                    f'<text x="{LABEL + length + 6:.1f}" y="{y + 14}" fill="#222">{escape(said)}</text>')  # fmt: skip
    desc = "; ".join(f"{label}: {said}" for label, _, said in rows) or "nothing to show yet"
    return _svg(key, title, desc, 16 + max(len(rows), 1) * ROW, "".join(body))


def funnel_chart(funnel: Mapping[str, int]) -> Markup:
    """Interviews, then answered, offer, accepted, and every other outcome."""
    rows = [(name.replace("_", " "), float(funnel[name]), str(funnel[name])) for name in FUNNEL]
    return _bars("funnel", "The funnel: how far applications went", rows, float(funnel["interviews"]))


def _said(found: Mapping[str, Any]) -> str:
    if found["rate"] is None:
        return f"{found['count']} of {found['of']}: {TOO_FEW}"
    return f"{found['rate']:.0%} ({found['count']} of {found['of']})"


def response_chart(response: Mapping[str, Any]) -> Markup:
    """The share of each follow-up (call 1, call 2, note 1…) answered before the next step was due;
    a step with too few cases gets no bar, only its counts."""
    rows = [(name, float(found["rate"] or 0), _said(found)) for name, found in response["by_step"].items()]
    return _bars("response", "Answers to each follow-up before the next step was due", rows, 1.0)


def lateness_chart(lateness: Mapping[str, Any]) -> Markup:
    """How many decisions came how many days after the stated date."""
    rows = [(f"{days:+d} days", float(count), str(count)) for days, count in lateness["histogram"].items()]
    top = max((count for _, count, _ in rows), default=0.0)
    return _bars("lateness", "Days from the stated decision date to the decision", rows, top)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _span(rows: Sequence[Mapping[str, Any]], today: date) -> tuple[date, date]:
    days = [date.fromisoformat(r["interviewed"]) for r in rows if r["interviewed"]]
    days += [m.date() for r in rows for m in map(_moment, [r["ended_at"], *(c["at"] for c in r["contacts"])]) if m]
    start, end = (min(days), max([*days, today])) if days else (today, today)
    return start, max(end, start + timedelta(days=7))


def timeline_chart(rows: Sequence[Mapping[str, Any]], today: date) -> Markup:
    """One row per application on a shared axis: from its interview to its end (or today), a dot
    per contact, a diamond at the employer's decision."""
    start, end = _span(rows, today)
    scale = (WIDTH - LABEL - 20) / (end - start).days

    def x(day: date) -> float:
        return LABEL + (day - start).days * scale

    body = [f'<text x="{LABEL}" y="14" fill="#222">{start.isoformat()}</text>'
            f'<text x="{WIDTH - 20}" y="14" text-anchor="end" fill="#222">{end.isoformat()}</text>']  # fmt: skip
    for number, row in enumerate(rows):
        body.append(_timeline_row(row, 24 + number * ROW, x, today))
    desc = f"{len(rows)} applications from {start.isoformat()} to {end.isoformat()}; the table below lists them"
    return _svg("timeline", "Timeline of the whole search", desc, 32 + max(len(rows), 1) * ROW, "".join(body))


def _timeline_row(row: Mapping[str, Any], y: int, x: Any, today: date) -> str:
    begin = date.fromisoformat(row["interviewed"]) if row["interviewed"] else today
    ended = _moment(row["ended_at"]) or (_moment(row["decided_at"]) if row["outcome"] != "pending" else None)
    finish = ended.date() if ended else today
    parts = [f'<text x="{LABEL - 8}" y="{y + 13}" text-anchor="end" fill="#222">{escape(row["company"])}</text>',
             f'<line x1="{x(begin):.1f}" y1="{y + 9}" x2="{x(finish):.1f}" y2="{y + 9}" stroke="#718096" '
             f'stroke-width="4"><title>{escape(row["company"])}: {escape(row["outcome"])}</title></line>']  # fmt: skip
    for contact in row["contacts"]:
        moment = datetime.fromisoformat(contact["at"])
        parts.append(f'<circle cx="{x(moment.date()):.1f}" cy="{y + 9}" r="5" fill="#2b6cb0">'
                     f"<title>{escape(contact['channel'])} {moment.date().isoformat()}</title></circle>")  # fmt: skip
    decided = _moment(row["decided_at"])
    if decided:
        cx = x(decided.date())
        parts.append(f'<path d="M{cx:.1f} {y + 2} l7 7 l-7 7 l-7 -7 z" fill="#c05621">'
                     f"<title>decision {decided.date().isoformat()}</title></path>")  # fmt: skip
    return "".join(parts)
