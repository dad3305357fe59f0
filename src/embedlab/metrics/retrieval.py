"""Retrieval metrics from per-query ranks: per-query arrays first, aggregation separate.

Input everywhere is ``ranks``: the 1-based rank ``r_q`` of the best (first) positive of each
query ``q`` (as :mod:`embedlab.scoring.retrieval` produces them), ``q = 1..n``.

Recall@K here is the *hit rate* used by the CLIP paper, open_clip and CLIP_benchmark:
``R@K = (1/n) * sum_q [r_q <= K]`` (a query counts once if ANY positive is in its top K).
It is not MIEB's ``recall@k`` (the fraction of a query's positives in the top K).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, DataError
from embedlab.metrics.table import METRICS, Columns, MetricDef

DEFAULT_KS: tuple[int, ...] = (1, 5, 10)


def _ranks(ranks: ArrayLike) -> NDArray[np.int64]:
    arr = np.asarray(ranks)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise DataError(f"ranks must be a 1-D integer array, got {arr.dtype} {arr.shape}")
    if arr.size and int(arr.min()) < 1:
        raise DataError("ranks are 1-based: every rank must be >= 1")
    return arr.astype(np.int64, copy=False)


def hit_at_k(ranks: ArrayLike, k: int) -> NDArray[np.bool_]:
    """Per-query hit at K: ``hit_q = [r_q <= K]``.

    Args:
        ranks: 1-based rank of the best positive per query.
        k: cut-off, a positive integer.

    Returns:
        Boolean array, one entry per query.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    return _ranks(ranks) <= k


def reciprocal_rank(ranks: ArrayLike) -> NDArray[np.float64]:
    """Per-query reciprocal rank: ``rr_q = 1 / r_q`` (the mean of it is MRR)."""
    return 1.0 / _ranks(ranks).astype(np.float64)


def mean(values: ArrayLike) -> float:
    """Mean over queries: ``(1/n) * sum_q v_q`` (booleans count as 0/1).

    Raises:
        DataError: if there are no values.
    """
    arr = np.asarray(values)
    if arr.size == 0:
        raise DataError("cannot average over zero queries")
    return float(np.mean(arr, dtype=np.float64))


def median_rank(ranks: ArrayLike) -> float:
    """Median of the ranks, ``np.median(r)`` (mean of the two middle ranks when n is even).

    Raises:
        DataError: if there are no ranks.
    """
    arr = _ranks(ranks)
    if arr.size == 0:
        raise DataError("cannot take the median rank of zero queries")
    return float(np.median(arr))


@dataclass(frozen=True)
class RetrievalMetrics:
    """The standard metric set of one retrieval protocol.

    Attributes:
        recall: ``{K: R@K}`` with ``R@K = mean_q [r_q <= K]`` (a fraction).
        mrr: ``mean_q 1 / r_q``.
        median_rank: ``median_q r_q``.
        n: number of queries.
    """

    recall: Mapping[int, float]
    mrr: float
    median_rank: float
    n: int

    def rows(self) -> list[tuple[str, int | None, float]]:
        """``(metric, k, value)``: ``("recall", K, R@K)`` per K, then ``mrr``, ``median_rank``."""
        out: list[tuple[str, int | None, float]] = [
            ("recall", k, v) for k, v in sorted(self.recall.items())
        ]
        return [*out, ("mrr", None, self.mrr), ("median_rank", None, self.median_rank)]


def retrieval_metrics(ranks: ArrayLike, ks: Sequence[int] = DEFAULT_KS) -> RetrievalMetrics:
    """Recall@K for each K in ``ks``, MRR and median rank of one protocol's ranks.

    Args:
        ranks: 1-based rank of the best positive per query (non-empty).
        ks: cut-offs, default ``(1, 5, 10)``.

    Returns:
        The :class:`RetrievalMetrics` of these queries.
    """
    arr = _ranks(ranks)
    recall = {int(k): mean(hit_at_k(arr, k)) for k in ks}
    return RetrievalMetrics(
        recall=recall, mrr=mean(reciprocal_rank(arr)), median_rank=median_rank(arr), n=arr.size
    )


def _rank_column(columns: Columns) -> NDArray[np.int64]:
    return _ranks(columns["rank"])


def _hits(columns: Columns, k: int | None) -> NDArray[np.float64]:
    return hit_at_k(_rank_column(columns), int(k or 0)).astype(np.float64)


for _name, _formula in (
    ("recall@K", "R@K = mean_q [rank_q <= K] (hit rate of the best positive)"),
    ("hit@K", "hit@K = mean_q [rank_q <= K]"),
):
    METRICS.register(MetricDef(name=_name, needs=("rank",), per_query=_hits, formula=_formula))
METRICS.register(
    MetricDef(
        name="mrr",
        needs=("rank",),
        per_query=lambda c, k: reciprocal_rank(_rank_column(c)),
        formula="MRR = mean_q 1 / rank_q",
    )
)
METRICS.register(
    MetricDef(
        name="median_rank",
        needs=("rank",),
        per_query=lambda c, k: _rank_column(c).astype(np.float64),
        statistic="median",
        comparable=False,
        formula="median_q rank_q (lower is better)",
    )
)
