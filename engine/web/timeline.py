"""An application's timeline drawn as SVG on the server: what happened, then the plan ahead if
nobody answers, with today marked. Every text is escaped; no script, no external reference."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

from markupsafe import Markup, escape

WIDTH, HEIGHT, MARGIN, AXIS = 760, 190, 40, 95


class Mark(NamedTuple):
    """A point on the timeline: ``past`` for what happened, else a step of the plan."""

    at: datetime
    label: str
    past: bool
    timer: bool = False


def _x(at: datetime, start: datetime, span: float) -> float:
    return MARGIN + (at - start).total_seconds() / span * (WIDTH - 2 * MARGIN)


def _range(marks: Sequence[Mark], now: datetime) -> tuple[datetime, float]:
    moments = [m.at for m in marks] + [now]
    start, end = min(moments), max(moments)
    if end - start < timedelta(days=1):
        start, end = start - timedelta(hours=12), end + timedelta(hours=12)
    return start, (end - start).total_seconds()


#: Where labels go, in turn, so that neighbours do not write over each other: (label y, date y).
_ROWS = ((AXIS - 18, AXIS - 30), (AXIS + 26, AXIS + 38), (AXIS - 46, AXIS - 58), (AXIS + 54, AXIS + 66))


def _mark(mark: Mark, number: int, x: float, tz: tzinfo) -> str:
    y_text, y_date = _ROWS[number % len(_ROWS)]
    anchor = "start" if x < WIDTH * 0.12 else "end" if x > WIDTH * 0.88 else "middle"
    moment = mark.at.astimezone(tz).strftime("%a %d %b %H:%M")
    kind = "done" if mark.past else ("timer" if mark.timer else "ahead")
    return (
        f'<circle cx="{x:.1f}" cy="{AXIS}" r="6" class="tl-{kind}"><title>{escape(mark.label)}, '
        f"{escape(moment)}</title></circle>"
        f'<text x="{x:.1f}" y="{y_text}" text-anchor="{anchor}" class="tl-label">{escape(mark.label)}</text>'
        f'<text x="{x:.1f}" y="{y_date}" text-anchor="{anchor}" class="tl-date">'
        f"{escape(mark.at.astimezone(tz).strftime('%d %b'))}</text>"
    )


def merge(marks: Sequence[Mark], tz: tzinfo) -> list[Mark]:
    """Marks of the same day (in ``tz``) and the same side of today drawn as one, their labels
    joined, so that labels do not pile up on each other."""
    merged: list[Mark] = []
    for mark in marks:
        last = merged[-1] if merged else None
        if last and last.past == mark.past and last.at.astimezone(tz).date() == mark.at.astimezone(tz).date():
            label = last.label if mark.label in last.label.split(" · ") else f"{last.label} · {mark.label}"
            merged[-1] = last._replace(label=label, timer=last.timer and mark.timer)
        else:
            merged.append(mark)
    return merged


def svg(marks: Sequence[Mark], now: datetime, tz: tzinfo) -> Markup:
    """The timeline of ``marks`` (in order) around ``now``, as an inline SVG element."""
    marks = merge(marks, tz)
    start, span = _range(marks, now)
    today = _x(now, start, span)
    summary = f"{sum(m.past for m in marks)} events so far, {sum(not m.past for m in marks)} steps ahead"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="timeline" '
        f'aria-labelledby="tl-title"><title id="tl-title">Timeline: {escape(summary)}</title>',
        f'<line x1="{MARGIN}" y1="{AXIS}" x2="{today:.1f}" y2="{AXIS}" class="tl-axis"/>',
        f'<line x1="{today:.1f}" y1="{AXIS}" x2="{WIDTH - MARGIN}" y2="{AXIS}" class="tl-axis tl-future"/>',
        f'<line x1="{today:.1f}" y1="20" x2="{today:.1f}" y2="{HEIGHT - 20}" class="tl-today"/>',
        f'<text x="{today:.1f}" y="14" text-anchor="middle" class="tl-today-label">today</text>',
    ]
    parts += [_mark(m, n, _x(m.at, start, span), tz) for n, m in enumerate(marks)]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
