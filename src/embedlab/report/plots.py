"""Plots: the quality-vs-throughput Pareto plot, written as a PNG atomically.

Drawn with matplotlib's object API (a ``Figure`` on the Agg canvas: no pyplot state, no GUI
backend), imported lazily; without matplotlib, :class:`MissingDependencyError` names the
``plot`` extra. Throughput is on a log axis (systems differ by orders of magnitude); frontier
points are filled and joined by a staircase line, dominated points are grey, and a point whose
quality was measured on another runtime/precision is hollow. A quality row's confidence interval
is drawn as a vertical error bar; a plot of one configuration says in its title that there is
nothing to compare yet (and :func:`plot_run`'s line says so on the console).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from embedlab._atomic import write_atomic
from embedlab.errors import EmbedlabError, MissingDependencyError
from embedlab.report.pareto import ParetoPoint, QualityChoice, pareto_frontier
from embedlab.results.schema import MetricRow, RunLog

FRONTIER_COLOR = "#d62728"
OTHER_COLOR = "#7f7f7f"
RANK_METRICS = frozenset({"median_rank", "mean_rank"})
DEFAULT_TITLE = "Quality vs sustained throughput (one point per model × runtime × precision)"
SINGLE_NOTE = "one configuration only, so no trade-off to show: add models, runtimes or precisions"
SINGLE_TITLE = "Quality vs sustained throughput: one configuration only, nothing to compare yet"


def _write(handle: BinaryIO, data: bytes) -> None:
    handle.write(data)


def _figure() -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependencyError(
            "matplotlib", extra="plot", purpose="drawing the Pareto plot"
        ) from None
    figure = Figure(figsize=(8.0, 5.5), dpi=120, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def quality_label(choice: QualityChoice) -> str:
    """``coco-karpathy · t2i · recall@1 (%)`` (ranks carry no percent sign)."""
    unit = "rank" if choice.metric in RANK_METRICS else "%"
    return f"{choice.task} · {choice.protocol} · {choice.metric} ({unit})"


def throughput_label(modality: str, batch_sizes: Sequence[int]) -> str:
    """``throughput (images/s, batch 32, log scale)``."""
    batches = ", ".join(str(b) for b in sorted(set(batch_sizes)))
    return f"sustained throughput ({modality}s/s, batch {batches}, log scale)"


def _scaled(point: ParetoPoint, metric: str) -> float:
    return point.quality if metric in RANK_METRICS else 100.0 * point.quality


def _draw(axes: Any, points: Sequence[ParetoPoint], choice: QualityChoice) -> None:
    higher = choice.metric not in RANK_METRICS
    frontier = pareto_frontier(points, higher_is_better=higher)
    on = set(frontier)
    labelled: set[str] = set()
    for i, point in enumerate(points):
        color = FRONTIER_COLOR if i in on else OTHER_COLOR
        kind = "on the frontier" if i in on else "dominated"
        if not point.exact:
            kind = "hollow: quality from another runtime/precision"
        y = _scaled(point, choice.metric)
        axes.scatter(
            point.throughput, y, s=60, c=color if point.exact else "white", edgecolors=color,
            zorder=3, label=None if kind in labelled else kind,
        )  # fmt: skip
        labelled.add(kind)
        if point.ci_low is not None and point.ci_high is not None:
            low, high = (_scaled(replace(point, quality=q), choice.metric)
                         for q in (point.ci_low, point.ci_high))  # fmt: skip
            axes.errorbar(
                point.throughput, y, yerr=[[max(y - low, 0.0)], [max(high - y, 0.0)]],
                fmt="none", ecolor=color, elinewidth=1.2, capsize=3, zorder=2,
                label=None if "ci" in labelled else "quality CI",
            )  # fmt: skip
            labelled.add("ci")
        axes.annotate(
            point.label, (point.throughput, y), xytext=(6, 4), textcoords="offset points",
            fontsize=7.5, color="#222222",
        )  # fmt: skip
    if len(frontier) > 1:
        # Boundary of what is reachable: the best quality among points at >= a given throughput.
        xs = [points[i].throughput for i in frontier]
        ys = [_scaled(points[i], choice.metric) for i in frontier]
        axes.step(xs, ys, where="pre", color=FRONTIER_COLOR, alpha=0.6, label="Pareto frontier")
    axes.legend(loc="best", fontsize=8)


def pareto_figure(
    points: Sequence[ParetoPoint],
    choice: QualityChoice,
    modality: str = "image",
    title: str | None = None,
) -> Any:
    """The matplotlib ``Figure``: quality (y, with CI error bars) against throughput (x, log).

    With a single point there is no trade-off to see; the title says so.

    Raises:
        MissingDependencyError: matplotlib is not installed.
        ValueError: ``points`` is empty.
    """
    if not points:
        raise ValueError("a Pareto plot needs at least one point")
    figure = _figure()
    axes = figure.add_subplot()
    _draw(axes, points, choice)
    axes.set_xscale("log")
    axes.set_xlabel(throughput_label(modality, [p.batch_size for p in points]))
    axes.set_ylabel(quality_label(choice))
    axes.set_title(title or (SINGLE_TITLE if len(points) == 1 else DEFAULT_TITLE))
    axes.grid(True, which="both", alpha=0.3)
    axes.margins(x=0.25, y=0.15)
    return figure


def write_pareto_plot(
    points: Sequence[ParetoPoint],
    path: Path,
    choice: QualityChoice,
    modality: str = "image",
    title: str | None = None,
) -> Path:
    """Write :func:`pareto_figure` as a PNG to ``path`` atomically.

    Raises:
        MissingDependencyError: matplotlib is not installed.
        ValueError: ``points`` is empty.
    """
    figure = pareto_figure(points, choice, modality, title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_atomic(path, lambda handle: _write(handle, buffer.getvalue()))
    return path


PLOT_PNG = "pareto.png"


def plot_run(
    log: RunLog, quality: list[MetricRow] | None, out: Path, options: dict[str, Any]
) -> str:
    """Write ``out/pareto.png`` when quality and speed rows meet; a line saying what happened.

    ``options`` holds ``metric``, ``task``, ``protocol`` (quality axis) and ``modality``
    (throughput axis). Quality rows come from ``quality`` or else from ``log`` itself.
    """
    from embedlab.report.pareto import choose_quality, pareto_points

    metrics = quality if quality is not None else log.metrics
    if not metrics:
        return "no quality rows (pass --quality RUN_DIR for a Pareto plot)"
    try:
        choice = choose_quality(metrics, options["metric"], options["task"], options["protocol"])
        points = pareto_points(metrics, log.speed, choice, modality=options["modality"])
        if not points:
            return "no Pareto plot: no model has both quality rows and throughput rows"
        path = write_pareto_plot(points, out / PLOT_PNG, choice, modality=options["modality"])
    except EmbedlabError as exc:
        return f"no Pareto plot: {exc}"
    if len(points) == 1:
        return f"wrote {path} ({SINGLE_NOTE})"
    return f"wrote {path}"
