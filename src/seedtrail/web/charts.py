"""Charts as inline SVG, drawn on the server: a funnel, time series and a small network.

No JavaScript and no external assets: each chart is a ``<figure>`` with an ``<svg>`` whose
elements carry ``<title>`` tooltips and ``data-value`` attributes (tests read them), plus a text
caption for screen readers.
Every piece of text that goes into the markup passes through :func:`markupsafe.escape` first;
that is why wrapping the assembled strings in ``Markup`` is safe (ruff S704 is silenced per line).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#ff2442", "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#4a5568")


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def funnel(steps: Sequence[tuple[str, float | None, str, int]], *, label: str) -> Markup:
    """Horizontal bars, widest first, each with its value (to its own number of decimals: a
    scaled step such as purchases keeps the one the figures above it show) and its rate as
    given (the registry states what each step is relative to; see
    :func:`seedtrail.attribution.metrics.rate`)."""
    width, row_h, left = 640, 30, 150
    top = max((v or 0 for _, v, _, _ in steps), default=0) or 1
    h = row_h * len(steps) + 10
    parts = [
        f'<svg class="chart funnel" viewBox="0 0 {width} {h}" role="img" '
        f'aria-label="{escape(label)}" width="100%">'
    ]
    for i, (name, value, rate_text, digits) in enumerate(steps):
        y = 5 + i * row_h
        w = 0 if value is None else max(1.0, (width - left - 200) * value / top)
        rate = f" ({rate_text})" if rate_text else ""
        shown = f"{fmt(value, digits)}{escape(rate)}"
        parts.append(
            f'<g class="step" data-step="{escape(name)}" data-value="{_num(value)}">'
            f"<title>{escape(name)}: {shown}</title>"
            f'<text x="{left - 8}" y="{y + 19}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{PALETTE[0]}" opacity="{1 - i * 0.08:.2f}"/>'
            f'<text x="{left + w + 6:.1f}" y="{y + 19}">{shown}</text></g>'
        )
    parts.append("</svg>")
    return Markup(f'<figure class="chart">{"".join(parts)}</figure>')  # noqa: S704


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[str, float | None]]  # (x label, y)


def line(series: Sequence[Series], *, label: str, digits: int = 0, height: int = 180) -> Markup:
    """Time series on a shared x axis (the union of x labels, sorted); gaps stay gaps."""
    xs = sorted({x for s in series for x, _ in s.points})
    ys = [y for s in series for _, y in s.points if y is not None]
    if not xs or not ys:
        return Markup("")
    width, left, right, top, bottom = 640, 56, 12, 10, 26
    lo, hi = min(0.0, min(ys)), max(ys)
    hi = hi if hi > lo else lo + 1
    pw, ph = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + (pw * i / (len(xs) - 1) if len(xs) > 1 else pw / 2)

    def py(v: float) -> float:
        return top + ph - ph * (v - lo) / (hi - lo)

    idx = {x: i for i, x in enumerate(xs)}
    out = [
        f'<svg class="chart line" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" width="100%">',
        f'<line x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" class="axis"/>',
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end">{fmt(hi, digits)}</text>',
        f'<text x="{left - 6}" y="{top + ph}" text-anchor="end">{fmt(lo, digits)}</text>',
        f'<text x="{left}" y="{height - 6}">{escape(xs[0])}</text>',
        f'<text x="{width - right}" y="{height - 6}" text-anchor="end">{escape(xs[-1])}</text>',
    ]
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        dots = []
        for x, y in sorted(s.points, key=lambda p: idx[p[0]]):
            if y is None:
                runs.append([])
                continue
            runs[-1].append(f"{px(idx[x]):.1f},{py(y):.1f}")
            dots.append(
                f'<circle cx="{px(idx[x]):.1f}" cy="{py(y):.1f}" r="2.5" fill="{color}" '
                f'data-x="{escape(x)}" data-value="{y}"><title>{escape(s.name)} {escape(x)}: '
                f"{fmt(y, digits)}</title></circle>"
            )
        out.append(f'<g class="series" data-series="{escape(s.name)}">')
        for run in runs:
            if len(run) > 1:
                out.append(
                    f'<polyline fill="none" stroke="{color}" stroke-width="2" '
                    f'points="{" ".join(run)}"/>'
                )
        out.append("".join(dots) + "</g>")
    out.append("</svg>")
    legend = "".join(
        f'<span class="key"><i style="background:{PALETTE[k % len(PALETTE)]}"></i>'
        f"{escape(s.name)}</span>"
        for k, s in enumerate(series)
    )
    return Markup(f'<figure class="chart">{"".join(out)}<figcaption>{legend}</figcaption></figure>')  # noqa: S704


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str  # "account", "note", ...
    flagged: bool = False


def network(nodes: Sequence[Node], edges: Sequence[tuple[str, str]], *, label: str) -> Markup:
    """A small bipartite-ish network: first kind on an inner circle, the rest on an outer one."""
    if not nodes:
        return Markup("")
    size, cx, cy = 420, 210, 210
    kinds = sorted({n.kind for n in nodes})
    pos: dict[str, tuple[float, float]] = {}
    for ring, kind in enumerate(kinds):
        members = [n for n in nodes if n.kind == kind]
        r = 80 + 110 * ring if len(kinds) > 1 else 170
        for i, n in enumerate(members):
            angle = 2 * math.pi * i / len(members) - math.pi / 2
            pos[n.id] = (cx + r * math.cos(angle), cy + r * math.sin(angle))
    out = [
        f'<svg class="chart network" viewBox="0 0 {size} {size}" role="img" '
        f'aria-label="{escape(label)}" width="100%" style="max-width:{size}px">'
    ]
    for src, dst in edges:
        if src in pos and dst in pos:
            (x1, y1), (x2, y2) = pos[src], pos[dst]
            out.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="edge"/>'
            )
    for n in nodes:
        x, y = pos[n.id]
        color = PALETTE[0] if n.flagged else PALETTE[1 + kinds.index(n.kind) % 4]
        shape = (
            f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{color}"/>'
            if n.kind != kinds[0]
            else f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{color}"/>'
        )
        caption = (
            f'<text x="{x:.1f}" y="{y + 18:.1f}" text-anchor="middle">{escape(n.label)}</text>'
            if len(nodes) <= 40
            else ""
        )
        out.append(
            f'<g class="node" data-node="{escape(n.id)}" data-kind="{escape(n.kind)}">'
            f"<title>{escape(n.label)}</title>{shape}{caption}</g>"
        )
    out.append("</svg>")
    return Markup(f'<figure class="chart">{"".join(out)}</figure>')  # noqa: S704


def highlight(text: str, spans: Sequence[tuple[int, int, str]]) -> Markup:
    """``text`` with each ``(start, end, kind)`` span (character offsets) wrapped in ``<mark>``;
    overlapping spans are merged into the first."""
    out, pos = [], 0
    for start, end, kind in sorted(spans):
        start = max(start, pos)
        if start >= end or start >= len(text):
            continue
        out.append(str(escape(text[pos:start])))
        out.append(f'<mark data-kind="{escape(kind)}">{escape(text[start:end])}</mark>')
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))  # noqa: S704
