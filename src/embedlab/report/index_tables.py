"""Terminal tables of an index study (pipe tables, like the run and speed tables).

One table per (model, task, protocol): a line per index configuration with the end-task metrics
through it (percent, with the CI and, for approximate configurations, the difference to exact
search and the paired test's p), ANN recall against exact search, build time, bytes per vector,
single-query p50/p99, batched queries/s, peak RSS and the speed verdict (``ok`` or
``unstable: <reason>``). Then the scaling rows (synthetic corpora) and their fits, and notes.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.report.speed import format_number, pipe_table
from embedlab.results.schema import IndexRow, RunLog

DASH = "–"
COSTS = ("build_time", "bytes_per_vector", "latency_p50", "latency_p99", "qps_batched", "peak_rss")
HEAD = ("build s", "B/vector", "p50 ms", "p99 ms", "batched q/s", "RSS MiB")


def metric_name(row: IndexRow) -> str:
    """``ndcg@10`` whether stored as ``metric="ndcg@10"`` or ``metric="ndcg", k=10``."""
    return row.metric if row.k is None or "@" in row.metric else f"{row.metric}@{row.k}"


def _quality(row: IndexRow | None) -> str:
    if row is None:
        return DASH
    if row.unit == "rank":
        return format_number(row.value)
    text = f"{100 * row.value:.1f}"
    if row.ci_low is not None and row.ci_high is not None:
        text += f" [{100 * row.ci_low:.1f}, {100 * row.ci_high:.1f}]"
    if row.p_value is not None and row.delta is not None:
        text += f" Δ{100 * row.delta:+.1f} p={row.p_value:.3f}"
    return text


def _verdict(rows: dict[str, IndexRow]) -> str:
    row = rows.get("latency_p99")
    if row is None or row.unstable is None:
        return DASH
    return f"unstable: {row.unstable_reason}" if row.unstable else "ok"


def problem_table(rows: Sequence[IndexRow]) -> str:
    """The table of one (model, task, protocol) (module docstring)."""
    by: dict[str, dict[str, IndexRow]] = {}
    for row in rows:
        by.setdefault(row.index, {})[metric_name(row)] = row
    quality = list(
        dict.fromkeys(
            metric_name(r)
            for r in rows
            if r.unit in ("fraction", "rank") and not r.metric.startswith("recall_vs")
        )
    )
    recall = list(dict.fromkeys(r.metric for r in rows if r.metric.startswith("recall_vs")))
    header = ["index", "dim", *quality, *recall, *HEAD, "speed verdict"]
    body = []
    for label, metrics in by.items():
        dim = str(next(iter(metrics.values())).dim)
        cells = [label, dim, *(_quality(metrics.get(m)) for m in quality)]
        cells += [format_number(100 * metrics[m].value) if m in metrics else DASH for m in recall]
        cells += [format_number(metrics[m].value) if m in metrics else DASH for m in COSTS]
        body.append([*cells, _verdict(metrics)])
    return pipe_table(header, body)


def fit_lines(rows: Sequence[IndexRow]) -> list[str]:
    """One line per fitted curve: the form, exponent, constant and R^2."""
    out = []
    for row in rows:
        if row.source == "fit" and row.details:
            d = row.details
            out.append(
                f"{row.model} · {row.index}: {row.metric.removesuffix('_fit_exponent')} = "
                f"{d['c']:.3g} * N^{d['b']:.2f} {d.get('unit', '')} (R^2 {d['r2']:.3f}, "
                f"{row.n} sizes; least squares in log-log)"
            )
    return out


def render_index(log: RunLog) -> str:
    """Every table of the study, the fits and the notes."""
    groups: dict[tuple[str, str, str, int | None], list[IndexRow]] = {}
    for row in log.index:
        if row.source != "fit":
            groups.setdefault((row.model, row.task, row.protocol, row.scale_n), []).append(row)
    parts = []
    for (model, task, protocol, scale), rows in groups.items():
        where = f"synthetic N={scale:,}" if scale is not None else "the run's data"
        parts += [f"{model} · {task} · {protocol} ({where})", problem_table(rows), ""]
    fits = fit_lines(log.index)
    if fits:
        parts += ["Scaling fits (y = c * N^b):", *fits, ""]
    parts += [f"note: {note}" for note in log.notes]
    return "\n".join(parts)
