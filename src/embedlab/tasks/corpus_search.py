"""Exact top-k of queries over a text corpus, in memory or shard by shard within a budget.

With no budget (``TaskContext.corpus_memory_mb`` None, the default) the corpus is embedded with
``Embedder.texts`` and searched by :func:`~embedlab.scoring.dense_topk.dense_topk`, as before.
With a budget of ``B`` MB the corpus comes as a
:class:`~embedlab.embedding.corpus.ShardedCorpus`; if its ``4 * N * D`` bytes fit in
``B * 2**20`` it is read whole and searched the same way, otherwise it is searched shard by
shard by :func:`~embedlab.scoring.sharded_topk.sharded_topk` (one shard in memory at a time).
Both give the same lists: per query the ``k`` best rows by score descending, ties by
``tiebreak`` ascending then row number (sharded_topk's docstring shows why the merge is exact).
``transform`` (row-wise, e.g. Matryoshka truncation) is applied to the queries and to each shard.

With ``TaskContext.search`` of kind ``ray`` the same lists come from
:func:`~embedlab.scoring.ray_topk.ray_sharded_topk` (one Ray task per shard, merged here):
beyond the budget the tasks read the corpus's cache shards themselves
(:class:`~embedlab.scoring.ray_topk.CacheShard` of ``ShardedCorpus.entry``; the cache folder
must be visible to every node), within it (or with no budget) the rows held here are shipped as
:func:`row_blocks`. ``transform`` goes with each task and is applied to its rows there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from embedlab.embedding.corpus import ShardedCorpus
from embedlab.scoring.dense_topk import TopK, dense_topk
from embedlab.scoring.ray_topk import CacheShard, Shard, ray_sharded_topk
from embedlab.scoring.sharded_topk import sharded_topk
from embedlab.tasks.base import TaskContext

Vectors = NDArray[np.float32]
#: An in-memory corpus goes to Ray tasks in at least this many blocks (so tasks run in
#: parallel) of at most :data:`BLOCK_MB` MB each (so no one object is large).
MIN_BLOCKS = 8
BLOCK_MB = 64.0


def _same(x: Vectors) -> Vectors:
    return x


def fits_memory(ctx: TaskContext, nbytes: int) -> bool:
    """Whether a corpus of ``nbytes`` may be held: no budget, or ``nbytes <= B * 2**20``."""
    budget = ctx.corpus_memory_mb
    return budget is None or nbytes <= budget * 2**20


def corpus_topk(
    ctx: TaskContext,
    dataset: str,
    ids: Sequence[str],
    documents: Sequence[str],
    queries: Callable[[], Vectors],
    k: int,
    tiebreak: NDArray[np.int64],
    transform: Callable[[Vectors], Vectors] = _same,
) -> TopK:
    """Top-``k`` documents (role ``document``) per query (see the module docstring).

    ``queries`` is called after the corpus is embedded (the order a run embeds them in).
    """
    embed, chunk = ctx.embed, ctx.chunk_mb
    if ctx.corpus_memory_mb is None:  # no budget: exactly the path runs always took
        docs = embed.texts(dataset, ids, documents, role="document")
        return rows_topk(ctx, queries(), docs, k, tiebreak, transform)
    corpus = embed.text_shards(dataset, ids, documents, role="document")
    if fits_memory(ctx, corpus.nbytes):
        docs = corpus.array()
        return rows_topk(ctx, queries(), docs, k, tiebreak, transform)
    if ctx.search.is_ray:
        return ray_sharded_topk(
            transform(queries()), corpus_shards(corpus), corpus.n_items, k, tiebreak, chunk,
            ctx.search.address, ctx.search.cpus_per_task, transform=transform,
        )  # fmt: skip

    def shards() -> Iterator[tuple[int, Vectors]]:
        for offset, rows in corpus.shards():
            yield offset, transform(rows)

    return sharded_topk(transform(queries()), shards(), corpus.n_items, k, tiebreak, chunk)


def rows_topk(
    ctx: TaskContext,
    queries: Vectors,
    docs: Vectors,
    k: int,
    tiebreak: NDArray[np.int64],
    transform: Callable[[Vectors], Vectors] = _same,
) -> TopK:
    """Top-``k`` of a corpus held here: ``dense_topk``, or Ray tasks over :func:`row_blocks`."""
    if not ctx.search.is_ray:
        return dense_topk(transform(queries), transform(docs), k, tiebreak, ctx.chunk_mb)
    return ray_sharded_topk(
        transform(queries), row_blocks(docs), len(docs), k, tiebreak, ctx.chunk_mb,
        ctx.search.address, ctx.search.cpus_per_task, transform=transform,
    )  # fmt: skip


def row_blocks(docs: Vectors) -> list[Shard]:
    """``(offset, rows)`` blocks covering ``docs``: ``max(min(N, MIN_BLOCKS),
    ceil(bytes / BLOCK_MB))`` blocks of ``ceil(N / blocks)`` rows (the last may be shorter)."""
    n = len(docs)
    blocks = max(min(n, MIN_BLOCKS), math.ceil(docs.nbytes / (BLOCK_MB * 2**20)), 1)
    step = max(1, math.ceil(n / blocks))
    return [(lo, docs[lo : lo + step]) for lo in range(0, n, step)]


def corpus_shards(corpus: ShardedCorpus) -> list[Shard]:
    """The cache shards of ``corpus`` for Ray tasks to read (its in-memory shards if it has no
    cache entry: stubs)."""
    entry = corpus.entry
    if entry is None:
        return list(corpus.shards())
    return [CacheShard(entry, shard) for shard in range(entry.n_shards)]
