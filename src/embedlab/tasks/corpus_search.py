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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
from numpy.typing import NDArray

from embedlab.scoring.dense_topk import TopK, dense_topk
from embedlab.scoring.sharded_topk import sharded_topk
from embedlab.tasks.base import TaskContext

Vectors = NDArray[np.float32]


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
        return dense_topk(transform(queries()), transform(docs), k, tiebreak, chunk)
    corpus = embed.text_shards(dataset, ids, documents, role="document")
    if fits_memory(ctx, corpus.nbytes):
        docs = corpus.array()
        return dense_topk(transform(queries()), transform(docs), k, tiebreak, chunk)

    def shards() -> Iterator[tuple[int, Vectors]]:
        for offset, rows in corpus.shards():
            yield offset, transform(rows)

    return sharded_topk(transform(queries()), shards(), corpus.n_items, k, tiebreak, chunk)
