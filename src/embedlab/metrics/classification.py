"""Per-image classification metrics: top-K correctness, per-class recall, balanced accuracy.

With ``rank_i`` the 1-based rank of image ``i``'s true class ``y_i`` among ``C`` classes,
``N`` images and ``n_k`` images of class ``k``:

* top-K accuracy ``= mean_i c_i(K)`` with ``c_i(K) = [rank_i <= K]``;
* recall of class ``k``: ``p_k = (1/n_k) * sum_{i : y_i = k} c_i(1)``;
* mean per-class recall (balanced accuracy) ``BA = (1/C) * sum_k p_k``.

BA is not the plain mean of a 0/1 outcome, so :func:`balanced_accuracy_terms` gives per-image
*linearised pseudo-values* ``z_i = BA + N / (C * n_{y_i}) * (c_i - p_{y_i})``. Their mean is
exactly BA, and the variance of their mean under resampling of images,
``(1/N^2) * sum_i (z_i - BA)^2 = sum_k p_k (1 - p_k) / (C^2 n_k)``, is the variance of BA with
class counts held fixed (the stratified bootstrap's). So the generic percentile bootstrap of
the mean of ``z`` is a valid first-order interval for BA; individual ``z_i`` may leave [0, 1].
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError
from embedlab.metrics.table import METRICS, Columns, MetricDef


def topk_correct(ranks: NDArray[np.int64], k: int) -> NDArray[np.float64]:
    """``c_i(K) = [rank_i <= K]`` as 0.0 / 1.0 per image."""
    if k < 1:
        raise ConfigError(f"top-K accuracy needs K >= 1, got {k}")
    return (np.asarray(ranks) <= k).astype(np.float64)


def per_class_recall(
    correct: NDArray[np.float64], labels: NDArray[np.int64], n_classes: int
) -> NDArray[np.float64]:
    """``p_k`` for every class ``k``, shape ``(n_classes,)``; every class needs an image."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    if counts.shape[0] != n_classes or (counts == 0).any():
        raise ConfigError("per-class recall needs labels in [0, n_classes) covering every class")
    hits = np.bincount(labels, weights=correct, minlength=n_classes)
    return hits / counts


def balanced_accuracy_terms(
    correct: NDArray[np.float64], labels: NDArray[np.int64], n_classes: int
) -> NDArray[np.float64]:
    """Pseudo-values ``z_i`` whose mean is BA (see module docstring), shape ``(N,)``."""
    recall = per_class_recall(correct, labels, n_classes)
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    balanced = float(recall.mean())
    weight = len(labels) / (n_classes * counts[labels])
    return balanced + weight * (correct - recall[labels])


def _correct_at(columns: Columns, k: int | None) -> NDArray[np.float64]:
    kk = int(k or 1)
    name = f"correct_top{kk}"
    if name in columns:
        return np.asarray(columns[name], dtype=np.float64)
    return topk_correct(np.asarray(columns["rank"]), kk)


def _balanced(columns: Columns, k: int | None) -> NDArray[np.float64]:
    labels = np.asarray(columns["label"], dtype=np.int64)
    n_classes = int(labels.max()) + 1 if labels.size else 0
    return balanced_accuracy_terms(_correct_at(columns, 1), labels, n_classes)


METRICS.register(
    MetricDef(
        name="accuracy@K",
        needs=("rank",),
        per_query=_correct_at,
        row="accuracy",
        formula="top-K accuracy = mean_i [rank of the true class <= K]",
    )
)
METRICS.register(
    MetricDef(
        name="mean_per_class_recall",
        needs=("rank", "label"),
        per_query=_balanced,
        formula="BA = (1/C) sum_k p_k, as linearised per-image pseudo-values (module docstring)",
    )
)
