"""``leaderboard``: every run under a folder in one place, queried with DuckDB.

:func:`leaderboard` pivots the ``metrics`` table (one table per task and data — dataset, split and
fingerprint — so runs on other data never share a column; one line per run × model × runtime ×
precision, one column per protocol · metric) and the ``speed`` table (sustained images/s and
texts/s per batch size). :func:`query` runs any SQL over the tables of
:mod:`embedlab.results.store`. Folders that hold run state (``.embedlab/``) but no
``results.json`` (unfinished runs) are named in :attr:`Leaderboard.unfinished`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedlab.results.io import RESULTS_JSON
from embedlab.results.store import QueryResult, RunStore, StoredRun, find_runs

PIVOT_SQL = """
select task, dataset, coalesce(split, '') as split, coalesce(fingerprint, '') as fingerprint,
       run, model, runtime, precision, protocol,
       case when k is null or contains(metric, '@') then metric else metric || '@' || k end
           as metric,
       value
from metrics
order by run, position
"""
SPEED_SQL = """
select run, model, runtime, precision, batch_size,
       max(value) filter (where modality = 'image') as images_per_s,
       max(value) filter (where modality = 'text') as texts_per_s
from speed where metric = 'throughput' and modality in ('image', 'text')
group by run, model, runtime, precision, batch_size
order by run, model, runtime, precision, batch_size
"""


@dataclass(frozen=True)
class PivotTable:
    """One pivot: a title, its header and rows (values as stored: fractions, items/s)."""

    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass
class Leaderboard:
    """The runs found, their pivots, and the unfinished run folders."""

    runs: list[StoredRun]
    tables: list[PivotTable] = field(default_factory=list)
    unfinished: list[Path] = field(default_factory=list)


def _unfinished(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        state.parent
        for state in root.rglob(".embedlab")
        if state.is_dir() and not (state.parent / RESULTS_JSON).exists()
    )


def leaderboard(root: Path) -> Leaderboard:
    """The pivots of every run under ``root``.

    Raises:
        ResultsError: ``root`` is missing or holds no ``results.json``.
        MissingDependencyError: DuckDB is not installed (the ``store`` extra).
    """
    runs = find_runs(root)
    store = RunStore(runs)
    try:
        board = Leaderboard(runs, _metric_pivots(store.query(PIVOT_SQL).rows), _unfinished(root))
        speed = store.query(SPEED_SQL)
        if speed.rows:
            board.tables.append(
                PivotTable(
                    "speed (sustained throughput, items/s)",
                    speed.columns,
                    [list(r) for r in speed.rows],
                )
            )
    finally:
        store.close()
    return board


def query(root: Path, sql: str) -> QueryResult:
    """Run ``sql`` over the tables of every run under ``root``."""
    store = RunStore(find_runs(root))
    try:
        return store.query(sql)
    finally:
        store.close()


def _metric_pivots(rows: Sequence[tuple[Any, ...]]) -> list[PivotTable]:
    """One table per (task, dataset, split, fingerprint); columns in results.json order."""
    groups: dict[tuple[str, str, str, str], dict[tuple[str, ...], dict[str, float]]] = {}
    columns: dict[tuple[str, str, str, str], dict[str, None]] = {}
    for task, dataset, split, fp, run, model, runtime, precision, protocol, metric, value in rows:
        key = (task, dataset, split, fp)
        column = f"{protocol} {metric}"
        columns.setdefault(key, {})[column] = None
        groups.setdefault(key, {}).setdefault((run, model, runtime, precision), {})[column] = value
    out = []
    for key, lines in groups.items():
        task, dataset, split, fp = key
        names = list(columns[key])
        title = (
            f"{task} — {dataset}/{split or '?'} (fingerprint {fp[:12] or 'unknown'}; "
            "fractions, median rank as a rank)"
        )
        body = [[*system, *(values.get(n) for n in names)] for system, values in lines.items()]
        out.append(PivotTable(title, ["run", "model", "runtime", "precision", *names], body))
    return out


def format_cell(value: Any) -> str:
    """Numbers to 4 significant digits, ``None`` as ``–``, anything else as text."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def markdown(columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> str:
    """A markdown table (with a bold title line when given)."""
    lines = [f"**{title}**", ""] if title else []
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(format_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
