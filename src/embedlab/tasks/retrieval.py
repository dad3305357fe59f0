"""Image–text retrieval (COCO Karpathy, Flickr30k, captions.jsonl, shapes) in four protocols.

Protocols (PROTOCOLS.md): ``t2i`` every caption queries all images; ``t2i-first`` only each
image's first caption; ``i2t`` each image queries all captions, hit if ANY of its captions is in
the top K; ``i2t-symmetric`` each image against one (the first) caption per image. Recall@K is
the hit rate ``mean_q [rank_q <= K]``; MRR is ``mean_q 1/rank_q``; median rank is
``median_q rank_q``, where ``rank_q`` is the pessimistic rank of the best positive (ties count
against it, see :mod:`embedlab.scoring.retrieval`).

A late-interaction (multi-vector) model is ranked on one matrix ``s(c, i) = MaxSim(caption c ->
image i)`` (:mod:`embedlab.scoring.late_retrieval`), per caption for ``t2i``/``t2i-first`` and
per image column for ``i2t``/``i2t-symmetric``, with the same pessimistic ties.

Resampling units for confidence intervals: caption queries (``t2i``, ``t2i-first``) are grouped by
their image (captions of one image are correlated); image queries are their own unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.registry import DatasetRequest, dataset_names, load_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.errors import ConfigError
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.late_retrieval import rank_late_protocols
from embedlab.scoring.retrieval import (
    RETRIEVAL_PROTOCOLS,
    ProtocolRanks,
    RetrievalProtocol,
    rank_protocols,
)
from embedlab.tasks.base import MetricValue, TaskContext, TaskParams, TaskResult, register_task
from embedlab.tasks.search_problem import SearchProblem

#: Metrics of every protocol, in row order (definitions: :mod:`embedlab.metrics.retrieval`).
METRIC_NAMES = ("recall@1", "recall@5", "recall@10", "mrr", "median_rank")


class RetrievalParams(TaskParams):
    """Parameters of the retrieval tasks.

    Attributes:
        data_dir: local dataset folder (``--data-dir``); None: the Hub or the generated set.
        split: dataset split (``--split``).
        hub_id: override of the dataset's Hub id (``--hub-id``).
        protocols: ``t2i``, ``t2i-first``, ``i2t``, ``i2t-symmetric`` (default: all four).
    """

    data_dir: Path | None = None
    split: str = "test"
    hub_id: str | None = None
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class RetrievalTask:
    """Retrieval on one image–caption dataset (``name`` is the dataset name)."""

    name: str
    params: RetrievalParams

    @property
    def protocols(self) -> tuple[str, ...]:
        """The protocols reported (all four by default)."""
        return self.params.protocols or RETRIEVAL_PROTOCOLS

    def run(self, ctx: TaskContext) -> TaskResult:
        p = self.params
        request = DatasetRequest(self.name, p.data_dir, ctx.cache_dir, p.split, p.hub_id)
        data = load_dataset(request, ImageTextDataset)
        ranks = _ranks(ctx, data, self.protocols)
        metrics: list[MetricValue] = []
        outcomes: list[Outcomes] = []
        for protocol in self.protocols:
            query_ids, clusters = _queries(data, protocol)
            columns: dict[str, NDArray[np.generic]] = {
                "rank": ranks[protocol].ranks  # type: ignore[index]
            }
            metrics.extend(METRICS.value(m, protocol, columns, clusters) for m in METRIC_NAMES)
            outcomes.append(
                Outcomes(
                    protocol=protocol,
                    query_ids=query_ids,
                    cluster_ids=[data.image_ids[c] for c in clusters],
                    values=columns,
                )
            )
        return TaskResult(dataset=_info(data), metrics=metrics, outcomes=outcomes)

    def search_problems(self, ctx: TaskContext) -> list[SearchProblem]:
        """The protocols as search problems for an index study (tasks/retrieval_search.py)."""
        from embedlab.tasks.retrieval_search import retrieval_problems

        return retrieval_problems(self, ctx)


def _ranks(
    ctx: TaskContext, data: ImageTextDataset, protocols: tuple[str, ...]
) -> dict[RetrievalProtocol, ProtocolRanks]:
    """Ranks of ``protocols``: dot products of the embeddings, or MaxSim of caption tokens over
    image tokens for a late-interaction model (images embedded first, captions as queries)."""
    embed, name = ctx.embed, data.name
    if embed.late_interaction:
        image_tokens = embed.image_tokens(name, data.image_ids, data.image_paths)
        text_tokens = embed.text_tokens(name, data.caption_ids, data.captions, role="query")
        return rank_late_protocols(
            text_tokens,
            image_tokens,
            data.caption_image,
            protocols,
            first_caption=data.first_caption,
            chunk_mb=ctx.chunk_mb,
        )
    images = embed.images(name, data.image_ids, data.image_paths)
    texts = embed.texts(name, data.caption_ids, data.captions, role="query")
    return rank_protocols(
        texts,
        images,
        data.caption_image,
        protocols,
        first_caption=data.first_caption,
        chunk_mb=ctx.chunk_mb,
    )


def _queries(data: ImageTextDataset, protocol: str) -> tuple[list[str], NDArray[np.int64]]:
    """Query ids of ``protocol`` and the image index each query belongs to (its cluster)."""
    if protocol == "t2i":
        return list(data.caption_ids), data.caption_image
    if protocol == "t2i-first":
        first = data.first_caption
        return [data.caption_ids[c] for c in first], data.caption_image[first]
    return list(data.image_ids), np.arange(data.n_images, dtype=np.int64)


def _info(data: ImageTextDataset) -> DatasetInfo:
    return DatasetInfo(
        name=data.name,
        split=data.split,
        source=data.source,
        fingerprint=data.fingerprint,
        n_images=data.n_images,
        n_captions=data.n_captions,
    )


def build_retrieval(name: str, params: RetrievalParams) -> RetrievalTask:
    """Check the protocols; the task retrieves on the dataset of the same name."""
    unknown = [p for p in params.protocols if p not in RETRIEVAL_PROTOCOLS]
    if unknown:
        raise ConfigError(
            f"--protocol {unknown[0]!r} is not a retrieval protocol; "
            f"valid: {', '.join(RETRIEVAL_PROTOCOLS)}"
        )
    return RetrievalTask(name=name, params=params)


# One retrieval task per registered image–text dataset: a new dataset module is a new task.
for _name in dataset_names("image-text"):
    register_task(
        _name,
        RetrievalParams,
        f"image–text retrieval (4 protocols) on {_name}",
        "image-text-retrieval",
    )(build_retrieval)
