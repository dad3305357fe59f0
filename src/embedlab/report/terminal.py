"""What ``embedlab run`` prints: every table that applies to a RunLog's metric rows.

Image–text retrieval rows get the reference-report table, pair-choice rows the Winoground-style
tables; any other rows (zero-shot, text retrieval, ...) a generic table with one column per metric.
Rows with a published number gain "published" / "Δ" columns, explained beneath with the sources
(:mod:`embedlab.report.published_terminal`), followed by the run's queries/s.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from embedlab.report.pair_choice import PAIR_COLUMNS, pair_choice_table
from embedlab.report.published_terminal import published_notes, rate_lines, terminal_annex
from embedlab.report.tables import (
    PROTOCOL_LABELS,
    RETRIEVAL_COLUMNS,
    format_value,
    interval_note,
    retrieval_table,
)
from embedlab.results.schema import MetricRow, RunLog

_PAIR_METRICS = {name for name, _ in PAIR_COLUMNS} | {"accuracy"}
_PAIR_TASKS_PREFIXES = ("winoground", "shapes-pairs", "sugarcrepe", "aro-")


def render_run(log: RunLog, ci: bool = True, shown: Collection[str] = ()) -> str:
    """All tables for ``log``, separated by blank lines, with the interval legend and notes.

    A note whose text (after its ``task:`` prefix) is one of ``shown`` — messages already
    printed as warnings during this run, such as the Matryoshka one — is not repeated.
    """
    retrieval = [r for r in log.metrics if r.protocol in PROTOCOL_LABELS]
    pairs = [r for r in log.metrics if _is_pair(r) and r not in retrieval]
    other = [r for r in log.metrics if r not in retrieval and r not in pairs]
    parts = []
    if retrieval:
        annex = terminal_annex(log, retrieval, RETRIEVAL_COLUMNS)
        parts.append(retrieval_table(retrieval, ci, annex))
        parts.append(interval_note(retrieval) if ci else "")
    if pairs:
        annex = terminal_annex(log, pairs, PAIR_COLUMNS)
        parts.append(pair_choice_table(pairs, ci, annex))  # has its own legend
    if other:
        parts.append(generic_table(other, ci))
        parts.append(interval_note(other) if ci else "")
    parts.append("\n".join(published_notes(log, [*retrieval, *pairs])))
    parts.append("\n".join(rate_lines(log)))
    parts.extend(f"note: {n}" for n in log.notes if not any(n.endswith(m) for m in shown))
    return "\n\n".join(part for part in parts if part)


def _is_pair(row: MetricRow) -> bool:
    return row.metric in _PAIR_METRICS and row.task.startswith(_PAIR_TASKS_PREFIXES)


def metric_label(row: MetricRow) -> str:
    """``accuracy@5`` style label: the metric name, with ``@k`` when k is not in the name."""
    if row.k is not None and f"@{row.k}" not in row.metric:
        return f"{row.metric}@{row.k}"
    return row.metric


def generic_table(rows: Sequence[MetricRow], ci: bool = True) -> str:
    """One line per (model, task, protocol); one column per metric, in order of appearance."""
    columns: list[str] = []
    groups: dict[tuple[str, str, str], dict[str, MetricRow]] = {}
    for row in rows:
        label = metric_label(row)
        if label not in columns:
            columns.append(label)
        groups.setdefault((row.model, row.task, row.protocol), {})[label] = row
    header = ["model", "task", "protocol", *columns, "n"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for (model, task, protocol), metrics in groups.items():
        cells = [format_value(metrics[c], ci) if c in metrics else "–" for c in columns]
        n = max(m.n for m in metrics.values())
        lines.append("| " + " | ".join([model, task, protocol, *cells, str(n)]) + " |")
    return "\n".join(lines)
