"""How much of an exact top-k an approximate search recovered, per query (``recovered@K``).

For query ``q`` with exact top-k set ``E_q`` (the ``k`` best documents of the exact search) and
approximate top-k set ``A_q``::

    recovered@k(q) = |A_q ∩ E_q| / |E_q|

(order ignored; ``-1`` entries mark empty ranks and are not documents). Its mean over queries is
:func:`embedlab.scoring.late_search.recovered_fraction`; here it is per query, so the metric table
gives it a confidence interval like any other rate. Used by the ``vidore`` task for MUVERA
against exact MaxSim.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, DataError
from embedlab.metrics.table import METRICS, Columns, MetricDef


def recovered_at_k(found: ArrayLike, exact: ArrayLike, k: int) -> NDArray[np.float64]:
    """``|A_q ∩ E_q| / |E_q|`` per row, over the first ``k`` columns of each ``(Q, >=k)`` array
    of document indices (``-1``: no document; a row whose exact set is empty gives 0)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")
    a, e = np.asarray(found, dtype=np.int64), np.asarray(exact, dtype=np.int64)
    if a.ndim != 2 or e.ndim != 2 or a.shape[0] != e.shape[0]:
        raise DataError(f"found {a.shape} and exact {e.shape} rankings do not align")
    out = np.zeros(a.shape[0], dtype=np.float64)
    for q in range(a.shape[0]):
        truth = {int(d) for d in e[q, :k] if d >= 0}
        if truth:
            out[q] = len(truth & {int(d) for d in a[q, :k] if d >= 0}) / len(truth)
    return out


def _read(columns: Columns, k: int | None) -> NDArray[np.float64]:
    return np.asarray(columns[f"recovered_at_{k}"], dtype=np.float64)


METRICS.register(
    MetricDef(
        "recovered@K",
        ("recovered_at_{k}",),
        _read,
        formula="recovered@K = mean_q |approx top-K ∩ exact top-K| / |exact top-K|",
    )
)
