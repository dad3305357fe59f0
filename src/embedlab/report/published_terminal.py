"""Published numbers in what ``embedlab run`` prints: "published" / "Δ" columns and notes.

A retrieval or Winoground-style table gains two columns when at least one of its rows has a
published number (:mod:`embedlab.report.published_match`): ``published R@1/R@5`` and
``Δ R@1/R@5`` — one value per metric that has any, ``/``-separated. ``†`` marks a number
published under another protocol, split or query count (not compared); the lines beneath the
tables give each such reason, the sources, and the run's queries/s
(:mod:`embedlab.report.encode_rate`) beside the published QPS.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.report.encode_rate import TIMED_REGION, encode_rates
from embedlab.report.published_match import (
    Comparison,
    compare_rate,
    compare_row,
    format_delta,
    metric_key,
)
from embedlab.report.tables import Annex
from embedlab.results.schema import MetricRow, RunLog

FLAG_MARK = "†"


def _context(log: RunLog) -> tuple[dict[str, str], str | None]:
    splits = {d.name: d.split for d in log.datasets}
    device = log.config.get("device")
    return splits, str(device) if device else None


def log_comparisons(log: RunLog, rows: Sequence[MetricRow] | None = None) -> list[Comparison]:
    """Every comparison of ``rows`` (default: all of ``log``'s metric rows)."""
    splits, device = _context(log)
    return [
        c
        for row in (log.metrics if rows is None else rows)
        for c in compare_row(row, splits.get(row.dataset), device)
    ]


def _cells(comparisons: list[Comparison]) -> tuple[str, str]:
    if not comparisons:
        return "–", "–"
    best = next((c for c in comparisons if c.matched), None)
    if best is None or best.delta is None:
        return f"{comparisons[0].entry.text}{FLAG_MARK}", FLAG_MARK
    return f"{best.entry.text}", format_delta(best.delta)


def terminal_annex(
    log: RunLog, rows: Sequence[MetricRow], columns: Sequence[tuple[str, str]]
) -> Annex | None:
    """The published / Δ columns for a table of ``rows`` with metric ``columns`` (name, label);
    None when no row has a published number."""
    splits, device = _context(log)
    found: dict[tuple[str, str, str, str, str], list[Comparison]] = {}
    for row in rows:
        key = (row.model, row.precision, row.task, row.protocol, metric_key(row))
        found[key] = compare_row(row, splits.get(row.dataset), device)
    names = [(n, label) for n, label in columns if any(v for k, v in found.items() if k[4] == n)]
    if not names:
        return None
    labels = "/".join(label for _, label in names)

    def cells(metrics: dict[str, MetricRow]) -> list[str]:
        by_name = {metric_key(r): r for r in metrics.values()}
        pairs = []
        for name, _ in names:
            row = by_name.get(name)
            key = None if row is None else (*_row_key(row), name)
            pairs.append(_cells(found.get(key, []) if key is not None else []))
        return [" / ".join(p for p, _ in pairs), " / ".join(d for _, d in pairs)]

    return [f"published {labels}", f"Δ {labels}"], cells


def _row_key(row: MetricRow) -> tuple[str, str, str, str]:
    return (row.model, row.precision, row.task, row.protocol)


def published_notes(log: RunLog, rows: Sequence[MetricRow] | None = None) -> list[str]:
    """The lines under the tables: legend, flagged pairs with reasons, sources."""
    comparisons = log_comparisons(log, rows)
    if not comparisons:
        return []
    lines = [
        "published / Δ: the published number for the same model, data, protocol and metric; "
        f"Δ = measured − published, in points. {FLAG_MARK} = published under another protocol, "
        "split or query count: not compared."
    ]
    for c in comparisons:
        if not c.matched:
            lines.append(
                f"{FLAG_MARK} {c.row.model} {c.row.task} {c.row.protocol} {c.entry.metric}: "
                f"published {c.entry.text} ({c.entry.source.id}, {c.entry.location}) — {c.flag}"
            )
    notes = sorted({n for c in comparisons if c.matched for n in c.notes})
    if notes:
        lines.append("setting differences (noted, not flagged): " + "; ".join(notes))
    sources = {c.entry.source.id: c.entry.source for c in comparisons}
    lines += [f"source {s.id}: {s.title} — {s.reference}" for s in sources.values()]
    return lines


def rate_lines(log: RunLog) -> list[str]:
    """queries/s per model and retrieval dataset, beside the published QPS when there is one."""
    rates = encode_rates(log)
    if not rates:
        return []
    lines = [f"queries/s = images encoded per second during this evaluation ({TIMED_REGION}):"]
    for rate in rates:
        line = f"  {rate.model} · {rate.dataset}: {rate.text()} ({rate.label})"
        for match in compare_rate(rate):
            entry = match.entry
            ratio = f"ratio {match.ratio:.3g}×" if match.ratio is not None else "no ratio"
            line += (
                f"; published QPS {entry.text} ({entry.setting}; {entry.source.id}): "
                f"{ratio}, flagged: {match.flag}"
            )
        lines.append(line)
    return lines
