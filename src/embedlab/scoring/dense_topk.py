"""Exact top-k of a dense corpus for every query, in bounded memory.

The score of query ``q`` and document ``d`` is the float32 dot product ``s(q, d) = <Q_q, C_d>``
(the cosine for unit vectors). Documents are ranked by ``s`` descending; **ties** are broken by
``tiebreak[d]`` ascending (a total order given by the caller; default: the document index). With
``tiebreak = descending_id_order(ids)`` this is trec_eval's order: score descending, then
document id descending (byte order of the UTF-8 ids = code-point order of Python strings).

Memory: queries are taken in blocks of at most ``QUERY_BLOCK`` rows and the corpus in column
blocks sized so that one block of scores holds about ``chunk_mb`` MB of float32 (plus the
``argpartition`` indices: about 3 x ``chunk_mb`` in all); per query only a running top-k is kept,
merged with each block's top-k candidates (``argpartition``, then an exact fix-up of rows whose
k-th score is tied). A 1M-document corpus never materialises a ``Q x N`` matrix.

Exactness: the result is the exact top-k of the float32 scores computed here. A BLAS may round
one dot product differently for different block shapes (sub-ulp), so near-ties can depend on
``chunk_mb``; exact ties (e.g. duplicate documents) always follow ``tiebreak``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, DataError

QUERY_BLOCK = 1024
DEFAULT_CHUNK_MB = 96.0


@dataclass(frozen=True)
class TopK:
    """Per query, the best ``k`` documents, best first.

    Attributes:
        indices: document indices, int64 ``(Q, k)``.
        scores: their float32 scores ``(Q, k)``.
    """

    indices: NDArray[np.int64]
    scores: NDArray[np.float32]


def descending_id_order(ids: Sequence[str]) -> NDArray[np.int64]:
    """``t[d]`` = position of ``ids[d]`` when ids are sorted descending (trec_eval ties)."""
    order = sorted(range(len(ids)), key=ids.__getitem__, reverse=True)
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[np.asarray(order, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
    return ranks


def dense_topk(
    queries: ArrayLike,
    corpus: ArrayLike,
    k: int,
    tiebreak: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> TopK:
    """Top-``k`` documents of every query (module docstring), ``k`` capped at the corpus size.

    Args:
        queries: ``(Q, D)`` embeddings.
        corpus: ``(N, D)`` embeddings.
        k: how many documents to keep per query (>= 1).
        tiebreak: ``(N,)`` integers, lower wins among equal scores; default ``arange(N)``.
        chunk_mb: approximate size of one block of float32 scores.

    Raises:
        ConfigError: bad ``k`` or ``chunk_mb``.
        DataError: shapes that do not match.
    """
    q = np.ascontiguousarray(queries, dtype=np.float32)
    c = np.ascontiguousarray(corpus, dtype=np.float32)
    if q.ndim != 2 or c.ndim != 2 or q.shape[1] != c.shape[1]:
        raise DataError(f"query {q.shape} and corpus {c.shape} embeddings do not match")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 or chunk_mb <= 0:
        raise ConfigError(f"top-k needs k >= 1 and chunk_mb > 0, got k={k!r}, {chunk_mb=}")
    n = c.shape[0]
    tb = np.arange(n, dtype=np.int64) if tiebreak is None else np.asarray(tiebreak, np.int64)
    if tb.shape != (n,):
        raise DataError(f"tiebreak has shape {tb.shape}, expected ({n},)")
    k = min(int(k), n)
    indices = np.zeros((q.shape[0], k), dtype=np.int64)
    scores = np.zeros((q.shape[0], k), dtype=np.float32)
    block_q = max(1, min(q.shape[0], QUERY_BLOCK))
    block_c = max(k + 1, int(chunk_mb * 2**20) // (4 * block_q))
    for lo in range(0, q.shape[0], block_q):
        best_i, best_s = _query_block(q[lo : lo + block_q], c, k, tb, block_c)
        indices[lo : lo + block_q], scores[lo : lo + block_q] = best_i, best_s
    return TopK(indices=indices, scores=scores)


def _query_block(
    q: NDArray[np.float32], c: NDArray[np.float32], k: int, tb: NDArray[np.int64], block_c: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    best_i = np.zeros((q.shape[0], 0), dtype=np.int64)
    best_s = np.zeros((q.shape[0], 0), dtype=np.float32)
    for lo in range(0, c.shape[0], block_c):
        block = q @ c[lo : lo + block_c].T
        cand = _candidates(block, k, tb[lo : lo + block_c])
        cand_s = np.take_along_axis(block, cand, axis=1)
        best_i, best_s = _best(
            np.concatenate([best_i, cand + lo], axis=1),
            np.concatenate([best_s, cand_s], axis=1),
            k,
            tb,
        )
    return best_i, best_s


def _candidates(block: NDArray[np.float32], k: int, tb: NDArray[np.int64]) -> NDArray[np.int64]:
    """Column indices of each row's top-k in ``block`` under (score desc, tiebreak asc)."""
    width = block.shape[1]
    if width <= k:
        every: NDArray[np.int64] = np.tile(np.arange(width, dtype=np.int64), (block.shape[0], 1))
        return every
    part = np.argpartition(block, width - k, axis=1)[:, width - k :].astype(np.int64)
    kth = np.take_along_axis(block, part, axis=1).min(axis=1)
    tied = np.flatnonzero((block >= kth[:, None]).sum(axis=1) > k)
    for row in tied:  # more candidates reach the k-th score than fit: decide by tiebreak
        cols = np.flatnonzero(block[row] >= kth[row])
        keep = np.lexsort((tb[cols], -block[row, cols]))[:k]
        part[row] = cols[keep]
    return part


def _best(
    idx: NDArray[np.int64], sc: NDArray[np.float32], k: int, tb: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Rows of ``(idx, sc)`` sorted by (score desc, tiebreak asc), first ``k`` kept."""
    order: NDArray[Any] = np.lexsort((tb[idx], -sc), axis=1)[:, :k]
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(sc, order, axis=1)
