"""Sharded exact top-k as Ray tasks: one task per corpus shard, merged on the driver.

Each task computes :func:`~embedlab.scoring.sharded_topk.shard_topk` of one shard: a
:class:`CacheShard` of an embedding cache entry is read and verified **by the task** (the cache
folder must be visible to every node: a shared or synced file system); an in-memory ``(offset,
rows)`` shard is shipped to it. ``transform`` (row-wise, e.g. Matryoshka truncation; None: the
rows as stored) is shipped with each task and applied to its shard's rows there, so a truncated
search reads full-width cache shards and truncates them where they are read; the caller gives
the queries already transformed. The queries go to Ray's object store once. At most
``max_in_flight`` tasks run or wait at a time, so the driver holds only the queries, the
``(Q, k)`` lists of finished tasks and the running merge
(:class:`~embedlab.scoring.sharded_topk.MergedTopK`); the order of arrival does not matter, so
the result is the same as :func:`~embedlab.scoring.sharded_topk.sharded_topk` and ``dense_topk``
(same tie rule). Ray is imported only here (``ray`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.core.ray_cluster import connect
from embedlab.errors import ConfigError
from embedlab.results.embedding_cache import ShardedEmbeddings
from embedlab.scoring.dense_topk import DEFAULT_CHUNK_MB, TopK
from embedlab.scoring.sharded_topk import Coverage, MergedTopK, full_tiebreak, shard_topk


@dataclass(frozen=True)
class CacheShard:
    """Shard ``shard`` of a cache entry, read by the task that scores it."""

    entry: ShardedEmbeddings
    shard: int


#: A shard: ``(offset, rows)`` in memory, or a :class:`CacheShard`.
Shard = tuple[int, ArrayLike] | CacheShard
#: A row-wise map of a shard's ``(n, D)`` rows to ``(n, D')`` rows.
RowTransform = Callable[[NDArray[np.float32]], NDArray[np.float32]]


def _task(
    queries: NDArray[np.float32],
    source: Shard,
    k: int,
    tiebreak: NDArray[np.int64],
    chunk_mb: float,
    transform: RowTransform | None = None,
) -> TopK:
    """One shard's top-k with global row numbers (runs in a Ray worker)."""
    if isinstance(source, CacheShard):
        offset = source.entry.shard_range(source.shard)[0]
        rows = source.entry.read_shard(source.shard)
    else:
        offset, rows = source[0], np.asarray(source[1], dtype=np.float32)
    if transform is not None:
        rows = np.asarray(transform(rows), dtype=np.float32)
    return shard_topk(queries, rows, offset, k, tiebreak[offset : offset + len(rows)], chunk_mb)


def ray_sharded_topk(
    queries: ArrayLike,
    shards: Sequence[Shard],
    n_docs: int,
    k: int,
    tiebreak: ArrayLike | None = None,
    chunk_mb: float = DEFAULT_CHUNK_MB,
    address: str | None = None,
    cpus_per_task: float = 0.5,
    max_in_flight: int = 8,
    transform: RowTransform | None = None,
) -> TopK:
    """Top-``k`` of the corpus ``shards`` (module docstring); equal to ``sharded_topk``.

    Raises:
        ConfigError: bad ``k``; a dead ``address``.
        DataError: shards not covering ``[0, n_docs)`` once; a cache shard failing verification.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"top-k needs k >= 1, got k={k!r}")
    q = np.ascontiguousarray(queries, dtype=np.float32)
    tb = full_tiebreak(tiebreak, n_docs)
    coverage = Coverage(n_docs)
    for source in shards:
        if isinstance(source, CacheShard):
            lo, hi = source.entry.shard_range(source.shard)
            coverage.add(lo, hi - lo)
        else:
            coverage.add(source[0], len(np.asarray(source[1])))
    coverage.check()
    ray = connect(address)
    remote = ray.remote(num_cpus=cpus_per_task)(_task)
    q_ref, tb_ref = ray.put(q), ray.put(tb)
    merged = MergedTopK(q.shape[0], min(int(k), n_docs), tb)
    pending: list[Any] = []
    for source in shards:
        if len(pending) >= max_in_flight:
            pending = _merge_one(ray, pending, merged)
        pending.append(remote.remote(q_ref, source, int(k), tb_ref, chunk_mb, transform))
    while pending:
        pending = _merge_one(ray, pending, merged)
    return merged.result()


def _merge_one(ray: Any, pending: list[Any], merged: MergedTopK) -> list[Any]:
    """Wait for one task, merge its list; the tasks still pending."""
    done, rest = ray.wait(pending, num_returns=1)
    merged.add(ray.get(done[0]))
    return list(rest)
