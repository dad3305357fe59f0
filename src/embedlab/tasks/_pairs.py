"""Running a Winoground-style :class:`~embedlab.data.pair_sets.PairSet`: embed, score, report.

Rows: protocol ``all`` (every item) and ``tag=<tag>`` (items of one tag: Winoground's
``collapsed_tag`` Object / Relation / Both, or the shapes swap kind), each with the metrics
``text_score``, ``image_score`` and ``group_score`` (fractions; ``n`` = items in the protocol).
Outcomes per protocol: ``query_id`` = ``cluster_id`` = item id (items are the independent units,
so intervals resample items) and the 0/1 columns ``text_score``, ``image_score``, ``group_score``.
A late-interaction model's similarities are ``MaxSim(caption -> image)``
(:mod:`embedlab.tasks._pair_scores`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.pair_sets import PairSet
from embedlab.errors import ConfigError
from embedlab.metrics.table import METRICS
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.pair_choice import WinogroundScores, winoground_scores
from embedlab.tasks._pair_scores import pair_similarities
from embedlab.tasks.base import MetricValue, TaskContext, TaskResult

#: Rows of every protocol (definitions: :mod:`embedlab.metrics.pair_choice`).
METRICS_REPORTED = ("text_score", "image_score", "group_score")
ALL = "all"
TAG_PREFIX = "tag="
Rows = NDArray[np.int64]


def check_pair_protocols(requested: tuple[str, ...], task: str) -> tuple[str, ...]:
    """Validate ``--protocol`` names for a pair task: ``all`` or ``tag=<tag>``."""
    bad = [p for p in requested if p != ALL and not (p.startswith(TAG_PREFIX) and len(p) > 4)]
    if bad:
        raise ConfigError(
            f"--protocol {bad[0]!r} is not a {task} protocol; valid: 'all' or 'tag=<tag>' "
            "(e.g. tag=Object)"
        )
    return requested


def run_pairs(
    ctx: TaskContext, pairs: PairSet, requested: tuple[str, ...], tag_order: tuple[str, ...]
) -> TaskResult:
    """Embed every image and caption of ``pairs`` once, score each item, build rows/outcomes."""
    image_ids, image_paths = _unique_images(pairs)
    where = {image_id: k for k, image_id in enumerate(image_ids)}
    text_ids = [f"{e.item_id}#caption_{k}" for e in pairs.examples for k in (0, 1)]
    texts = [c for e in pairs.examples for c in e.captions]
    n = len(pairs.examples)
    text_index = np.arange(2 * n, dtype=np.int64).reshape(n, 2, 1)
    image_index = np.asarray(
        [[where[i] for i in e.image_ids] for e in pairs.examples], dtype=np.int64
    ).reshape(n, 1, 2)
    sim = pair_similarities(
        ctx, pairs.name, (image_ids, image_paths), pairs.name, (text_ids, texts), text_index,
        image_index,
    )  # fmt: skip
    scores = winoground_scores(sim)
    metrics: list[MetricValue] = []
    outcomes: list[Outcomes] = []
    for protocol in _protocols(pairs, requested, tag_order):
        rows = _rows(pairs, protocol)
        metrics.extend(_metric_values(protocol, scores, rows))
        outcomes.append(_outcomes(protocol, pairs, scores, rows))
    info = DatasetInfo(
        name=pairs.name,
        split=pairs.split,
        source=pairs.source,
        fingerprint=pairs.fingerprint,
        n_images=len(image_ids),
        n_captions=len(texts),
    )
    return TaskResult(dataset=info, metrics=metrics, outcomes=outcomes)


def _unique_images(pairs: PairSet) -> tuple[list[str], list[Path]]:
    seen: dict[str, Path] = {}
    for e in pairs.examples:
        for image_id, path in zip(e.image_ids, e.image_paths, strict=True):
            seen.setdefault(image_id, path)
    return list(seen), list(seen.values())


def _protocols(pairs: PairSet, requested: tuple[str, ...], order: tuple[str, ...]) -> list[str]:
    present = {e.tag for e in pairs.examples}
    if not requested:
        tags = [t for t in order if t in present] + sorted(present - set(order))
        return [ALL, *(TAG_PREFIX + t for t in tags)]
    for protocol in requested:
        if protocol.startswith(TAG_PREFIX) and protocol[len(TAG_PREFIX) :] not in present:
            raise ConfigError(
                f"--protocol {protocol!r}: no {pairs.name} item has that tag; tags present: "
                f"{', '.join(sorted(present))}"
            )
    return list(requested)


def _rows(pairs: PairSet, protocol: str) -> Rows:
    if protocol == ALL:
        return np.arange(len(pairs.examples), dtype=np.int64)
    tag = protocol[len(TAG_PREFIX) :]
    return np.asarray([i for i, e in enumerate(pairs.examples) if e.tag == tag], dtype=np.int64)


def _columns(scores: WinogroundScores) -> dict[str, NDArray[np.bool_]]:
    return {"text_score": scores.text, "image_score": scores.image, "group_score": scores.group}


def _metric_values(protocol: str, scores: WinogroundScores, rows: Rows) -> list[MetricValue]:
    columns = {metric: column[rows] for metric, column in _columns(scores).items()}
    return [METRICS.value(metric, protocol, columns) for metric in METRICS_REPORTED]


def _outcomes(protocol: str, pairs: PairSet, scores: WinogroundScores, rows: Rows) -> Outcomes:
    ids = [pairs.examples[int(i)].item_id for i in rows]
    values: dict[str, NDArray[np.generic]] = {
        m: c[rows].astype(np.int8) for m, c in _columns(scores).items()
    }
    return Outcomes(protocol=protocol, query_ids=ids, cluster_ids=list(ids), values=values)
