"""The runs a report is made of, and its systems (one model of one run, as in ``compare``).

A system's label is its model name, with the run folder's name added when several systems share a
model name (the rule of :mod:`embedlab.results.systems`). Metric rows are looked up by
``(task, protocol, metric)`` where ``metric`` is the name compare uses (``recall@1``,
``group_score``, ``accuracy``, ...).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from embedlab.report.significance import SystemKey, system_key
from embedlab.results.schema import DatasetInfo, MetricRow, RunLog, SpeedRow

RowKey = tuple[str, str, str]


@dataclass(frozen=True, eq=False)
class ReportRun:
    """One run folder: its display name, path and log (compared and hashed by identity)."""

    name: str
    path: Path
    log: RunLog


@dataclass
class ReportSystem:
    """One model of one run, with its metric rows by (task, protocol, metric)."""

    run: ReportRun
    model: str
    runtime: str
    precision: str
    label: str = ""
    rows: dict[RowKey, MetricRow] = field(default_factory=dict)

    @property
    def key(self) -> SystemKey:
        """The key shared with the significance index."""
        return system_key(self.run.path, self.model)

    def dataset(self, task: str) -> DatasetInfo | None:
        """The dataset this system's ``task`` ran on."""
        names = {r.dataset for (t, _, _), r in self.rows.items() if t == task}
        return next((d for d in self.run.log.datasets if d.name in names), None)

    def ref(self, row: MetricRow) -> str:
        """The ``data-ref`` of a metric cell."""
        parts = [self.run.name, row.model, row.runtime, row.precision, row.task, row.protocol]
        return "|".join(["metric", *parts, metric_name(row)])


def metric_name(row: MetricRow) -> str:
    """``recall@1`` whether stored as ``metric="recall@1"`` or ``metric="recall", k=1``."""
    return row.metric if row.k is None or "@" in row.metric else f"{row.metric}@{row.k}"


def systems_of(runs: Sequence[ReportRun]) -> list[ReportSystem]:
    """Every (run, model) with metric rows, labelled; runs holding only speed rows add none."""
    found: dict[tuple[int, str], ReportSystem] = {}
    for i, run in enumerate(runs):
        for row in run.log.metrics:
            system = found.setdefault(
                (i, row.model), ReportSystem(run, row.model, row.runtime, row.precision)
            )
            system.rows.setdefault((row.task, row.protocol, metric_name(row)), row)
    systems = list(found.values())
    counts = Counter(s.model for s in systems)
    for s in systems:
        s.label = s.model if counts[s.model] == 1 else f"{s.model} ({s.run.name})"
    if len({s.label for s in systems}) < len(systems):
        for s in systems:
            s.label = s.model if counts[s.model] == 1 else f"{s.model} ({s.run.path})"
    return systems


def all_speed(runs: Sequence[ReportRun]) -> list[tuple[ReportRun, SpeedRow]]:
    """Every speed row of every run, with its run."""
    return [(run, row) for run in runs for row in run.log.speed]
