"""The rules page's state diagram, laid out here as layered SVG: no Graphviz, no script.

States go in layers from the initial one down (longest path; arrows that skip layers drawn on
the left, those that go back on the right, those that keep a state where it is left to the
table), the "while in process" group of :func:`tactful.authoring.graph.layout` boxed at the top
with its shared transitions drawn once from the box's bottom. The SVG keeps its own size, so
its text is never drawn smaller than 12 px; the page lets it scroll and links it full size.
Every text is escaped; styles are presentation attributes, so the file stands alone."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from ..authoring.graph import GROUP_LABEL, Edge, layout
from ..language.ruleset import RuleSet

NAME_SIZE, LABEL_SIZE, CHAR = 13, 12, 0.6  # font sizes, and a character's width in font sizes
NODE_H, LAYER_H, GAP, PAD, WRAP, LANE = 44, 120, 36, 24, 14, 16
LABEL_ROOM = 120  # past the outermost lane on the right, for the labels that sit on it
INK, MUTED, BRAND, CURRENT, VISITED = "#1b1b1b", "#4d4d4d", "#1f4e79", "#ffe8a3", "#eeeeee"


class Box(NamedTuple):
    x: float  # centre
    y: float  # centre
    w: float
    h: float


def _lines(name: str) -> list[str]:
    """A state's name in lines of about :data:`WRAP` characters."""
    lines: list[str] = []
    for word in name.replace("_", " ").split():
        if lines and len(lines[-1]) + 1 + len(word) <= WRAP:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [name]


def _width(name: str) -> float:
    return max(len(line) for line in _lines(name)) * NAME_SIZE * CHAR + 24


def layers(rs: RuleSet) -> dict[str, int]:
    """Each state's layer: below every state that leads to it (arrows back left out), the
    group's members above every other state."""
    drawn = layout(rs)
    succ: dict[str, list[str]] = {s: [] for s in rs.states}
    ends = {e.target for e in drawn.shared}
    for e in drawn.rest:
        if e.source != e.target and not {e.source, e.target} <= ends:  # the group's ends side by side
            succ[e.source].append(e.target)
    for e in drawn.shared:
        for member in drawn.group:
            succ[member].append(e.target)
    forward = _forward(rs, succ)
    layer = dict.fromkeys(rs.states, 0)
    group = set(drawn.group)
    for _ in range(len(layer) + 1):
        bottom = max((layer[s] for s in group), default=-1)
        changed = False
        for u, v in forward:
            want = max(layer[u] + 1, bottom + 1 if v not in group and group else 0)
            if layer[v] < want:
                layer[v], changed = want, True
        if not changed:
            break
    return layer


def _forward(rs: RuleSet, succ: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The arrows that do not lead back, found by a depth-first walk from the initial state."""
    seen: dict[str, int] = {}  # 1: on the path, 2: done
    forward: list[tuple[str, str]] = []

    def walk(u: str) -> None:
        seen[u] = 1
        for v in succ[u]:
            if seen.get(v) != 1:
                forward.append((u, v))
            if v not in seen:
                walk(v)
        seen[u] = 2

    for start in [rs.initial, *rs.states]:
        if start not in seen:
            walk(start)
    return forward


def place(rs: RuleSet, left: float = 0) -> dict[str, Box]:
    """Each state's box, layer by layer, each layer centred."""
    layer = layers(rs)
    rows: dict[int, list[str]] = {}
    for name in rs.states:
        rows.setdefault(layer[name], []).append(name)
    widths = {n: _width(n) for n in rs.states}
    full = max(sum(widths[n] for n in row) + GAP * (len(row) - 1) for row in rows.values())
    boxes = {}
    for number, row in rows.items():
        x = PAD + 40 + left + (full - sum(widths[n] for n in row) - GAP * (len(row) - 1)) / 2
        for name in row:
            boxes[name] = Box(x + widths[name] / 2, PAD + 40 + number * LAYER_H + NODE_H / 2, widths[name], NODE_H)
            x += widths[name] + GAP
    return boxes


class _Labels:
    """Edge labels placed where they overlap no other label and no state: along the edge when
    such a place is found there, else just above or below it, moving further off until one is
    free; never past the diagram's left edge (:meth:`right` gives how far right they reach)."""

    def __init__(self, boxes: Collection[Box]) -> None:
        self.taken = [(b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2) for b in boxes]
        self.placed: list[tuple[float, float, float, float]] = []

    def put(self, points: Sequence[tuple[float, float]], text: str) -> tuple[float, float]:
        w, h = len(text) * LABEL_SIZE * CHAR + 6, LABEL_SIZE + 4
        steps = [0.0] + [sign * k * (h + 2) for k in range(1, 40) for sign in (-1, 1)]
        for dy in steps:
            for t in (0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85, 0.45, 0.55):
                x, y = _bezier(points, t)
                x, y = max(x, w / 2 + 4), max(y + dy, h / 2 + 4)
                box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                if not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in self.taken):
                    self.taken.append(box)
                    self.placed.append(box)
                    return x, y
        raise AssertionError(f"no room for the label {text!r}")  # pragma: no cover - 78 rows above and below

    def right(self) -> float:
        """How far right the labels reach."""
        return max((box[2] for box in self.placed), default=0.0)

    def bottom(self) -> float:
        """How far down the labels reach."""
        return max((box[3] for box in self.placed), default=0.0)


