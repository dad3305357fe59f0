"""Tables of metric rows: one row per system, one column per (task, protocol, metric).

Values are shown in percent with one decimal (median rank as a rank), the CI beneath, and the
group letters of ``compare`` (systems sharing a letter are not significantly different). Runs made
on other data (another dataset name, split or fingerprint for the same task) are never merged into
one column: the systems are split into one table per data (:func:`partition`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from embedlab.report.document import Cell, Column, Table
from embedlab.report.inputs import ReportSystem
from embedlab.report.significance import SignificanceIndex
from embedlab.results.schema import MetricRow

RANK_METRICS = frozenset({"median_rank", "mean_rank"})
EXTRA_COLUMN = Callable[[ReportSystem], Cell]
#: Columns that follow a metric column (e.g. published and Δ), [] for none.
ANNEX = Callable[["Spec", Sequence[ReportSystem]], Sequence[tuple[Column, EXTRA_COLUMN]]]


@dataclass(frozen=True)
class Spec:
    """A column: the metric row it shows and its header."""

    task: str
    protocol: str
    metric: str
    label: str
    group: str = ""


def format_metric(value: float, metric: str) -> str:
    """Percent with one decimal for fractions; a rank as is (one decimal)."""
    return f"{value if metric in RANK_METRICS else value * 100:.1f}"


def metric_cell(system: ReportSystem, spec: Spec, index: SignificanceIndex) -> Cell:
    """The cell of ``spec`` for ``system`` ('–' when the system has no such row)."""
    row = system.rows.get((spec.task, spec.protocol, spec.metric))
    if row is None:
        return Cell("–")
    return _cell(system, row, spec.metric, index)


def _cell(system: ReportSystem, row: MetricRow, metric: str, index: SignificanceIndex) -> Cell:
    ci = ""
    if row.ci_low is not None and row.ci_high is not None:
        ci = f"[{format_metric(row.ci_low, metric)}, {format_metric(row.ci_high, metric)}]"
    letters = index.letters(system.key, (row.task, row.protocol, metric))
    unit = "" if metric in RANK_METRICS else "%"
    title = (
        f"{system.label} · {row.task} {row.protocol} {metric}: "
        f"{format_metric(row.value, metric)}{unit} {ci} (n = {row.n})"
    ).replace("  ", " ")
    if letters:
        title += f"; group {letters}"
    return Cell(
        format_metric(row.value, metric),
        value=row.value,
        ref=system.ref(row),
        ci=ci,
        ci_low=row.ci_low,
        ci_high=row.ci_high,
        letters=letters,
        title=title,
    )


def partition(
    systems: Sequence[ReportSystem], tasks: Sequence[str]
) -> list[tuple[str, list[ReportSystem]]]:
    """Systems grouped by the data they ran ``tasks`` on; each group with a title suffix.

    Only tasks run on more than one distinct dataset (name, split, fingerprint) split the
    systems; the suffix names their data (empty when nothing splits).
    """

    def data(system: ReportSystem, task: str) -> tuple[str, str, str] | None:
        info = system.dataset(task)
        return None if info is None else (info.name, info.split, info.fingerprint)

    conflicting = [
        t for t in tasks if len({d for s in systems if (d := data(s, t)) is not None}) > 1
    ]
    groups: dict[tuple[tuple[str, tuple[str, str, str] | None], ...], list[ReportSystem]] = {}
    for system in systems:
        key = tuple((t, data(system, t)) for t in conflicting if data(system, t) is not None)
        groups.setdefault(key, []).append(system)
    out = []
    for key, members in groups.items():
        suffix = "; ".join(
            f"{task} on {d[0]}/{d[1]} (fingerprint {d[2].removeprefix('content:')[:12]})"
            for task, d in key
            if isinstance(d, tuple)
        )
        out.append((suffix, members))
    return out


def metric_table(
    id_: str,
    title: str,
    systems: Sequence[ReportSystem],
    specs: Sequence[Spec],
    index: SignificanceIndex,
    notes: Sequence[str] = (),
    extra: Sequence[tuple[Column, EXTRA_COLUMN]] = (),
    annex: ANNEX | None = None,
    annex_note: str = "",
) -> list[Table]:
    """One table per data partition of ``systems`` (systems without any spec row are left out).

    ``annex(spec, systems)`` gives columns placed right after that spec's column (the published
    and Δ columns of :mod:`embedlab.report.published_view`), with ``annex_note`` beneath.
    """
    tables = []
    tasks = list(dict.fromkeys(s.task for s in specs))
    for i, (suffix, members) in enumerate(partition(systems, tasks)):
        shown = [s for s in members if any((c.task, c.protocol, c.metric) in s.rows for c in specs)]
        if not shown:
            continue
        annexes = [list(annex(c, shown)) if annex else [] for c in specs]
        columns = [Column("model", numeric=False)]
        for c, after in zip(specs, annexes, strict=True):
            columns += [Column(c.label, c.group), *(column for column, _ in after)]
        columns += [column for column, _ in extra]
        rows = []
        for s in shown:
            tip = f"{s.model} [{s.runtime} {s.precision}], run {s.run.name}"
            cells = [Cell(s.label, title=tip)]
            for c, after in zip(specs, annexes, strict=True):
                cells += [metric_cell(s, c, index), *(make(s) for _, make in after)]
            rows.append(cells + [make(s) for _, make in extra])
        full = f"{title} — {suffix}" if suffix else title
        table_notes = list(notes)
        if annex_note and any(annexes):
            table_notes.append(annex_note)
        tables.append(Table(f"{id_}-{i}" if i else id_, full, columns, rows, table_notes))
    return tables
