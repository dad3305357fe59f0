"""Per-query values of a metric, rebuilt from saved outcome columns (no re-encoding).

* ``recall@K``, ``accuracy@K``, ``hit@K``: ``[rank_q <= K]`` from a ``rank`` column (the rank
  of the first positive, or of the true class);
* ``mrr``: ``1 / rank_q`` from a ``rank`` column;
* any other name: the outcome column of that name (pair-choice ``correct``, ``text``, ``image``,
  ``group``...), which must hold numbers in [0, 1]; a column named like the metric wins.

The metric is the mean of these values, higher is better. ``median_rank`` is not a mean of
per-query values and has no entry here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError
from embedlab.metrics.retrieval import hit_at_k, reciprocal_rank

__all__ = ["derivable", "per_query_values"]

_AT_K = re.compile(r"^(recall|accuracy|hit)@([1-9][0-9]*)$")


def derivable(metric: str, columns: Iterable[str]) -> bool:
    """Whether :func:`per_query_values` can compute ``metric`` from these column names."""
    names = set(columns)
    from_rank = bool(_AT_K.match(metric)) or metric == "mrr"
    return metric in names or (from_rank and "rank" in names)


def per_query_values(
    metric: str, columns: Mapping[str, NDArray[np.generic]], where: str = "columns"
) -> NDArray[np.float64] | None:
    """Per-query values of ``metric`` from outcome ``columns`` (see the module docstring).

    Args:
        metric: ``recall@K``, ``accuracy@K``, ``hit@K``, ``mrr`` or an outcome column name.
        columns: one outcome table's columns, aligned by query.
        where: which table, for the error message (e.g. ``"task 'x' protocol 't2i'"``).

    Returns:
        float64 values, one per query, or ``None`` when these columns cannot give ``metric``.

    Raises:
        ConfigError: the column named ``metric`` is not numeric within [0, 1].
    """
    if metric in columns:
        arr = np.asarray(columns[metric])
        if arr.dtype.kind not in "biuf" or not ((arr >= 0) & (arr <= 1)).all():
            raise ConfigError(
                f"--metric {metric}: outcome column {metric!r} of {where} is not a per-query "
                "score in [0, 1]; compare recall@K or mrr (from ranks) or a 0/1 column"
            )
        return arr.astype(np.float64)
    match = _AT_K.match(metric)
    if match and "rank" in columns:
        return hit_at_k(columns["rank"], int(match[2])).astype(np.float64)
    if metric == "mrr" and "rank" in columns:
        return reciprocal_rank(columns["rank"])
    return None
