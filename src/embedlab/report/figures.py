"""Inline SVG charts for the HTML report: quality vs throughput, and per-category bars.

Plain SVG made here (no plotting library, no script needed to draw): the page stays one small
file that opens offline and prints as vectors. Each mark carries a ``<title>`` (the browser's own
hover text, also read by screen readers) and a ``data-tip`` that the page's few lines of script
show as a tooltip: model, value and CI. Values in percent; the throughput axis is logarithmic when
the throughputs span more than a factor of 10. Colours: the Okabe–Ito palette (colour-blind safe);
every series is also named in a legend or beside its point, so the charts read in grey print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


@dataclass(frozen=True)
class Point:
    """A system on the quality/throughput plane (y and its CI in percent)."""

    label: str
    x: float
    y: float
    y_low: float | None = None
    y_high: float | None = None
    tip: str = ""
    on_front: bool = False
    exact: bool = True


@dataclass(frozen=True)
class Bar:
    """One bar (percent) with its CI and hover text."""

    value: float
    low: float | None = None
    high: float | None = None
    tip: str = ""


def _attr(text: str) -> str:
    return escape(text, quote=True)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = max(high - low, 1e-9)
    raw = span / count
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 2.5, 5, 10) if raw <= step * m)
    start = math.ceil(low / step) * step
    return [start + i * step for i in range(int((high - start) / step + 1e-9) + 1)]


def _log_ticks(lo: float, hi: float) -> list[float]:
    """1, 2 and 5 times the powers of ten between ``10**lo`` and ``10**hi``."""
    ticks = [m * 10.0**e for e in range(math.floor(lo), math.ceil(hi) + 1) for m in (1, 2, 5)]
    return [t for t in ticks if lo <= math.log10(t) <= hi]


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2g}"


def scatter(points: Sequence[Point], x_label: str, y_label: str, title: str) -> str:
    """Quality (y) against throughput (x); frontier points filled and joined by a staircase."""
    width, height, left, right, top, bottom = 760, 420, 70, 190, 20, 50
    xs = [p.x for p in points]
    log_x = min(xs) > 0 and max(xs) / min(xs) > 10
    fx = (lambda v: math.log10(v)) if log_x else (lambda v: v)
    x_lo, x_hi = fx(min(xs)), fx(max(xs))
    pad = (x_hi - x_lo) * 0.08 or (abs(x_lo) * 0.1 or 1.0)
    x_lo, x_hi = x_lo - pad, x_hi + pad
    ys = [v for p in points for v in (p.y, p.y_low, p.y_high) if v is not None]
    y_lo, y_hi = max(0.0, min(ys) - 5), min(100.0, max(ys) + 5)
    if y_hi - y_lo < 1:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + (fx(v) - x_lo) / (x_hi - x_lo) * plot_w

    def py(v: float) -> float:
        return top + (1 - (v - y_lo) / (y_hi - y_lo)) * plot_h

    parts = [_open(width, height, title)]
    parts += _axes(left, top, plot_w, plot_h, x_label, y_label)
    for tick in _ticks(y_lo, y_hi):
        parts.append(_ytick(left, plot_w, py(tick), _fmt(tick)))
    x_ticks = _log_ticks(x_lo, x_hi) if log_x else _ticks(x_lo, x_hi)
    for tick in x_ticks:
        x = left + ((fx(tick) if log_x else tick) - x_lo) / (x_hi - x_lo) * plot_w
        parts.append(
            f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" '
            f'y2="{top + plot_h + 5}" stroke="#333"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'font-size="11">{_fmt(tick)}</text>'
        )
    front = sorted((p for p in points if p.on_front), key=lambda p: p.x)
    if len(front) > 1:
        path = [f"M{px(front[0].x):.1f},{py(front[0].y):.1f}"]
        for b in front[1:]:  # higher throughput, lower quality: across, then down
            path.append(f"H{px(b.x):.1f}V{py(b.y):.1f}")
        parts.append(
            f'<path d="{"".join(path)}" fill="none" stroke="#D55E00" '
            'stroke-width="1.5" stroke-dasharray="5 3"/>'
        )
    for i, p in enumerate(points):
        colour = "#D55E00" if p.on_front else "#555"
        fill = colour if p.exact else "white"
        x, y = px(p.x), py(p.y)
        whisker = ""
        if p.y_low is not None and p.y_high is not None:
            whisker = (
                f'<line x1="{x:.1f}" y1="{py(p.y_low):.1f}" x2="{x:.1f}" '
                f'y2="{py(p.y_high):.1f}" stroke="{colour}" stroke-width="1.5"/>'
            )
        parts.append(
            f'<g class="mark" data-tip="{_attr(p.tip)}" data-kind="point" data-index="{i}">'
            f"<title>{escape(p.tip)}</title>{whisker}"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}" stroke="{colour}" '
            f'stroke-width="2"/><text x="{x + 9:.1f}" y="{y + 4:.1f}" font-size="11">'
            f"{escape(p.label)}</text></g>"
        )
    legend_x = left + plot_w + 24
    parts.append(
        f'<g font-size="11"><circle cx="{legend_x}" cy="{top + 10}" r="5" fill="#D55E00"/>'
        f'<text x="{legend_x + 10}" y="{top + 14}">Pareto front</text>'
        f'<circle cx="{legend_x}" cy="{top + 30}" r="5" fill="#555"/>'
        f'<text x="{legend_x + 10}" y="{top + 34}">dominated</text>'
        f'<circle cx="{legend_x}" cy="{top + 50}" r="5" fill="white" stroke="#555" '
        f'stroke-width="2"/><text x="{legend_x + 10}" y="{top + 54}">quality from another</text>'
        f'<text x="{legend_x + 10}" y="{top + 68}">runtime/precision</text>'
        f'<text x="{legend_x - 5}" y="{top + 92}">bars: CI of quality</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Bar | None]]],
    y_label: str,
    title: str,
) -> str:
    """Grouped bars: one group per category, one bar per series, CI whiskers, a legend."""
    n_series = max(len(series), 1)
    group_w = max(40, 14 * n_series + 16)
    plot_w = max(420, group_w * len(categories))
    per_row = max(1, int(plot_w // 150))
    left, top, bottom, legend_h = 60, 20 + 18 * ((len(series) + per_row - 1) // per_row), 30, 0
    width, plot_h = left + plot_w + 20, 240
    height = top + plot_h + bottom + legend_h
    highs = [b.high if b.high is not None else b.value for _, s in series for b in s if b]
    y_hi = min(100.0, max([*highs, 1.0]) * 1.1)
    y_hi = 100.0 if y_hi > 80 else y_hi

    def py(v: float) -> float:
        return top + (1 - v / y_hi) * plot_h

    parts = [_open(width, height, title)]
    for i, (name, _) in enumerate(series):
        lx, ly = left + (i % per_row) * 150, 12 + 18 * (i // per_row)
        parts.append(
            f'<rect x="{lx}" y="{ly - 9}" width="11" height="11" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{lx + 16}" y="{ly}" '
            f'font-size="11">{escape(name)}</text>'
        )
    parts += _axes(left, top, plot_w, plot_h, "", y_label)
    for tick in _ticks(0, y_hi):
        parts.append(_ytick(left, plot_w, py(tick), _fmt(tick)))
    bar_w = (group_w - 16) / n_series
    for c, category in enumerate(categories):
        x0 = left + c * (plot_w / len(categories)) + (plot_w / len(categories) - group_w) / 2 + 8
        for s, (_, values) in enumerate(series):
            bar = values[c]
            if bar is None:
                continue
            x = x0 + s * bar_w
            whisker = ""
            if bar.low is not None and bar.high is not None:
                mid = x + bar_w / 2
                whisker = (
                    f'<line x1="{mid:.1f}" y1="{py(bar.low):.1f}" x2="{mid:.1f}" '
                    f'y2="{py(bar.high):.1f}" stroke="#222" stroke-width="1.2"/>'
                )
            parts.append(
                f'<g class="mark" data-tip="{_attr(bar.tip)}" data-kind="bar">'
                f"<title>{escape(bar.tip)}</title>"
                f'<rect x="{x:.1f}" y="{py(bar.value):.1f}" width="{max(bar_w - 2, 1):.1f}" '
                f'height="{max(top + plot_h - py(bar.value), 0.5):.1f}" '
                f'fill="{PALETTE[s % len(PALETTE)]}"/>{whisker}</g>'
            )
        cx = left + (c + 0.5) * plot_w / len(categories)
        parts.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'font-size="11">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" {FONT}>'
        f"<title>{escape(title)}</title>"
    )


def _axes(left: int, top: int, w: float, h: float, x_label: str, y_label: str) -> list[str]:
    out = [
        f'<rect x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" fill="none" stroke="#333"/>'
    ]
    if x_label:
        out.append(
            f'<text x="{left + w / 2:.1f}" y="{top + h + 38}" text-anchor="middle" '
            f'font-size="12">{escape(x_label)}</text>'
        )
    out.append(
        f'<text transform="translate({left - 45},{top + h / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle" font-size="12">{escape(y_label)}</text>'
    )
    return out


def _ytick(left: int, w: float, y: float, label: str) -> str:
    return (
        f'<line x1="{left}" y1="{y:.1f}" x2="{left + w:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
        f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
        f"{label}</text>"
    )
