"""Markdown tables of metric rows, in the shape of the reference report.

Fractions are shown as percentages with one decimal; a confidence interval, when present, follows
the value as ``46.3 [45.0, 47.6]``. Median rank is shown as a rank, not a percentage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from embedlab.results.schema import MetricRow

#: Extra columns of a terminal table: their headers, and the cells of one line given its metric
#: rows by metric name (the published and Δ columns of :mod:`embedlab.report.published_terminal`).
Annex = tuple[list[str], Callable[[dict[str, MetricRow]], list[str]]]

RETRIEVAL_COLUMNS = (
    ("recall@1", "R@1"),
    ("recall@5", "R@5"),
    ("recall@10", "R@10"),
    ("mrr", "MRR"),
    ("median_rank", "MedR"),
)
# The retrieval protocols, each named by its id (as --protocol and compare take it) with a gloss.
PROTOCOL_GLOSSES = {
    "t2i": "all captions",
    "t2i-first": "first caption",
    "i2t": "any caption",
    "i2t-symmetric": "first captions",
}
PROTOCOL_LABELS = {p: f"{p} ({gloss})" for p, gloss in PROTOCOL_GLOSSES.items()}


def protocol_label(protocol: str) -> str:
    """``t2i-first (first caption)`` for a retrieval protocol; any other protocol as is."""
    return PROTOCOL_LABELS.get(protocol, protocol)


def format_value(row: MetricRow, ci: bool = True) -> str:
    """``46.3 [45.0, 47.6]`` for fractions; ``3.0 [3.0, 4.0]`` for ranks."""
    scale = 1.0 if row.metric == "median_rank" else 100.0
    text = f"{row.value * scale:.1f}"
    if ci and row.ci_low is not None and row.ci_high is not None:
        text += f" [{row.ci_low * scale:.1f}, {row.ci_high * scale:.1f}]"
    return text


def retrieval_table(rows: Sequence[MetricRow], ci: bool = True, annex: Annex | None = None) -> str:
    """One markdown table: a line per (model, task, protocol), columns R@1/5/10, MRR, MedR, n
    (and the ``annex`` columns, if any)."""
    header = ["model", "task", "protocol", *[label for _, label in RETRIEVAL_COLUMNS], "n"]
    header += annex[0] if annex else []
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    groups: dict[tuple[str, str, str, str], dict[str, MetricRow]] = {}
    for row in rows:
        if row.protocol in PROTOCOL_LABELS:
            key = (row.model, row.precision, row.task, row.protocol)
            groups.setdefault(key, {})[row.metric] = row
    for (model, _precision, task, protocol), metrics in groups.items():
        cells = [
            format_value(metrics[name], ci) if name in metrics else "–"
            for name, _ in RETRIEVAL_COLUMNS
        ]
        n = next(iter(metrics.values())).n
        cells += [str(n), *(annex[1](metrics) if annex else [])]
        lines.append("| " + " | ".join([model, task, PROTOCOL_LABELS[protocol], *cells]) + " |")
    return "\n".join(lines)


def interval_note(rows: Sequence[MetricRow]) -> str:
    """A one-line legend for the intervals shown (method and level), or '' if none."""
    methods = sorted({r.ci_method for r in rows if r.ci_method})
    if not methods:
        return ""
    text = f"Values in %; [low, high] = bootstrap confidence interval ({', '.join(methods)})."
    if any(r.protocol in PROTOCOL_LABELS for r in rows):
        text += " Ties count against the positive (pessimistic rank)."
    return text
