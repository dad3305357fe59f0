"""Running a true-vs-alternatives :class:`~embedlab.data.pair_sets.ChoiceSet`: embed, score, report.

Every item is correct when ``s(true, image) > s(alternative, image)`` for every alternative
(strict); ``s`` is the embeddings' dot product, or ``MaxSim(caption -> image)`` for a
late-interaction model (:mod:`embedlab.tasks._pair_scores`). Each protocol gives one
``accuracy`` row:

* ``ChoiceProtocol.group(g)``: items of group ``g`` (a SugarCrepe subset), plain accuracy;
* ``ChoiceProtocol.pooled(name)``: every item, plain (micro) accuracy;
* ``ChoiceProtocol.macro(min_count, exclude)``: mean over groups with at least ``min_count``
  items, other than those in ``exclude``, of the group accuracy
  (:func:`embedlab.metrics.pair_choice.macro_mean`).

Outcomes per protocol: ``query_id`` = item id, ``cluster_id`` = the item's resampling unit,
``correct`` in {0, 1}; macro protocols add ``weight`` (``mean(correct * weight)`` = the macro
accuracy, and the row's per-query values are exactly ``correct * weight``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from embedlab.data.pair_sets import ChoiceSet
from embedlab.errors import ConfigError, DataError
from embedlab.metrics.pair_choice import macro_mean
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.pair_choice import choice_correct
from embedlab.tasks._pair_scores import pair_similarities
from embedlab.tasks.base import MetricValue, TaskContext, TaskResult

METRIC = "accuracy"


@dataclass(frozen=True)
class ChoiceProtocol:
    """One row to report: which items, and how they are averaged."""

    name: str
    kind: Literal["group", "pooled", "macro"]
    group: str | None = None
    min_count: int = 1
    exclude: frozenset[str] = frozenset()

    @classmethod
    def of_group(cls, group: str) -> ChoiceProtocol:
        """Plain accuracy over the items of ``group`` (the protocol is named after it)."""
        return cls(name=group, kind="group", group=group)

    @classmethod
    def pooled(cls, name: str = "pooled") -> ChoiceProtocol:
        """Plain accuracy over every item."""
        return cls(name=name, kind="pooled")

    @classmethod
    def macro(cls, min_count: int = 1, exclude: frozenset[str] = frozenset()) -> ChoiceProtocol:
        """Mean of the group accuracies (groups with at least ``min_count`` items, not in
        ``exclude``; the items of excluded groups are left out of the row)."""
        return cls(name="macro", kind="macro", min_count=min_count, exclude=exclude)


def check_choice_protocols(
    requested: tuple[str, ...], valid: Sequence[str], task: str
) -> tuple[str, ...]:
    """The protocols to report: ``requested`` (each must be in ``valid``), or all of ``valid``."""
    unknown = [p for p in requested if p not in valid]
    if unknown:
        raise ConfigError(
            f"--protocol {unknown[0]!r} is not a {task} protocol; valid: {', '.join(valid)}"
        )
    return tuple(requested) or tuple(valid)


def run_choices(
    ctx: TaskContext,
    choices: ChoiceSet,
    protocols: Sequence[ChoiceProtocol],
    image_dataset: str | None = None,
) -> TaskResult:
    """Score every item of ``choices`` once and report ``protocols``.

    ``image_dataset`` names the embedding-cache entry of the images (default: the set's name),
    so order tasks reuse the image embeddings of the retrieval dataset they are built from.
    """
    correct = _correct(ctx, choices, image_dataset or choices.name)
    clusters = [e.cluster for e in choices.examples]
    groups = [e.group for e in choices.examples]
    metrics: list[MetricValue] = []
    outcomes: list[Outcomes] = []
    for protocol in protocols:
        rows, weights = _select(protocol, correct, groups)
        cluster_labels = [clusters[int(i)] for i in rows]
        columns: dict[str, NDArray[np.generic]] = {"correct": correct[rows].astype(np.int8)}
        if weights is not None:
            columns["weight"] = weights
        metrics.append(METRICS.value(METRIC, protocol.name, columns, _codes(cluster_labels)))
        ids = [choices.examples[int(i)].item_id for i in rows]
        outcomes.append(Outcomes(protocol.name, ids, cluster_labels, columns))
    return TaskResult(dataset=_info(choices), metrics=metrics, outcomes=outcomes)


def _correct(ctx: TaskContext, choices: ChoiceSet, image_dataset: str) -> NDArray[np.bool_]:
    images: dict[str, Path] = {}
    for e in choices.examples:
        images.setdefault(e.image_id, e.image_path)
    position = {image_id: k for k, image_id in enumerate(images)}
    width = 1 + max(len(e.alternatives) for e in choices.examples)
    text_index = np.full((len(choices.examples), width), -1, dtype=np.int64)
    text_ids: list[str] = []
    texts: list[str] = []
    for n, e in enumerate(choices.examples):
        options = (e.true_caption, *e.alternatives)
        text_index[n, : len(options)] = np.arange(len(texts), len(texts) + len(options))
        text_ids.extend(
            [f"{e.item_id}#true"] + [f"{e.item_id}#alt{k}" for k in range(len(options) - 1)]
        )
        texts.extend(options)
    image_index = np.asarray([[position[e.image_id]] for e in choices.examples], dtype=np.int64)
    sim = pair_similarities(
        ctx, image_dataset, (list(images), list(images.values())), choices.name,
        (text_ids, texts), text_index, image_index,
    )  # fmt: skip
    return choice_correct(sim[:, 0], sim[:, 1:])


def _select(
    protocol: ChoiceProtocol, correct: NDArray[np.bool_], groups: list[str]
) -> tuple[NDArray[np.int64], NDArray[np.float64] | None]:
    """The items of ``protocol`` and, for a macro mean, their weights."""
    if protocol.kind == "macro":
        rows = np.asarray(
            [i for i, g in enumerate(groups) if g not in protocol.exclude], dtype=np.int64
        )
        if not len(rows):
            raise DataError("every group of the set is excluded from the macro mean")
        kept = [groups[int(i)] for i in rows]
        macro = macro_mean(correct[rows].astype(np.float64), kept, protocol.min_count)
        return rows[macro.kept], macro.weights
    if protocol.kind == "group":
        rows = np.asarray([i for i, g in enumerate(groups) if g == protocol.group], dtype=np.int64)
    else:
        rows = np.arange(len(groups), dtype=np.int64)
    return rows, None


def _codes(labels: list[str]) -> NDArray[np.int64]:
    """Integer cluster codes (first-appearance order) for the bootstrap."""
    codes: dict[str, int] = {}
    return np.asarray([codes.setdefault(label, len(codes)) for label in labels], dtype=np.int64)


def _info(choices: ChoiceSet) -> DatasetInfo:
    return DatasetInfo(
        name=choices.name,
        split=choices.split,
        source=choices.source,
        fingerprint=choices.fingerprint,
        n_images=len({e.image_id for e in choices.examples}),
        n_captions=sum(1 + len(e.alternatives) for e in choices.examples),
    )
