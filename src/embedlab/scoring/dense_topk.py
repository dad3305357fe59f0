"""Exact top-k of a dense corpus for every query, in bounded memory.

The score of query ``q`` and document ``d`` is the float32 dot product ``s(q, d) = <Q_q, C_d>``
(the cosine for unit vectors). Documents are ranked by ``s`` descending; **ties** are broken by
``tiebreak[d]`` ascending (a total order given by the caller; default: the document index; equal
tiebreak values fall back to the lower index). With ``tiebreak = descending_id_order(ids)`` this
is trec_eval's order: score descending, then document id descending (byte order of the UTF-8
ids = code-point order of Python strings).

Memory: queries are taken in blocks of at most ``QUERY_BLOCK`` rows and the corpus in column
blocks sized so that one block of scores holds about ``chunk_mb`` MB of float32 (one buffer,
reused); per query only a running top-k is kept (:mod:`embedlab.scoring._topk_merge`: after the
first block only scores ``>=`` the current k-th best are looked at, so most of each block costs
one comparison). That work runs in row tiles on the BLAS's thread count
(:mod:`embedlab.scoring._parallel`), with a boolean mask of one tile per thread. A 1M-document
corpus never materialises a ``Q x N`` matrix.

Exactness: the result is the exact top-k of the float32 scores computed here. A BLAS may round
one dot product differently for different block shapes (sub-ulp), so near-ties can depend on
``chunk_mb``; exact ties (e.g. duplicate documents) always follow ``tiebreak``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, DataError, ModelError
from embedlab.scoring._parallel import TilePool, row_blocks, worker_count
from embedlab.scoring._topk_merge import RunningTopK, tie_keys

QUERY_BLOCK = 1024
DEFAULT_CHUNK_MB = 96.0
#: Bytes of float32 scores per row tile of the merge (a few MB: one comparison pass each).
TILE_BYTES = 4 * 2**20
_F32_MAX = float(np.finfo(np.float32).max)


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
    _check_finite(q, c)
    n = c.shape[0]
    tb = np.arange(n, dtype=np.int64) if tiebreak is None else np.asarray(tiebreak, np.int64)
    if tb.shape != (n,):
        raise DataError(f"tiebreak has shape {tb.shape}, expected ({n},)")
    k = min(int(k), n)
    tie_key = tie_keys(tb)
    indices = np.zeros((q.shape[0], k), dtype=np.int64)
    scores = np.zeros((q.shape[0], k), dtype=np.float32)
    block_q = max(1, min(q.shape[0], QUERY_BLOCK))
    block_c = min(n, max(k + 1, int(chunk_mb * 2**20) // (4 * block_q)))
    buffer = np.empty(block_q * block_c, dtype=np.float32)
    with TilePool(worker_count()) as pool:
        tile = max(1, min(block_q, TILE_BYTES // (4 * block_c)))
        masks = [np.empty(tile * block_c, dtype=np.bool_) for _ in range(pool.n_threads)]
        for lo in range(0, q.shape[0], block_q):
            best = RunningTopK(min(block_q, q.shape[0] - lo), k, tie_key)
            _query_block(q[lo : lo + block_q], c, best, block_c, buffer, pool, masks, tile)
            indices[lo : lo + block_q], scores[lo : lo + block_q] = best.indices, best.scores
    return TopK(indices=indices, scores=scores)


def _check_finite(q: NDArray[np.float32], c: NDArray[np.float32]) -> None:
    """Raise ModelError unless every score is finite.

    ``fl32(|x|^2)`` is finite for every row exactly when no entry is NaN/inf and no square sum
    overflows; then ``max|q| * max|c| * 1.01 < FLT_MAX`` rules out an overflowing dot product.
    """
    largest = []
    for x, what in ((q, "query"), (c, "corpus")):
        squares = np.einsum("ij,ij->i", x, x)
        if not np.isfinite(squares).all():
            raise ModelError(
                f"{what} embeddings have a NaN or infinite value (or overflow float32); "
                "check the model output"
            )
        largest.append(float(np.sqrt(squares.max(initial=0.0))))
    if largest[0] * largest[1] * 1.01 >= _F32_MAX:
        raise ModelError("embedding norms are too large: their dot products overflow float32")


def _query_block(
    q: NDArray[np.float32],
    c: NDArray[np.float32],
    best: RunningTopK,
    block_c: int,
    buffer: NDArray[np.float32],
    pool: TilePool,
    masks: list[NDArray[np.bool_]],
    tile: int,
) -> None:
    """Merge every corpus block into ``best`` (rows of ``q``)."""
    for lo in range(0, c.shape[0], block_c):
        docs = c[lo : lo + block_c]
        block = np.matmul(
            q, docs.T, out=buffer[: q.shape[0] * docs.shape[0]].reshape(-1, len(docs))
        )
        tasks = [
            partial(_merge_tile, best, block, lo, masks, a, b)
            for a, b in row_blocks(q.shape[0], tile)
        ]
        pool.run(tasks)
        best.filled = True


def _merge_tile(
    best: RunningTopK,
    block: NDArray[np.float32],
    first_doc: int,
    masks: list[NDArray[np.bool_]],
    a: int,
    b: int,
    thread: int,
) -> None:
    best.update(block[a:b], first_doc, a, masks[thread])
