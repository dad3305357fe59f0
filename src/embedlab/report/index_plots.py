"""Pareto plots of an index study: quality against batched queries/s and against index bytes.

One PNG per (model, task, protocol), ``index-pareto-<n>.png`` in the study folder, two panels:
end-task quality (the first of ``recall@1``, ``ndcg@10``, or the first end-task metric, with
its CI as error bars) against ``qps_batched`` (higher is better) and against ``index_bytes``
(lower is better), both on log axes. A point is on the frontier when no other point is at
least as good on both axes and strictly better on one; frontier points are red and joined.
Drawn with matplotlib's object API (Agg canvas), imported lazily; written atomically.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab._atomic import write_atomic
from embedlab.report.index_tables import metric_name
from embedlab.report.plots import FRONTIER_COLOR, OTHER_COLOR, _figure, _write
from embedlab.results.schema import IndexRow

PREFERRED = ("recall@1", "ndcg@10")
COSTS = (
    "recall_vs_exact",
    "build_time",
    "index_bytes",
    "bytes_per_vector",
    "latency",
    "qps",
    "peak_rss",
)


@dataclass(frozen=True)
class IndexPoint:
    """One configuration: quality (fraction, CI) and its two costs."""

    label: str
    quality: float
    ci_low: float | None
    ci_high: float | None
    qps: float
    nbytes: float


def quality_metric(rows: Sequence[IndexRow]) -> str | None:
    """The metric on the quality axis (module docstring), None without end-task rows."""
    names = [
        metric_name(r)
        for r in rows
        if r.unit == "fraction" and r.scale_n is None and not r.metric.startswith(COSTS)
    ]
    for name in PREFERRED:
        if name in names:
            return name
    return names[0] if names else None


def points(rows: Sequence[IndexRow], metric: str) -> list[IndexPoint]:
    """One point per index configuration that has ``metric``, ``qps_batched``, ``index_bytes``."""
    by: dict[str, dict[str, IndexRow]] = {}
    for row in rows:
        by.setdefault(row.index, {})[metric_name(row)] = row
    out = []
    for label, metrics in by.items():
        if {metric, "qps_batched", "index_bytes"} <= set(metrics):
            q = metrics[metric]
            out.append(
                IndexPoint(
                    label,
                    q.value,
                    q.ci_low,
                    q.ci_high,
                    metrics["qps_batched"].value,
                    metrics["index_bytes"].value,
                )
            )
    return out


def frontier(pts: Sequence[tuple[float, float]]) -> list[bool]:
    """``on[i]``: no other point has quality >= and cost-goodness >= with one strictly."""
    return [not any(q2 >= q and g2 >= g and (q2 > q or g2 > g) for q2, g2 in pts) for q, g in pts]


def _panel(axes: Any, pts: list[IndexPoint], metric: str, cost: str) -> None:
    xs = [p.qps if cost == "qps" else p.nbytes for p in pts]
    goodness = [x if cost == "qps" else -x for x in xs]
    on = frontier([(p.quality, g) for p, g in zip(pts, goodness, strict=True)])
    for p, x, f in zip(pts, xs, on, strict=True):
        low = p.quality - (p.ci_low if p.ci_low is not None else p.quality)
        high = (p.ci_high if p.ci_high is not None else p.quality) - p.quality
        axes.errorbar(
            [x],
            [100 * p.quality],
            yerr=[[100 * low], [100 * high]],
            fmt="o",
            color=FRONTIER_COLOR if f else OTHER_COLOR,
            capsize=3,
        )
        if f:  # only frontier points are named (the others would overlap)
            axes.annotate(
                p.label, (x, 100 * p.quality), fontsize=6, xytext=(3, 3), textcoords="offset points"
            )
    best = sorted((x, 100 * p.quality) for p, x, f in zip(pts, xs, on, strict=True) if f)
    if len(best) > 1:
        axes.plot([b[0] for b in best], [b[1] for b in best], color=FRONTIER_COLOR, alpha=0.5)
    axes.set_xscale("log")
    axes.set_xlabel(
        "batched queries/s (higher is better)"
        if cost == "qps"
        else "index bytes, measured (lower is better)"
    )
    axes.set_ylabel(f"{metric} through the index (%)")
    axes.grid(True, which="both", alpha=0.3)


def write_index_plots(rows: Sequence[IndexRow], out: Path) -> list[Path]:
    """Write one two-panel PNG per (model, task, protocol) with quality rows; the paths."""
    groups: dict[tuple[str, str, str], list[IndexRow]] = {}
    for row in rows:
        if row.scale_n is None and row.source == "measured":
            groups.setdefault((row.model, row.task, row.protocol), []).append(row)
    written = []
    for number, ((model, task, protocol), group) in enumerate(groups.items(), start=1):
        metric = quality_metric(group)
        pts = points(group, metric) if metric else []
        if metric is None or not pts:
            continue
        figure = _figure()
        figure.set_size_inches(12.0, 5.5)
        left, right = figure.subplots(1, 2)
        _panel(left, pts, metric, "qps")
        _panel(right, pts, metric, "bytes")
        figure.suptitle(f"{model} · {task} {protocol}: quality vs cost per index configuration")
        written.append(_save(figure, out / f"index-pareto-{number}.png"))
    return written


def _save(figure: Any, path: Path) -> Path:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    write_atomic(path, lambda handle: _write(handle, data))
    return path
