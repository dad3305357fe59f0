"""BEIR ``q2d`` protocols as search problems (:mod:`embedlab.tasks.search_problem`).

Queries are the evaluated queries (role ``query``), the corpus every document (role
``document``). Exact columns repeat :meth:`BeirTask.run`: one exact top-k
(:func:`~embedlab.tasks.corpus_search.corpus_topk`: in memory, or shard by shard from the cache
beyond the run's ``--corpus-memory-mb``; as Ray tasks with ``TaskContext.search`` of kind
``ray``) of depth ``100 (+1 with q2d-ignore-identical-ids)`` with trec_eval's tie order, then
the protocol's ranking and :func:`~embedlab.tasks.beir.metric_set`. An index's top-k list is
first put in the same order (score descending, then document id descending; missing items last)
and scored the same way; nDCG@10, Recall@100 and MRR@10 are all determined by a top-100 list.
A late-interaction (multi-vector) model is refused in one line (indexes hold one vector per
item).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embedlab.data.beir import BeirDataset
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.scoring.dense_topk import descending_id_order
from embedlab.tasks._beir_eval import DEPTH, evaluated_queries, protocol_rankings
from embedlab.tasks._late import refuse_late
from embedlab.tasks.base import TaskContext
from embedlab.tasks.corpus_search import corpus_topk, fits_memory, rows_topk
from embedlab.tasks.retrieval_search import SEARCH_REASON
from embedlab.tasks.search_problem import Columns, SearchProblem, Transform

if TYPE_CHECKING:
    from embedlab.tasks.beir import BeirTask


def beir_problems(task: BeirTask, ctx: TaskContext) -> list[SearchProblem]:
    """One :class:`SearchProblem` per protocol of ``task`` (see the module docstring)."""
    from embedlab.tasks.beir import METRIC_NAMES, metric_set

    refuse_late(ctx, task.name, SEARCH_REASON)
    request = DatasetRequest(task.name, task.params.data_dir, ctx.cache_dir, task.params.split)
    data = load_dataset(request, BeirDataset)
    ev = evaluated_queries(data)
    docs = ctx.embed.texts(data.name, data.doc_ids, data.documents, role="document")
    queries = ctx.embed.texts(data.name, ev.query_ids, ev.texts, role="query")
    depth = DEPTH + (1 if "q2d-ignore-identical-ids" in task.protocols else 0)
    tiebreak = descending_id_order(data.doc_ids)

    def columns_of(protocol: str, top: NDArray[np.int64]) -> Columns:
        rankings = protocol_rankings(top, ev.query_ids, data.doc_ids, protocol)
        return metric_set(protocol, ev, rankings, data.doc_ids)[1].values

    def exact(protocol: str) -> Callable[[Transform], Columns]:
        def columns(transform: Transform) -> Columns:
            if fits_memory(ctx, docs.nbytes):  # the problem holds the corpus anyway
                top = rows_topk(ctx, queries, docs, depth, tiebreak, transform)
            else:
                top = corpus_topk(
                    ctx, data.name, data.doc_ids, data.documents, lambda: queries, depth,
                    tiebreak, transform,
                )  # fmt: skip
            return columns_of(protocol, top.indices)

        return columns

    def from_topk(protocol: str) -> Callable[[NDArray[np.int64], NDArray[np.float32]], Columns]:
        def columns(idx: NDArray[np.int64], sc: NDArray[np.float32]) -> Columns:
            ids = np.asarray(idx, dtype=np.int64)
            score = np.where(ids >= 0, np.asarray(sc, dtype=np.float64), -np.inf)
            ties = np.where(ids >= 0, tiebreak[np.maximum(ids, 0)], np.iinfo(np.int64).max)
            order = np.lexsort((ties, -score), axis=1)
            return columns_of(protocol, np.take_along_axis(ids, order, axis=1))

        return columns

    clusters = np.arange(len(ev.query_ids), dtype=np.int64)
    return [
        SearchProblem(
            protocol=protocol,
            queries=queries,
            corpus=docs,
            query_ids=list(ev.query_ids),
            cluster_ids=list(ev.query_ids),
            clusters=clusters,
            metrics=METRIC_NAMES,
            topk_metrics=METRIC_NAMES,
            depth=depth,
            exact_columns=exact(protocol),
            topk_columns=from_topk(protocol),
        )
        for protocol in task.protocols
    ]
