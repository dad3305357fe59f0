"""Exact top-k over a corpus held in shards: each shard's top-k, merged; equal to ``dense_topk``.

The corpus of ``N`` rows comes as shards, consecutive row ranges ``[o_j, o_j + n_j)`` that cover
``[0, N)`` once (e.g. the shards of an embedding cache entry, read one at a time). For each
shard, :func:`~embedlab.scoring.dense_topk.dense_topk` gives its best ``min(k, n_j)`` rows under
the shard's slice of the tie-break order; the global top-k is the top-k of the union of these
lists, since a row outside its shard's top-k is beaten by ``k`` rows of that shard.

Candidates are merged by the key of :mod:`embedlab.scoring._topk_merge`::

    key(s, d) = ord(s) * 2**32 + (2**32 - 1 - rank_d)

with ``rank`` the position of row ``d`` in the **global** tie-break order (``tiebreak`` ascending,
then row number ascending). Keys are distinct, so the merged list is one set in one order,
independent of the order shards arrive in: exactly ``dense_topk(Q, C, k, tiebreak)`` whenever
the per-shard float32 scores equal the in-memory ones. They are the same dot products; like
``dense_topk`` with a different ``chunk_mb``, a BLAS may round one of them differently for a
different block shape (sub-ulp), so only near-ties could differ; exact ties always follow the
tie-break. Memory: the queries, one shard, and a ``(Q, 2k)`` merge buffer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import ConfigError, DataError
from embedlab.results.embedding_cache import ShardedEmbeddings
from embedlab.scoring._topk_merge import score_keys, tie_keys
from embedlab.scoring.dense_topk import DEFAULT_CHUNK_MB, TopK, dense_topk


def shard_topk(
    queries: ArrayLike,
    shard: ArrayLike,
    offset: int,
    k: int,
    tiebreak: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> TopK:
    """The best ``min(k, rows)`` rows of one shard, as **global** row numbers (``offset + i``).

    ``tiebreak`` is the shard's slice of the global tie-break (None: row order).
    """
    top = dense_topk(queries, shard, k, tiebreak, chunk_mb)
    return TopK(indices=top.indices + np.int64(offset), scores=top.scores)


class MergedTopK:
    """The running global top-k of ``n_queries`` rows; shards' lists added in any order."""

    def __init__(self, n_queries: int, k: int, tiebreak: NDArray[np.int64]) -> None:
        self.k = k
        self.tie_key = tie_keys(tiebreak)
        self.keys = np.zeros((n_queries, 0), dtype=np.uint64)
        self.indices = np.zeros((n_queries, 0), dtype=np.int64)
        self.scores = np.zeros((n_queries, 0), dtype=np.float32)

    def add(self, part: TopK) -> None:
        """Merge one shard's list (global row numbers)."""
        keys = score_keys(part.scores) | self.tie_key[part.indices]
        keys = np.concatenate([self.keys, keys], axis=1)
        indices = np.concatenate([self.indices, part.indices], axis=1)
        scores = np.concatenate([self.scores, part.scores], axis=1)
        keep = np.argsort(keys, axis=1)[:, ::-1][:, : self.k]  # keys are distinct: no ties
        self.keys = np.take_along_axis(keys, keep, axis=1)
        self.indices = np.take_along_axis(indices, keep, axis=1)
        self.scores = np.take_along_axis(scores, keep, axis=1)

    def result(self) -> TopK:
        """Per query the best ``min(k, N)`` rows, best first."""
        return TopK(indices=self.indices, scores=self.scores)


def sharded_topk(
    queries: ArrayLike,
    shards: Iterable[tuple[int, ArrayLike]],
    n_docs: int,
    k: int,
    tiebreak: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
) -> TopK:
    """Top-``k`` of a corpus of ``n_docs`` rows streamed as ``(offset, rows)`` shards.

    Equal to ``dense_topk(queries, concatenated shards, k, tiebreak)`` (module docstring).

    Raises:
        ConfigError: bad ``k``.
        DataError: shards that do not cover ``[0, n_docs)`` exactly once, or bad shapes.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"top-k needs k >= 1, got k={k!r}")
    q = np.ascontiguousarray(queries, dtype=np.float32)
    tb = full_tiebreak(tiebreak, n_docs)
    merged = MergedTopK(q.shape[0], min(int(k), n_docs), tb)
    covered = Coverage(n_docs)
    for offset, rows in shards:
        block = np.asarray(rows, dtype=np.float32)
        covered.add(offset, len(block))
        if len(block):
            stop = offset + len(block)
            merged.add(shard_topk(q, block, offset, k, tb[offset:stop], chunk_mb))
    covered.check()
    return merged.result()


def full_tiebreak(tiebreak: ArrayLike | None, n_docs: int) -> NDArray[np.int64]:
    """``tiebreak`` as int64 ``(n_docs,)`` (default: row order)."""
    if tiebreak is None:
        return np.arange(n_docs, dtype=np.int64)
    tb = np.asarray(tiebreak, dtype=np.int64)
    if tb.shape != (n_docs,):
        raise DataError(f"tiebreak has shape {tb.shape}, expected ({n_docs},)")
    return tb


class Coverage:
    """Checks that shards cover ``[0, n)`` exactly once (in any order)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.ranges: list[tuple[int, int]] = []

    def add(self, offset: int, rows: int) -> None:
        if offset < 0 or offset + rows > self.n:
            raise DataError(f"shard rows {offset}..{offset + rows} fall outside 0..{self.n}")
        self.ranges.append((offset, offset + rows))

    def check(self) -> None:
        end = 0
        for lo, hi in sorted(self.ranges):
            if lo != end:
                what = "overlap" if lo < end else f"leave rows {end}..{lo} out"
                raise DataError(f"the corpus shards {what} (corpus of {self.n} rows)")
            end = hi
        if end != self.n:
            raise DataError(f"the corpus shards end at row {end}, expected {self.n}")


def cache_shards(entry: ShardedEmbeddings) -> Iterator[tuple[int, NDArray[np.float32]]]:
    """``(offset, vectors)`` of each shard of a cache entry, read and verified one at a time."""
    for shard in range(entry.n_shards):
        yield entry.shard_range(shard)[0], entry.read_shard(shard)
