"""IndexRows of one configuration: end-task metrics, ANN recall and measured costs.

Cost rows and their units (:class:`embedlab.results.schema.IndexRow`): ``build_time`` s (the
configuration's build; configurations sharing a build repeat it), ``index_bytes`` and
``bytes_per_vector`` B (measured from the serialised index; ``details`` has the parts),
``latency_p50`` / ``latency_p99`` ms (single-query calls, with the stability verdict),
``qps_batched`` queries/s (all queries in one call), ``peak_rss`` MiB (the whole process).
"""

from __future__ import annotations

from dataclasses import dataclass

from embedlab.results.schema import IndexRow
from embedlab.verbs.index_measure import Measured
from embedlab.verbs.index_quality import QualityFigure


@dataclass(frozen=True)
class RowKey:
    """Who the rows belong to."""

    model: str
    task: str
    protocol: str
    dim: int
    scale_n: int | None = None


def quality_rows(key: RowKey, measured: Measured, figures: list[QualityFigure]) -> list[IndexRow]:
    """One row per end-task metric (value, CI, delta and p against exact)."""
    return [
        _row(
            key,
            measured,
            f.value.metric,
            f.value.value,
            f.unit,
            f.value.n,
            k=f.value.k,
            ci_low=f.ci_low,
            ci_high=f.ci_high,
            delta=f.delta,
            p_value=f.p_value,
        )
        for f in figures
    ]


def recall_rows(key: RowKey, measured: Measured, recalls: dict[int, list[float]]) -> list[IndexRow]:
    """``recall_vs_exact@k`` rows (mean over queries) for each k."""
    return [
        _row(
            key, measured, f"recall_vs_exact@{k}", sum(v) / max(len(v), 1), "fraction", len(v), k=k
        )
        for k, v in recalls.items()
    ]


def cost_rows(key: RowKey, measured: Measured, n_queries: int) -> list[IndexRow]:
    """Build time, bytes, latency, throughput and peak RSS of one configuration."""
    verdict = measured.verdict
    timed = {
        "unstable": verdict.unstable,
        "unstable_reason": verdict.reason,
        "details": {
            "machine": measured.machine,
            "cv": verdict.cv,
            "p99_p50": verdict.p99_p50,
            "other_cores": verdict.other_cores,
        },
    }
    lat = measured.latency
    return [
        _row(
            key,
            measured,
            "build_time",
            measured.build_seconds,
            "s",
            1,
            details={"index": measured.describe, "config": _config(measured)},
        ),
        _row(
            key,
            measured,
            "index_bytes",
            measured.nbytes,
            "B",
            1,
            details={"parts": measured.nbytes_parts},
        ),
        _row(key, measured, "bytes_per_vector", measured.bytes_per_vector, "B", 1),
        _row(key, measured, "latency_p50", lat.p50_ms, "ms", lat.n, **timed),
        _row(key, measured, "latency_p99", lat.p99_ms, "ms", lat.n, **timed),
        _row(key, measured, "qps_batched", measured.qps, "queries/s", n_queries, **timed),
        _row(key, measured, "peak_rss", measured.peak_rss_mib, "MiB", 1),
    ]


def _config(measured: Measured) -> dict[str, object]:
    """The configuration as data (``IndexConfig.of(**it)`` rebuilds it), and its corpus size."""
    c = measured.config
    return {
        "backend": c.backend,
        "build": dict(c.build),
        "search": dict(c.search),
        "dim": c.dim,
        "n_vectors": measured.n_vectors,
    }


def _row(
    key: RowKey, measured: Measured, metric: str, value: float, unit: str, n: int, **extra: object
) -> IndexRow:
    return IndexRow.model_validate(
        {
            "model": key.model,
            "task": key.task,
            "protocol": key.protocol,
            "index": measured.config.label,
            "backend": measured.config.backend,
            "dim": measured.config.dim or key.dim,
            "metric": metric,
            "value": float(value),
            "unit": unit,
            "n": n,
            "scale_n": key.scale_n,
            **extra,
        }
    )
