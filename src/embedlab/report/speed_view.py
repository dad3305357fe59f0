"""Speed figures for the report: a system's throughput and latency, and the speed matrix.

A system's images/s (texts/s) is the sustained throughput of the same model, runtime and
precision at the largest batch size measured, taken from the system's own run when it has speed
rows, else from another given run (e.g. a separate ``embedlab speed`` folder). Latency is the p99
of one whole encode call at the smallest batch size measured (batch 1 when measured): what one
query waits. The matrix shows every (model, runtime, precision, batch) case with parity (minimum
cosine of the first call's embeddings against torch fp32; 1 = identical).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embedlab.report.document import Cell, Column, Table
from embedlab.report.inputs import ReportRun, ReportSystem
from embedlab.report.speed import format_cosine, format_number
from embedlab.results.schema import SpeedRow

SpeedRows = Sequence[tuple[ReportRun, SpeedRow]]


@dataclass(frozen=True)
class SpeedFigure:
    """One speed row chosen for a system, with its run."""

    run: ReportRun
    row: SpeedRow

    @property
    def ref(self) -> str:
        """The ``data-ref`` of a speed cell."""
        r = self.row
        parts = [self.run.name, r.model, r.runtime, r.precision, str(r.batch_size), r.modality]
        return "|".join(["speed", *parts, r.metric])

    def cell(self) -> Cell:
        """The figure as a table cell (throughput in items/s, latency in ms)."""
        r = self.row
        title = (
            f"{r.model} [{r.runtime} {r.precision}], batch {r.batch_size}, {r.modality}: "
            f"{r.metric} {format_number(r.value)} {r.unit} (run {self.run.name})"
        )
        return Cell(format_number(r.value), value=r.value, ref=self.ref, title=title)


def _whole_call(rows: SpeedRows) -> list[tuple[ReportRun, SpeedRow]]:
    """Rows of whole encode calls (a multi-vector model's MaxSim case, modality ``maxsim``,
    scores documents and is left out)."""
    regions = {
        (id(run), r.model, r.runtime, r.precision, r.batch_size, r.modality): r.timed_region
        for run, r in rows
        if r.metric == "throughput" and r.modality in ("image", "text")
    }
    return [
        (run, r)
        for run, r in rows
        if regions.get((id(run), r.model, r.runtime, r.precision, r.batch_size, r.modality))
        == r.timed_region
    ]


def _candidates(
    system: ReportSystem, rows: SpeedRows, modality: str, metric: str
) -> list[SpeedFigure]:
    same = [
        SpeedFigure(run, r)
        for run, r in _whole_call(rows)
        if (r.model, r.runtime, r.precision) == (system.model, system.runtime, system.precision)
        and r.modality == modality
        and r.metric == metric
    ]
    own = [f for f in same if f.run is system.run]
    return own or same


def throughput(system: ReportSystem, rows: SpeedRows, modality: str) -> SpeedFigure | None:
    """Sustained items/s at the largest batch measured (see the module docstring)."""
    found = _candidates(system, rows, modality, "throughput")
    return max(found, key=lambda f: f.row.batch_size) if found else None


def latency_p99(system: ReportSystem, rows: SpeedRows, modality: str) -> SpeedFigure | None:
    """p99 ms of one whole call at the smallest batch measured."""
    found = _candidates(system, rows, modality, "latency_p99")
    return min(found, key=lambda f: f.row.batch_size) if found else None


MATRIX_COLUMNS = (
    ("image", "throughput", "images/s"),
    ("image", "latency_p99", "image p99 ms"),
    ("text", "throughput", "texts/s"),
    ("text", "latency_p99", "text p99 ms"),
)


def speed_matrix(rows: SpeedRows) -> Table | None:
    """Runtime × precision × batch for every model, with parity; ``None`` without speed rows."""
    whole = _whole_call(rows)
    if not whole:
        return None
    index = {
        (id(run), r.model, r.runtime, r.precision, r.batch_size, r.modality, r.metric): SpeedFigure(
            run, r
        )
        for run, r in whole
    }
    parity = {
        (id(run), r.model, r.runtime, r.precision, r.modality): SpeedFigure(run, r)
        for run, r in rows
        if r.metric == "parity_cosine_min"
    }
    cases = list(
        dict.fromkeys((run, r.model, r.runtime, r.precision, r.batch_size) for run, r in whole)
    )
    columns = [
        Column("run", numeric=False),
        Column("model", numeric=False),
        Column("runtime", numeric=False),
        Column("precision", numeric=False),
        Column("batch"),
    ]
    columns += [Column(label, group="speed") for _, _, label in MATRIX_COLUMNS]
    columns += [
        Column("peak RSS MiB"),
        Column("image parity", group="parity (min cos)"),
        Column("text parity", group="parity (min cos)"),
    ]
    body = []
    for run, model, runtime, precision, batch in cases:
        key = (id(run), model, runtime, precision, batch)
        cells = [
            Cell(run.name),
            Cell(model),
            Cell(runtime),
            Cell(precision),
            Cell(str(batch), value=float(batch)),
        ]
        for modality, metric, _ in MATRIX_COLUMNS:
            figure = index.get((*key, modality, metric))
            cells.append(figure.cell() if figure else Cell("–"))
        peaks = [index.get((*key, m, "peak_rss")) for m in ("image", "text")]
        known = [p for p in peaks if p is not None]
        cells.append(max(known, key=lambda p: p.row.value).cell() if known else Cell("–"))
        for modality in ("image", "text"):
            figure = parity.get((id(run), model, runtime, precision, modality))
            cells.append(_parity_cell(figure))
        body.append(cells)
    note = (
        "Throughput = items / wall seconds of a sustained run of whole encode calls "
        "(preprocessing included); p99 = 99th percentile of one call's latency; parity = "
        "minimum cosine between this runtime's first-call embeddings and torch fp32's (– where "
        "not measured, e.g. torch fp32 itself). Figures are from this machine only."
    )
    return Table("speed-matrix", "Speed matrix", columns, body, [note])


def _parity_cell(figure: SpeedFigure | None) -> Cell:
    if figure is None:
        return Cell("–")
    return Cell(format_cosine(figure.row.value), value=figure.row.value, ref=figure.ref)
