"""The quality delta of a cross-runtime suite: each runtime × precision against torch fp32.

``delta = value(model, task, protocol, metric; runtime, precision) − value(same; torch, fp32)``
for every metric row of the suite's quality groups that has a torch fp32 counterpart (same
model, task, dataset, protocol, metric and k). Written as ``<out>/quality_delta.csv`` (values
are fractions, as in results.csv); rows without a baseline are left out and counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from embedlab._atomic import write_text_atomic
from embedlab.results.schema import MetricRow

DELTA_CSV = "quality_delta.csv"
BASELINE = ("torch", "fp32")
FIELDS = ("model", "task", "protocol", "metric", "runtime", "precision", "value", "baseline",
          "delta")  # fmt: skip


@dataclass(frozen=True)
class Delta:
    row: MetricRow
    baseline: float

    @property
    def delta(self) -> float:
        return self.row.value - self.baseline


def _key(row: MetricRow) -> tuple[object, ...]:
    return (row.model, row.task, row.dataset, row.protocol, row.metric, row.k)


def quality_deltas(rows: Iterable[MetricRow]) -> tuple[list[Delta], int]:
    """Every non-baseline row against its torch fp32 row; and how many had none."""
    rows = list(rows)
    base = {_key(r): r.value for r in rows if (r.runtime, r.precision) == BASELINE}
    deltas, orphans = [], 0
    for row in rows:
        if (row.runtime, row.precision) == BASELINE:
            continue
        if _key(row) in base:
            deltas.append(Delta(row, base[_key(row)]))
        else:
            orphans += 1
    return deltas, orphans


def write_deltas(out: Path, deltas: list[Delta]) -> Path:
    """``out/quality_delta.csv`` (columns :data:`FIELDS`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for d in deltas:
        r = d.row
        writer.writerow([r.model, r.task, r.protocol, r.metric, r.runtime, r.precision,
                         f"{r.value:.6g}", f"{d.baseline:.6g}", f"{d.delta:+.6g}"])  # fmt: skip
    path = out / DELTA_CSV
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, buffer.getvalue())
    return path
