"""A corpus of embeddings read shard by shard: :class:`ShardedCorpus`.

What :meth:`Embedder.text_shards <embedlab.embedding.contract.Embedder.text_shards>` returns:
the same ``(N, D)`` float32 rows as ``Embedder.texts`` would, but as consecutive row ranges
``(offset, rows)`` covering ``[0, N)`` once, in order, read one at a time (for the provider:
the verified shards of its cache entry, so only one shard is in memory at a time). ``nbytes =
4 * N * D`` is what the whole array would take, for a task deciding whether to hold it
(:meth:`ShardedCorpus.array`) or to search it shard by shard
(:func:`embedlab.scoring.sharded_topk.sharded_topk`).

``entry`` is the cache entry the shards come from (None for an in-memory corpus): a search
that runs where the cache is visible (Ray tasks on a shared file system,
:class:`embedlab.scoring.ray_topk.CacheShard`) reads and verifies the same shards itself instead
of receiving them from this process. It is only ever a complete entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.results.embedding_cache import ShardedEmbeddings

Shards = Iterator[tuple[int, NDArray[np.float32]]]


@dataclass(frozen=True)
class ShardedCorpus:
    """``n_items`` rows of ``dim`` float32 values, read by ``read`` as ``(offset, rows)``;
    ``entry``: the complete cache entry holding them, if any."""

    n_items: int
    dim: int
    read: Callable[[], Shards]
    entry: ShardedEmbeddings | None = None

    @property
    def nbytes(self) -> int:
        """Bytes of the whole corpus as one float32 array: ``4 * n_items * dim``."""
        return 4 * self.n_items * self.dim

    def shards(self) -> Shards:
        """The ``(offset, rows)`` shards, in row order (a fresh pass on every call)."""
        return self.read()

    def array(self) -> NDArray[np.float32]:
        """All rows as one ``(n_items, dim)`` array (holds the whole corpus)."""
        parts = [rows for _, rows in self.shards()]
        if not parts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(np.concatenate(parts, axis=0), dtype=np.float32)

    @classmethod
    def of_array(cls, vectors: NDArray[np.float32], shard_rows: int) -> ShardedCorpus:
        """An in-memory array cut into shards of ``shard_rows`` rows (stubs, tests)."""
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        step = max(1, int(shard_rows))

        def read() -> Shards:
            for lo in range(0, len(x), step):
                yield lo, x[lo : lo + step]

        return cls(len(x), int(x.shape[1]) if x.ndim == 2 else 0, read)

    @classmethod
    def of_entry(cls, entry: ShardedEmbeddings, dim: int | None = None) -> ShardedCorpus:
        """A complete cache entry, each shard read and verified when reached.

        ``dim`` None: read from the first shard. A shard failing verification while streamed
        raises :class:`~embedlab.errors.ResultsError` naming the file to delete.
        """
        if dim is None:
            dim = int(entry.read_shard(0).shape[1]) if entry.n_shards else 0

        def read() -> Shards:
            for shard in range(entry.n_shards):
                yield entry.shard_range(shard)[0], entry.read_shard(shard)

        return cls(entry.n_items, dim, read, entry)
