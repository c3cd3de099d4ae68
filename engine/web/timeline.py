"""An application's timeline drawn as SVG on the server: what happened, then the plan ahead if
nobody answers, with today marked. Every text is escaped; no script, no external reference."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

from markupsafe import Markup, escape

WIDTH, HEIGHT, MARGIN, AXIS = 760, 190, 40, 95
#: The labels' and dates' font sizes (the SVG is never drawn smaller than its own width).
LABEL_SIZE, DATE_SIZE = 12, 11
#: A generous estimate of a character's width, in font sizes, for keeping the today line clear.
CHAR_WIDTH = 0.62


class Mark(NamedTuple):
    """A point on the timeline: ``past`` for what happened, else a step of the plan."""

    at: datetime
    label: str
    past: bool
    timer: bool = False
    overdue: bool = False  # a step of the plan whose moment has passed: still to do, and late


def _x(at: datetime, start: datetime, span: float) -> float:
    return MARGIN + (at - start).total_seconds() / span * (WIDTH - 2 * MARGIN)


def _range(marks: Sequence[Mark], now: datetime) -> tuple[datetime, float]:
    moments = [m.at for m in marks] + [now]
    start, end = min(moments), max(moments)
    if end - start < timedelta(days=1):
        start, end = start - timedelta(hours=12), end + timedelta(hours=12)
    return start, (end - start).total_seconds()


#: Where labels go, in turn, so that neighbours do not write over each other: (label y, date y).
_ROWS = ((AXIS - 18, AXIS - 33), (AXIS + 26, AXIS + 41), (AXIS - 50, AXIS - 65), (AXIS + 58, AXIS + 73))


def _anchor(x: float) -> str:
    return "start" if x < WIDTH * 0.12 else "end" if x > WIDTH * 0.88 else "middle"


def _texts(mark: Mark, number: int, x: float, tz: tzinfo) -> list[tuple[float, float, int, str]]:
    """The mark's label and date: (x, baseline y, font size, text)."""
    y_text, y_date = _ROWS[number % len(_ROWS)]
    date = mark.at.astimezone(tz).strftime("%d %b")
    label = f"{mark.label} (overdue)" if mark.overdue else mark.label
    return [(x, y_text, LABEL_SIZE, label), (x, y_date, DATE_SIZE, date)]


def _extent(x: float, size: int, text: str) -> tuple[float, float]:
    """The estimated left and right of a text anchored at ``x``."""
    width = len(text) * size * CHAR_WIDTH
    anchor = _anchor(x)
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return left, left + width


def rows(marks: Sequence[Mark], xs: Sequence[float], tz: tzinfo) -> list[int]:
    """The row of each mark's label and date: the first row, in turn, whose labels so far end
    before this one begins, so that neighbours do not write over each other."""
    ends = [float("-inf")] * len(_ROWS)
    chosen = []
    for mark, x in zip(marks, xs, strict=True):
        texts = _texts(mark, 0, x, tz)
        left = min(_extent(tx, size, text)[0] for tx, _, size, text in texts)
        right = max(_extent(tx, size, text)[1] for tx, _, size, text in texts)
        row = next((r for r, end in enumerate(ends) if end + 8 < left), ends.index(min(ends)))
        ends[row] = right
        chosen.append(row)
    return chosen


def _mark(mark: Mark, number: int, x: float, tz: tzinfo) -> str:
    moment = mark.at.astimezone(tz).strftime("%a %d %b %H:%M")
    kind = "done" if mark.past else "overdue" if mark.overdue else ("timer" if mark.timer else "ahead")
    (_, y_text, _, label), (_, y_date, _, date) = _texts(mark, number, x, tz)
    title = f"{mark.label}, {moment}" + (", overdue" if mark.overdue else "")
    anchor = _anchor(x)
    return (
        f'<circle cx="{x:.1f}" cy="{AXIS}" r="6" class="tl-{kind}"><title>{escape(title)}</title></circle>'
        f'<text x="{x:.1f}" y="{y_text}" text-anchor="{anchor}" class="tl-label">{escape(label)}</text>'
        f'<text x="{x:.1f}" y="{y_date}" text-anchor="{anchor}" class="tl-date">{escape(date)}</text>'
    )


def today_line(today: float, texts: Sequence[tuple[float, float, int, str]]) -> list[tuple[float, float]]:
    """The stretches (top, bottom) of the today line that cross no text: it stops short of
    every label it would run through."""
    blocked = []
    for x, y, size, text in texts:
        left, right = _extent(x, size, text)
        if left - 3 <= today <= right + 3:
            blocked.append((y - size - 2, y + size * 0.3 + 2))
    stretches, top = [], 20.0
    for start, end in sorted(blocked):
        if start > top:
            stretches.append((top, start))
        top = max(top, end)
    if top < HEIGHT - 20:
        stretches.append((top, HEIGHT - 20.0))
    return stretches


def merge(marks: Sequence[Mark], tz: tzinfo) -> list[Mark]:
    """Marks of the same day (in ``tz``) and the same side of today drawn as one, their labels
    joined, so that labels do not pile up on each other."""
    merged: list[Mark] = []
    for mark in marks:
        last = merged[-1] if merged else None
        if (
            last
            and (last.past, last.overdue) == (mark.past, mark.overdue)
            and last.at.astimezone(tz).date() == mark.at.astimezone(tz).date()
        ):
            label = last.label if mark.label in last.label.split(" · ") else f"{last.label} · {mark.label}"
            merged[-1] = last._replace(label=label, timer=last.timer and mark.timer)
        else:
            merged.append(mark)
    return merged


def svg(marks: Sequence[Mark], now: datetime, tz: tzinfo) -> Markup:
    """The timeline of ``marks`` (put in time order) around ``now``, as an inline SVG element."""
    marks = merge(sorted(marks, key=lambda m: m.at), tz)
    start, span = _range(marks, now)
    today = _x(now, start, span)
    late = sum(m.overdue for m in marks)
    summary = f"{sum(m.past for m in marks)} events so far, {sum(not m.past for m in marks)} steps ahead" + (
        f", {late} of them overdue" if late else ""
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="timeline" '
        f'aria-labelledby="tl-title"><title id="tl-title">Timeline: {escape(summary)}</title>',
        f'<line x1="{MARGIN}" y1="{AXIS}" x2="{today:.1f}" y2="{AXIS}" class="tl-axis"/>',
        f'<line x1="{today:.1f}" y1="{AXIS}" x2="{WIDTH - MARGIN}" y2="{AXIS}" class="tl-axis tl-future"/>',
        f'<text x="{today:.1f}" y="14" text-anchor="middle" class="tl-today-label">today</text>',
    ]
    xs = [_x(m.at, start, span) for m in marks]
    placed = rows(marks, xs, tz)
    texts = [t for m, x, n in zip(marks, xs, placed, strict=True) for t in _texts(m, n, x, tz)]
    parts += [f'<line x1="{today:.1f}" y1="{top:.1f}" x2="{today:.1f}" y2="{bottom:.1f}" class="tl-today"/>'
              for top, bottom in today_line(today, texts)]  # fmt: skip
    parts += [_mark(m, n, x, tz) for m, x, n in zip(marks, xs, placed, strict=True)]
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through escape()
