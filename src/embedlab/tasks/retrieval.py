"""Image–text retrieval (COCO Karpathy, Flickr30k, captions.jsonl, shapes) in four protocols.

Protocols (PROTOCOLS.md): ``t2i`` every caption queries all images; ``t2i-first`` only each
image's first caption; ``i2t`` each image queries all captions, hit if ANY of its captions is in
the top K; ``i2t-symmetric`` each image against one (the first) caption per image. Recall@K is
the hit rate ``mean_q [rank_q <= K]``; MRR is ``mean_q 1/rank_q``; median rank is
``median_q rank_q``, where ``rank_q`` is the pessimistic rank of the best positive (ties count
against it, see :mod:`embedlab.scoring.retrieval`).

Resampling units for confidence intervals: caption queries (``t2i``, ``t2i-first``) are grouped by
their image (captions of one image are correlated); image queries are their own unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.errors import ConfigError
from embedlab.metrics.retrieval import hit_at_k, median_rank, reciprocal_rank
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.retrieval import RETRIEVAL_PROTOCOLS, rank_protocols
from embedlab.tasks.base import TASKS, MetricValue, TaskContext, TaskOptions, TaskResult

RETRIEVAL_DATASETS = ("coco-karpathy", "flickr30k", "captions", "shapes")
RECALL_KS = (1, 5, 10)


@dataclass(frozen=True)
class RetrievalTask:
    """Retrieval on one image–caption dataset (``name`` is the dataset name)."""

    name: str
    protocols: tuple[str, ...]

    def run(self, ctx: TaskContext) -> TaskResult:
        opts = ctx.options
        request = DatasetRequest(
            name=self.name,
            data_dir=opts.data_dir,
            cache_dir=opts.cache_dir,
            split=opts.split,
            hub_id=opts.hub_id,
        )
        data = load_dataset(request)
        images = ctx.embed.images(data.name, data.image_ids, data.image_paths)
        texts = ctx.embed.texts(data.name, data.caption_ids, data.captions, role="query")
        ranks = rank_protocols(
            texts,
            images,
            data.caption_image,
            self.protocols,
            first_caption=data.first_caption,
            chunk_mb=opts.chunk_mb,
        )
        metrics: list[MetricValue] = []
        outcomes: list[Outcomes] = []
        for protocol in self.protocols:
            query_ids, clusters = _queries(data, protocol)
            protocol_ranks = ranks[protocol].ranks  # type: ignore[index]
            metrics.extend(_metric_values(protocol, protocol_ranks, clusters))
            outcomes.append(
                Outcomes(
                    protocol=protocol,
                    query_ids=query_ids,
                    cluster_ids=[data.image_ids[c] for c in clusters],
                    values={"rank": protocol_ranks},
                )
            )
        return TaskResult(dataset=_info(data), metrics=metrics, outcomes=outcomes)


def _queries(data: ImageTextDataset, protocol: str) -> tuple[list[str], NDArray[np.int64]]:
    """Query ids of ``protocol`` and the image index each query belongs to (its cluster)."""
    if protocol == "t2i":
        return list(data.caption_ids), data.caption_image
    if protocol == "t2i-first":
        first = data.first_caption
        return [data.caption_ids[c] for c in first], data.caption_image[first]
    return list(data.image_ids), np.arange(data.n_images, dtype=np.int64)


def _metric_values(
    protocol: str, ranks: NDArray[np.int64], clusters: NDArray[np.int64]
) -> list[MetricValue]:
    """Recall@1/5/10 and MRR (means of per-query values) and the median rank."""
    n = int(ranks.size)
    per_query: list[tuple[str, int | None, NDArray[np.float64]]] = [
        (f"recall@{k}", k, hit_at_k(ranks, k).astype(np.float64)) for k in RECALL_KS
    ]
    per_query.append(("mrr", None, reciprocal_rank(ranks)))
    values = [
        MetricValue(protocol, name, float(v.mean()), n, k, v, clusters) for name, k, v in per_query
    ]
    as_float = ranks.astype(np.float64)
    values.append(
        MetricValue(
            protocol, "median_rank", median_rank(ranks), n, None, as_float, clusters, "median"
        )
    )
    return values


def _info(data: ImageTextDataset) -> DatasetInfo:
    return DatasetInfo(
        name=data.name,
        split=data.split,
        source=data.source,
        fingerprint=data.fingerprint,
        n_images=data.n_images,
        n_captions=data.n_captions,
    )


def _factory(name: str) -> object:
    def make(task_name: str, options: TaskOptions) -> RetrievalTask:
        protocols = options.protocols or RETRIEVAL_PROTOCOLS
        unknown = [p for p in protocols if p not in RETRIEVAL_PROTOCOLS]
        if unknown:
            raise ConfigError(
                f"--protocol {unknown[0]!r} is not a retrieval protocol; "
                f"valid: {', '.join(RETRIEVAL_PROTOCOLS)}"
            )
        return RetrievalTask(name=name, protocols=tuple(protocols))

    return make


for _name in RETRIEVAL_DATASETS:
    TASKS.register(_name)(_factory(_name))  # type: ignore[arg-type]
