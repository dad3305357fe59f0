"""Top-k selection in one fixed order: score descending, then id ascending (never input order)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def best_k(
    scores: NDArray[np.float32], ids: NDArray[np.int64], k: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Per row, the ``k`` best ``(score, id)`` pairs by (score desc, id asc), best first."""
    order: NDArray[Any] = np.lexsort((ids, -scores), axis=1)[:, :k]
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)


def block_candidates(block: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    """Column indices holding each row's top ``k`` of ``block`` (ties at the k-th score: lowest
    columns), unordered; all columns when the block has at most ``k``."""
    width = block.shape[1]
    if width <= k:
        return np.tile(np.arange(width, dtype=np.int64), (block.shape[0], 1))
    part = np.argpartition(block, width - k, axis=1)[:, width - k :].astype(np.int64)
    kth = np.take_along_axis(block, part, axis=1).min(axis=1)
    for row in np.flatnonzero((block >= kth[:, None]).sum(axis=1) > k):
        cols = np.flatnonzero(block[row] >= kth[row])  # ascending columns
        keep = np.lexsort((cols, -block[row, cols]))[:k]
        part[row] = cols[keep]
    return part
