"""End-task quality through an index, and ANN recall against exact search.

**End-task metrics.** The outcome columns of a configuration (the run's own columns: ``rank``
for image–text retrieval, ``ndcg_at_10``... for BEIR) go through the metric table
(:data:`embedlab.metrics.table.METRICS`), the run's bootstrap (:func:`embedlab.stats.intervals.
metric_rows`: same seed, level and clusters as the run) and a paired test against exact search
on the full-dimension vectors (:func:`embedlab.stats.comparison.compare_table`: ``delta =
mean(config) - mean(exact)``, permutation p-value, queries of one cluster flipped together).
Only the metrics a top-k list determines are reported for an index (``recall@K``, ``nDCG@10``,
``MRR@10``, ``Recall@100``); the ``exact`` configuration reports every run metric.

**ANN recall** (``recall_vs_exact@k``, PROTOCOLS.md, ann-benchmarks, tie-aware): with ``t_q``
the k-th best exact score of query ``q`` in the same space (same ``dim``),
``recall_q = #{returned d : <q, d> >= t_q - EPS} / k``, scores recomputed in float32 from the
vectors (so approximate or Hamming scores of the index do not matter), ``EPS = 1e-5`` absorbing
float rounding; an item tied with the k-th neighbour counts as a correct one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.core.values import MetricValue
from embedlab.metrics.table import METRICS
from embedlab.models.matryoshka import truncate_renormalize
from embedlab.stats.comparison import CompareSettings, compare_table
from embedlab.stats.intervals import metric_rows
from embedlab.tasks.search_problem import Columns, SearchProblem, Transform, identity

EPS = 1e-5


@dataclass(frozen=True)
class Stats:
    """Bootstrap and test settings, the run's own."""

    resamples: int
    level: float
    seed: int


def matryoshka(dim: int | None) -> Transform:
    """First ``dim`` dimensions, each row renormalised to unit L2 norm (identity for None).

    The same arithmetic as the indexes' truncation (:mod:`embedlab.models.matryoshka`).
    """
    if dim is None:
        return identity

    def truncate(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        return np.ascontiguousarray(truncate_renormalize(vectors, dim), dtype=np.float32)

    return truncate


def recall_vs_exact(
    ids: NDArray[np.int64],
    queries: NDArray[np.float32],
    corpus: NDArray[np.float32],
    exact_scores: NDArray[np.float32],
    k: int,
) -> NDArray[np.float64]:
    """Tie-aware recall@k of each query's returned ``ids`` (module docstring)."""
    top = ids[:, :k]
    kth = exact_scores[:, min(k, exact_scores.shape[1]) - 1]
    safe = np.maximum(top, 0)
    true = np.einsum("qd,qkd->qk", queries, corpus[safe], dtype=np.float32)
    hits = ((true >= kth[:, None] - EPS) & (top >= 0)).sum(axis=1)
    denom = min(k, corpus.shape[0])
    recall: NDArray[np.float64] = np.minimum(hits, denom).astype(np.float64) / denom
    return recall


def metric_values(
    problem: SearchProblem, columns: Columns, names: Sequence[str]
) -> list[MetricValue]:
    """The run's metric values of ``names`` over ``columns`` (clusters: the problem's)."""
    return [METRICS.value(n, problem.protocol, columns, problem.clusters) for n in names]


@dataclass(frozen=True)
class QualityFigure:
    """One end-task metric of one configuration: value, CI, and the test against exact."""

    value: MetricValue
    ci_low: float | None
    ci_high: float | None
    delta: float | None
    p_value: float | None
    unit: str = "fraction"


def quality_figures(
    problem: SearchProblem,
    values: list[MetricValue],
    exact: Mapping[str, MetricValue],
    ids: tuple[str, str],
    stats: Stats,
    is_baseline: bool,
) -> list[QualityFigure]:
    """CIs (the run's bootstrap) and paired tests against ``exact`` (``ids``: model, task)."""
    model, task = ids
    rows = metric_rows(
        values,
        model=model,
        runtime="",
        precision="",
        task=task,
        dataset="",
        n_resamples=stats.resamples,
        level=stats.level,
        seed=stats.seed,
    )
    settings = CompareSettings(resamples=max(stats.resamples, 1), seed=stats.seed)
    out = []
    for value, row in zip(values, rows, strict=True):
        base = exact.get(value.metric)
        delta = p = None
        entry = METRICS.known(value.metric)
        if base is not None and entry is not None and entry.comparable:
            delta = float(value.value - base.value)
            if not is_baseline and stats.resamples > 0:
                assert value.per_query is not None and base.per_query is not None
                _, pairs = compare_table(
                    [value.per_query, base.per_query],
                    problem.cluster_ids,
                    [("index", "A"), ("exact", "B")],
                    [(0.0, 0.0), (0.0, 0.0)],
                    f"{task}|{problem.protocol}|{value.metric}",
                    settings,
                )
                p = pairs[0].p_permutation
        unit = "fraction" if entry is None or entry.comparable else "rank"
        out.append(QualityFigure(value, row.ci_low, row.ci_high, delta, p, unit))
    return out
