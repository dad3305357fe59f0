"""Exact MaxSim top-k of every query with a caller's tie order (late-interaction BEIR ranking).

Documents are ranked by ``MaxSim(query -> document)`` (:mod:`embedlab.scoring.maxsim`)
descending; **ties** by ``tiebreak[d]`` ascending, then by document index — the order of
:func:`embedlab.scoring.dense_topk.dense_topk`, so ``tiebreak = descending_id_order(ids)`` gives
trec_eval's order (score descending, then document id descending) for late-interaction models
exactly as for dense ones. Memory: the MaxSim blocks (about ``chunk_mb`` MB of token scores) and
a running top-``k`` per query; the ``Q x N`` matrix is never stored.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError
from embedlab.scoring.dense_topk import TopK
from embedlab.scoring.maxsim import DEFAULT_CHUNK_MB, maxsim_blocks
from embedlab.scoring.topk_order import best_k


def late_topk(
    queries: MultiVectors,
    docs: MultiVectors,
    k: int,
    tiebreak: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> TopK:
    """The best ``k`` documents of every query by exact MaxSim (``k`` capped at the corpus).

    Args:
        queries: query token vectors (the summed side).
        docs: document token vectors (the maximised side).
        k: documents kept per query (>= 1).
        tiebreak: ``(N,)`` integers, lower wins among equal scores; default ``arange(N)``.
        chunk_mb: approximate size of one block of float32 token scores.

    Raises:
        ConfigError: ``k`` < 1.
        DataError: a ``tiebreak`` of the wrong shape, or token dimensions that differ.
    """
    if k < 1:
        raise ConfigError(f"k must be a positive integer (got {k!r})")
    n = docs.n_items
    k = min(int(k), n)
    every = np.arange(n, dtype=np.int64)
    tb = every if tiebreak is None else np.asarray(tiebreak, dtype=np.int64)
    if tb.shape != (n,):
        raise DataError(f"tiebreak must hold one integer per document ({n}), got {tb.shape}")
    by_order = np.lexsort((every, tb))  # document at each position of the total tie order
    position = np.empty(n, dtype=np.int64)
    position[by_order] = every
    out_s = np.full((queries.n_items, k), -np.inf, dtype=np.float32)
    out_p = np.full((queries.n_items, k), np.iinfo(np.int64).max, dtype=np.int64)
    for b in maxsim_blocks(queries, docs, chunk_mb):
        rows = slice(b.q_start, b.q_stop)
        keys = np.broadcast_to(position[b.d_start : b.d_stop], b.scores.shape)
        s = np.concatenate([out_s[rows], b.scores], axis=1)
        p = np.concatenate([out_p[rows], keys], axis=1)
        out_s[rows], out_p[rows] = best_k(s, p, k)
    indices: NDArray[np.int64] = by_order[out_p] if n else out_p
    return TopK(indices=indices, scores=out_s)
