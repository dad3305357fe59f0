"""Top-k of candidate lists in one fixed order: score descending, then id ascending."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def best_k(
    scores: NDArray[np.float32], ids: NDArray[np.int64], k: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Per row, the ``k`` best ``(score, id)`` pairs by (score desc, id asc), best first.

    ``scores`` and ``ids`` are ``(Q, C)`` candidate lists (ids need not be sorted or unique
    across rows); input order never decides a tie.
    """
    order: NDArray[Any] = np.lexsort((ids, -scores), axis=1)[:, :k]
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)