def _bezier(p: Sequence[tuple[float, float]], t: float) -> tuple[float, float]:
    u = 1 - t
    weights = (u**3, 3 * u * u * t, 3 * u * t * t, t**3)
    return sum(w * q[0] for w, q in zip(weights, p, strict=True)), sum(
        w * q[1] for w, q in zip(weights, p, strict=True)
    )


def _route(a: Box, b: Box, lane: int) -> list[tuple[float, float]]:
    """The curve from ``a`` to ``b``: down into its top from the layer above; round by the left
    when it skips layers, by the right when it goes back up or across (``lane`` keeps such
    curves apart)."""
    if 0 < b.y - a.y <= LAYER_H * 1.5:
        return [(a.x, a.y + a.h / 2), (a.x, a.y + LAYER_H / 2), (b.x, b.y - LAYER_H / 2), (b.x, b.y - b.h / 2)]
    out = 36 + LANE * lane
    if b.y == a.y:  # side by side: an arc below them
        drop = b.h / 2 + 30 + 12 * lane
        return [(a.x, a.y + a.h / 2), (a.x, a.y + drop), (b.x, b.y + drop), (b.x + (a.x > b.x) * 0, b.y + b.h / 2)]
    if b.y > a.y:
        return [(a.x - a.w / 2, a.y), (a.x - a.w / 2 - out, a.y), (b.x - b.w / 2 - out, b.y), (b.x - b.w / 2, b.y)]
    if a == b:
        return [(a.x + a.w / 2, a.y - 8), (a.x + a.w / 2 + 60, a.y - 30), (a.x + a.w / 2 + 60, a.y + 30),
                (a.x + a.w / 2, a.y + 8)]  # fmt: skip
    return [(a.x + a.w / 2, a.y), (a.x + a.w / 2 + out, a.y), (b.x + b.w / 2 + out, b.y), (b.x + b.w / 2, b.y)]


def _path(points: Sequence[tuple[float, float]], label: str, timer: bool, labels: _Labels) -> str:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    dash = ' stroke-dasharray="6 4"' if timer else ""
    lx, ly = labels.put(points, label)
    return (
        f'<g><title>{escape(label)}</title><path d="M{x0:.1f},{y0:.1f} C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} '
        f'{x3:.1f},{y3:.1f}" fill="none" stroke="{MUTED}" stroke-width="1.4"{dash} marker-end="url(#arrow)"/>'
        f'<text x="{lx:.1f}" y="{ly + LABEL_SIZE / 3:.1f}" text-anchor="middle" font-size="{LABEL_SIZE}" '
        f'fill="{INK}" stroke="#fff" stroke-width="4" paint-order="stroke">{escape(label)}</text></g>'
    )


def _node(name: str, box: Box, current: str | None, visited: Collection[str], final: bool) -> str:
    fill = CURRENT if name == current else VISITED if name in visited else "#fff"
    stroke = ("#e65100", 3) if name == current else (BRAND, 2 if final else 1.5)
    lines = _lines(name)
    top = box.y - (len(lines) - 1) * NAME_SIZE * 0.6
    text = "".join(f'<tspan x="{box.x:.1f}" y="{top + i * NAME_SIZE * 1.2 + NAME_SIZE / 3:.1f}">{escape(line)}</tspan>'
                   for i, line in enumerate(lines))  # fmt: skip
    inner = (f'<rect x="{box.x - box.w / 2 + 3:.1f}" y="{box.y - box.h / 2 + 3:.1f}" width="{box.w - 6:.1f}" '
             f'height="{box.h - 6:.1f}" rx="6" fill="none" stroke="{BRAND}"/>') if final else ""  # fmt: skip
    bold = ' font-weight="700"' if name == current else ""
    marked = ' data-current=""' if name == current else ""
    return (
        f'<g data-state="{escape(name)}"{marked}><rect x="{box.x - box.w / 2:.1f}" y="{box.y - box.h / 2:.1f}" '
        f'width="{box.w:.1f}" height="{box.h:.1f}" rx="9" fill="{fill}" stroke="{stroke[0]}" '
        f'stroke-width="{stroke[1]}"/>{inner}<text text-anchor="middle" font-size="{NAME_SIZE}" fill="{INK}"'
        f"{bold}>{text}</text></g>"
    )


