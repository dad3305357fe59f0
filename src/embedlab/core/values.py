"""A metric's value with the per-query array it is a statistic of: what tasks hand upward.

Tasks produce :class:`MetricValue` s (through :mod:`embedlab.metrics.table`); intervals
(:mod:`embedlab.stats.intervals`) turn them into RunLog rows with bootstrap CIs. Kept in the leaf
layer so that statistics never import tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

#: How a metric aggregates its per-query values.
Statistic = Literal["mean", "median"]


@dataclass(frozen=True)
class MetricValue:
    """A metric = ``statistic`` over ``per_query`` (grouped by ``clusters`` for resampling).

    Attributes:
        protocol: the task protocol the rows belong to (``t2i``, ``all``, ``q2d``...).
        metric: the name rows carry (``recall@5``, ``ndcg``...).
        value: ``statistic(per_query)``.
        n: number of queries.
        k: the cut-off, when the metric has one.
        per_query: the values the statistic is taken over (None: no interval possible).
        clusters: integer resampling unit of each query (None: each query is its own unit).
        statistic: ``mean`` or ``median``.
    """

    protocol: str
    metric: str
    value: float
    n: int
    k: int | None = None
    per_query: NDArray[np.float64] | None = None
    clusters: NDArray[np.int64] | None = None
    statistic: Statistic = "mean"
