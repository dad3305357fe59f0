"""Zero-shot image classification on a folder-per-class dataset (task ``zeroshot``).

Each class is described by prompt templates filled with its name (:mod:`embedlab.data.templates`,
:mod:`embedlab.data.classnames`); its embedding is the renormalised mean of the normalised
prompt embeddings, and each image is assigned the class of highest cosine similarity, ties going
to the lowest class index (:mod:`embedlab.scoring.classification`). Prompts are encoded with
role ``query``, like retrieval captions (image–text models ignore the role).

Metric rows (protocol ``zeroshot``; formulas in :mod:`embedlab.metrics.classification`):

* ``accuracy`` with ``k=1`` and ``k=5`` (top-K accuracy). Top-5 is omitted when there are fewer
  than 5 classes (it is undefined there; with exactly 5 it is trivially 1).
* ``mean_per_class_recall`` (balanced accuracy), ``k=None``. Its ``per_query`` holds linearised
  pseudo-values whose mean is the metric, so the generic image bootstrap gives a valid interval.

A late-interaction (multi-vector) model is refused before any work: the class embedding (a mean
of prompt embeddings) has no multi-vector counterpart.

Every image is its own resampling unit. Outcomes: table ``zeroshot`` (one row per image:
``correct_top1``, ``correct_top5`` when defined, ``predicted``, ``label``, ``rank`` of the true
class) and table ``zeroshot-prompts`` (one row per prompt: ``class_index``, ``classname``,
``template``, ``prompt``), which records the class names and templates that were used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.imagefolder import ImageFolderDataset
from embedlab.data.registry import DatasetRequest, load_dataset
from embedlab.errors import ConfigError
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.classification import Classified, class_embeddings, classify
from embedlab.tasks._late import refuse_late
from embedlab.tasks.base import MetricValue, TaskContext, TaskParams, TaskResult, register_task

TASK_NAME = "zeroshot"
PROTOCOL = "zeroshot"
PROMPTS_TABLE = "zeroshot-prompts"
TOP_K = (1, 5)
LATE_REASON = (
    "a class embedding is the mean of its prompt embeddings, which has no multi-vector definition"
)


class ZeroShotParams(TaskParams):
    """``data_dir`` (required: one folder of images per class), ``split`` (recorded),
    ``classnames`` / ``templates`` files (default: in ``data_dir``), ``protocols``."""

    data_dir: Path | None = None
    split: str = "test"
    classnames: Path | None = None
    templates: Path | None = None
    protocols: tuple[str, ...] = ()


@dataclass(frozen=True)
class ZeroShotTask:
    """Zero-shot classification of the image folder ``params.data_dir``."""

    name: str
    params: ZeroShotParams

    def run(self, ctx: TaskContext) -> TaskResult:
        """Encode images and prompts, classify, and return metrics and outcomes."""
        refuse_late(ctx, self.name, LATE_REASON)
        p = self.params
        files = {"classnames": p.classnames, "templates": p.templates}
        request = DatasetRequest("imagefolder", p.data_dir, ctx.cache_dir, p.split, options=files)
        data = load_dataset(request, ImageFolderDataset)
        images = ctx.embed.images(data.name, data.image_ids, data.image_paths)
        prompts = ctx.embed.texts(data.name, data.prompt_ids, data.prompts, role="query")
        classes = class_embeddings(prompts, data.n_classes, len(data.templates))
        result = classify(images, classes, data.labels, chunk_mb=ctx.chunk_mb)
        return TaskResult(
            dataset=_info(data),
            metrics=zeroshot_metrics(result.ranks, data.labels, data.n_classes),
            outcomes=[_image_outcomes(data, result), _prompt_outcomes(data)],
        )


def zeroshot_metrics(
    ranks: NDArray[np.int64], labels: NDArray[np.int64], n_classes: int
) -> list[MetricValue]:
    """Top-1, top-5 (only with at least 5 classes) and mean per-class recall, with per-image arrays.

    Args:
        ranks: 1-based rank of each image's true class.
        labels: true class index of each image.
        n_classes: number of classes ``C``.
    """
    columns = {"rank": ranks, "label": labels}
    names = [f"accuracy@{k}" for k in TOP_K if k <= n_classes]
    return [METRICS.value(m, PROTOCOL, columns) for m in (*names, "mean_per_class_recall")]


def _image_outcomes(data: ImageFolderDataset, result: Classified) -> Outcomes:
    values: dict[str, NDArray[np.generic]] = {
        f"correct_top{k}": (result.ranks <= k).astype(np.int64)
        for k in TOP_K
        if k <= data.n_classes
    }
    values.update(predicted=result.predicted, label=data.labels, rank=result.ranks)
    return Outcomes(
        protocol=PROTOCOL,
        query_ids=list(data.image_ids),
        cluster_ids=list(data.image_ids),
        values=values,
    )


def _prompt_outcomes(data: ImageFolderDataset) -> Outcomes:
    """One row per prompt: the record of which class names and templates were used."""
    n_t = len(data.templates)
    class_index = np.repeat(np.arange(data.n_classes, dtype=np.int64), n_t)
    return Outcomes(
        protocol=PROMPTS_TABLE,
        query_ids=data.prompt_ids,
        cluster_ids=[data.folders[k] for k in class_index],
        values={
            "class_index": class_index,
            "classname": np.asarray([data.classnames[k] for k in class_index], dtype=np.str_),
            "template": np.asarray(list(data.templates) * data.n_classes, dtype=np.str_),
            "prompt": np.asarray(data.prompts, dtype=np.str_),
        },
    )


def _info(data: ImageFolderDataset) -> DatasetInfo:
    provenance = "; ".join(f"{key}: {value}" for key, value in sorted(data.meta.items()))
    return DatasetInfo(
        name=data.name,
        split=data.split,
        source=f"{data.source} ({provenance})",
        fingerprint=data.fingerprint,
        n_images=data.n_images,
        n_captions=len(data.prompt_ids),
    )


@register_task(
    TASK_NAME,
    ZeroShotParams,
    "zero-shot classification of a folder per class",
    "classification",
    late_interaction=False,
)
def make_zeroshot(name: str, params: ZeroShotParams) -> ZeroShotTask:
    """Task factory: checks ``--data-dir`` and ``--protocol`` before anything runs.

    Raises:
        ConfigError: no ``--data-dir`` was given, or a protocol other than ``zeroshot``.
    """
    if params.data_dir is None:
        raise ConfigError(
            "task zeroshot needs --data-dir: a folder with one sub-folder of images per class "
            "(<data-dir>/<class>/<image files>)"
        )
    unknown = [p for p in params.protocols if p != PROTOCOL]
    if unknown:
        raise ConfigError(
            f"--protocol {unknown[0]!r} is not a zeroshot protocol; valid: {PROTOCOL}"
        )
    return ZeroShotTask(name=name, params=params)