def _group(boxes: dict[str, Box], members: Sequence[str]) -> tuple[str, Box]:
    inside = [boxes[m] for m in members]
    left, right = min(b.x - b.w / 2 for b in inside) - 16, max(b.x + b.w / 2 for b in inside) + 16
    top, bottom = min(b.y - b.h / 2 for b in inside) - 30, max(b.y + b.h / 2 for b in inside) + 16
    box = Box((left + right) / 2, (top + bottom) / 2, right - left, bottom - top)
    return (
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" height="{bottom - top:.1f}" rx="12" '
        f'fill="#f4f6f9" stroke="{BRAND}" stroke-dasharray="8 5"/><text x="{left + 10:.1f}" y="{top + 19:.1f}" '
        f'font-size="{LABEL_SIZE + 1}" font-weight="700" fill="{BRAND}">{escape(GROUP_LABEL)}</text>',
        box,
    )


def _edges(
    rest: Sequence[Edge], skips: Sequence[Edge], boxes: dict[str, Box], labels: _Labels
) -> tuple[list[str], int]:
    """The drawn transitions, each round its own lane when it skips layers or goes back, and
    how many lanes on the right they take; one that keeps its state is left to the table."""
    edges: list[str] = []
    lanes: dict[str, int] = {}
    for e in rest:
        a, b = boxes[e.source], boxes[e.target]
        if e.source == e.target:
            continue
        if e in skips:
            lane = skips.index(e)
        elif a.y == b.y:
            lane = len(lanes) % 3
            lanes.setdefault(e.source + ">" + e.target, 0)
        else:
            lane = 0 if b.y > a.y else lanes.setdefault(e.source + ">" + e.target, len(lanes))
        edges.append(_path(_route(a, b, lane), " | ".join(e.labels), e.timer, labels))
    return edges, len(lanes)


def svg(rs: RuleSet, current: str | None = None, visited: Collection[str] = ()) -> Markup:
    """The state machine of ``rs`` as an SVG element at its own size; ``current`` marked, the
    states already ``visited`` shaded."""
    drawn, layer = layout(rs), layers(rs)
    skips = [e for e in drawn.rest if layer[e.target] > layer[e.source] + 1]
    boxes = place(rs, left=LANE * len(skips) + 20 if skips else 0)
    parts, labels = [], _Labels(boxes.values())
    group_box = None
    if drawn.group:
        drawn_group, group_box = _group(boxes, drawn.group)
        parts.append(drawn_group)
    edges, lanes = _edges(drawn.rest, skips, boxes, labels)
    edges += _shared(drawn.shared, group_box, boxes, labels)
    start = boxes[rs.initial]
    parts += [*edges, f'<circle cx="{start.x:.1f}" cy="{start.y - start.h / 2 - 22:.1f}" r="6" fill="{INK}"/>',
              f'<path d="M{start.x:.1f},{start.y - start.h / 2 - 16:.1f} V{start.y - start.h / 2:.1f}" '
              f'stroke="{INK}" stroke-width="1.4" marker-end="url(#arrow)"/>']  # fmt: skip
    parts += [_node(n, boxes[n], current, visited, s.final) for n, s in rs.states.items()]
    width = max(max(b.x + b.w / 2 for b in boxes.values()) + 50 + LANE * lanes + LABEL_ROOM, labels.right()) + PAD
    height = max(max(b.y + b.h / 2 for b in boxes.values()), labels.bottom()) + PAD
    return Markup(  # noqa: S704 - every text above went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-labelledby="diagram-title" class="state-diagram" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">'
        f'<title id="diagram-title">The state machine of {escape(rs.name)}</title>'
        f'<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )


def _shared(shared: Sequence[Edge], group: Box | None, boxes: dict[str, Box], labels: _Labels) -> list[str]:
    """The group's transitions, drawn once each from the bottom of its box."""
    if group is None:
        return []
    out = []
    for number, e in enumerate(shared, start=1):
        x = group.x - group.w / 2 + group.w * number / (len(shared) + 1)
        top = Box(x, group.y + group.h / 2, 0, 0)
        b = boxes[e.target]
        points = [(top.x, top.y), (top.x, top.y + 40), (b.x, b.y - LAYER_H / 2), (b.x, b.y - b.h / 2)]
        out.append(_path(points, " | ".join(e.labels), e.timer, labels))
    return out
