"""Image–text retrieval protocols as search problems (:mod:`embedlab.tasks.search_problem`).

==============  =====================  ======================  ==========  ===========
protocol        queries                corpus                  query label corpus label
==============  =====================  ======================  ==========  ===========
t2i             every caption          images                  its image   image index
t2i-first       first caption of each  images                  image index image index
i2t             images                 every caption           image index its image
i2t-symmetric   images                 first caption of each   image index image index
==============  =====================  ======================  ==========  ===========

Exact columns come from one :func:`~embedlab.scoring.retrieval.rank_protocols` call over all
the task's protocols, exactly as :meth:`RetrievalTask.run` makes it (same chunk size, same
pass), so the identity transform reproduces the run's ranks bit for bit. Top-k lists determine
``recall@K`` for ``K <= depth``; MRR and the median rank need the full rank and are not
computable through an index (a positive beyond the list has an unknown rank). A
late-interaction (multi-vector) model is refused in one line: indexes hold one vector per item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.scoring.retrieval import rank_protocols
from embedlab.tasks._late import refuse_late
from embedlab.tasks.base import TaskContext
from embedlab.tasks.search_problem import Columns, SearchProblem, Transform, topk_ranks

if TYPE_CHECKING:
    from embedlab.tasks.retrieval import RetrievalTask

#: Metrics a top-10 list determines (the run's recall@K rows).
TOPK_METRICS = ("recall@1", "recall@5", "recall@10")
DEPTH = 10
#: Why an index study refuses a late-interaction model (tasks/_late.py).
SEARCH_REASON = (
    "an index study searches one vector per item, and a multi-vector model has a token matrix "
    "per item (MaxSim search is the vidore task's MUVERA stage)"
)


def retrieval_problems(task: RetrievalTask, ctx: TaskContext) -> list[SearchProblem]:
    """One :class:`SearchProblem` per protocol of ``task`` (see the module docstring)."""
    from embedlab.tasks.retrieval import METRIC_NAMES, _queries

    refuse_late(ctx, task.name, SEARCH_REASON)
    p = task.params
    request = DatasetRequest(task.name, p.data_dir, ctx.cache_dir, p.split, p.hub_id)
    data = load_dataset(request, ImageTextDataset)
    images = ctx.embed.images(data.name, data.image_ids, data.image_paths)
    texts = ctx.embed.texts(data.name, data.caption_ids, data.captions, role="query")
    first = np.asarray(data.first_caption, dtype=np.int64)
    caption_image = np.asarray(data.caption_image, dtype=np.int64)
    every = np.arange(data.n_images, dtype=np.int64)
    memo: dict[int, dict[str, NDArray[np.int64]]] = {}

    def exact(protocol: str) -> Callable[[Transform], Columns]:
        def columns(transform: Transform) -> Columns:
            key = id(transform)
            if key not in memo:
                got = rank_protocols(
                    transform(texts),
                    transform(images),
                    data.caption_image,
                    task.protocols,
                    first_caption=data.first_caption,
                    chunk_mb=ctx.chunk_mb,
                )
                memo[key] = {name: r.ranks for name, r in got.items()}
            return {"rank": memo[key][protocol]}

        return columns

    layout = {
        "t2i": (texts, images, caption_image, every),
        "t2i-first": (texts[first], images, every, every),
        "i2t": (images, texts, every, caption_image),
        "i2t-symmetric": (images, texts[first], every, every),
    }
    problems = []
    for protocol in task.protocols:
        queries, corpus, q_label, c_label = layout[protocol]
        query_ids, clusters = _queries(data, protocol)

        def from_topk(
            idx: NDArray[np.int64],
            sc: NDArray[np.float32],
            q_label: NDArray[np.int64] = q_label,
            c_label: NDArray[np.int64] = c_label,
        ) -> Columns:
            return {"rank": topk_ranks(idx, sc, q_label, c_label)}

        problems.append(
            SearchProblem(
                protocol=protocol,
                queries=queries,
                corpus=corpus,
                query_ids=query_ids,
                cluster_ids=[data.image_ids[c] for c in clusters],
                clusters=np.asarray(clusters, dtype=np.int64),
                metrics=METRIC_NAMES,
                topk_metrics=TOPK_METRICS,
                depth=DEPTH,
                exact_columns=exact(protocol),
                topk_columns=from_topk,
            )
        )
    return problems
