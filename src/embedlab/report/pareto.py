"""Quality-vs-throughput points and their Pareto frontier (data only; drawing is in plots.py).

A point is one system (model × runtime × precision): its sustained throughput on one modality
at one batch size (by default the largest batch measured) and one quality metric on one
task/protocol. Quality is taken from a metric row of the same model, runtime and precision
(``exact``); failing that, from the same model on another runtime/precision (``exact`` False:
the plot marks it, since int8 or fp16 can change quality).

A point is on the frontier when no other point is at least as good on both axes and strictly
better on one: ``p`` is dominated iff ``∃ q: q.quality ≥ p.quality ∧ q.throughput ≥
p.throughput ∧ (q.quality > p.quality ∨ q.throughput > p.throughput)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embedlab.errors import ConfigError
from embedlab.results.schema import MetricRow, SpeedRow


@dataclass(frozen=True)
class ParetoPoint:
    """One system on the quality/throughput plane (quality as stored: a fraction or a rank).

    ``ci_low``/``ci_high``: the quality row's confidence interval, when it has one.
    """

    model: str
    runtime: str
    precision: str
    quality: float
    throughput: float
    batch_size: int
    exact: bool = True
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def label(self) -> str:
        """``model [runtime precision]``."""
        return f"{self.model} [{self.runtime} {self.precision}]"


@dataclass(frozen=True)
class QualityChoice:
    """Which metric rows give the quality axis."""

    metric: str
    task: str
    protocol: str


def choose_quality(
    metrics: Sequence[MetricRow], metric: str, task: str | None, protocol: str | None
) -> QualityChoice:
    """Fill in the task and protocol from the rows (first found) when not given.

    Raises:
        ConfigError: no metric row matches.
    """
    rows = [r for r in metrics if _named(r) == metric]
    rows = [r for r in rows if task is None or r.task == task]
    rows = [r for r in rows if protocol is None or r.protocol == protocol]
    if not rows:
        found = sorted({_named(r) for r in metrics})
        raise ConfigError(
            f"no quality rows for metric {metric!r} (task {task or 'any'}, protocol "
            f"{protocol or 'any'}); metrics present: {', '.join(found) or 'none'}"
        )
    return QualityChoice(metric=metric, task=rows[0].task, protocol=rows[0].protocol)


def _named(row: MetricRow) -> str:
    """``recall@1`` whether stored as ``metric="recall@1"`` or as ``metric="recall", k=1``."""
    return row.metric if row.k is None or "@" in row.metric else f"{row.metric}@{row.k}"


def _quality_of(
    metrics: Sequence[MetricRow], choice: QualityChoice, model: str, runtime: str, precision: str
) -> tuple[MetricRow, bool] | None:
    rows = [
        r
        for r in metrics
        if r.model == model
        and _named(r) == choice.metric
        and r.task == choice.task
        and r.protocol == choice.protocol
    ]
    for row in rows:
        if row.runtime == runtime and row.precision == precision:
            return row, True
    return (rows[0], False) if rows else None


def pareto_points(
    metrics: Sequence[MetricRow],
    speed: Sequence[SpeedRow],
    choice: QualityChoice,
    modality: str = "image",
    batch_size: int | None = None,
) -> list[ParetoPoint]:
    """One point per system with both a throughput row and a quality row (with its CI)."""
    best: dict[tuple[str, str, str], SpeedRow] = {}
    for row in speed:
        if row.metric != "throughput" or row.modality != modality:
            continue
        if batch_size is not None and row.batch_size != batch_size:
            continue
        key = (row.model, row.runtime, row.precision)
        if key not in best or row.batch_size > best[key].batch_size:
            best[key] = row
    points = []
    for (model, runtime, precision), row in best.items():
        found = _quality_of(metrics, choice, model, runtime, precision)
        if found is not None:
            quality, exact = found
            points.append(
                ParetoPoint(
                    model, runtime, precision, quality.value, row.value, row.batch_size, exact,
                    quality.ci_low, quality.ci_high,
                )
            )  # fmt: skip
    return points


def pareto_frontier(points: Sequence[ParetoPoint], higher_is_better: bool = True) -> list[int]:
    """Indices of the non-dominated points, sorted by throughput (ascending)."""
    sign = 1.0 if higher_is_better else -1.0

    def dominates(q: ParetoPoint, p: ParetoPoint) -> bool:
        qq, pq = sign * q.quality, sign * p.quality
        at_least = qq >= pq and q.throughput >= p.throughput
        return at_least and (qq > pq or q.throughput > p.throughput)

    keep = [i for i, p in enumerate(points) if not any(dominates(q, p) for q in points)]
    return sorted(keep, key=lambda i: points[i].throughput)
