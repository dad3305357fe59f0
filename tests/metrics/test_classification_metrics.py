"""Per-image classification metrics and the balanced-accuracy pseudo-values."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.metrics.classification import (
    balanced_accuracy_terms,
    per_class_recall,
    topk_correct,
)


def test_topk_and_recall_by_hand() -> None:
    ranks = np.array([1, 3, 1, 2, 6], dtype=np.int64)
    assert topk_correct(ranks, 1).tolist() == [1, 0, 1, 0, 0]
    assert topk_correct(ranks, 5).tolist() == [1, 1, 1, 1, 0]
    labels = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    recall = per_class_recall(topk_correct(ranks, 1), labels, 2)
    np.testing.assert_allclose(recall, [2 / 3, 0.0])
    with pytest.raises(ConfigError):
        topk_correct(ranks, 0)
    with pytest.raises(ConfigError):
        per_class_recall(topk_correct(ranks, 1), labels, 3)  # class 2 has no image


def test_pseudo_values_mean_and_variance() -> None:
    rng = np.random.default_rng(3)
    n_classes = 6
    labels = np.concatenate([np.arange(n_classes), rng.integers(0, n_classes, 200)])
    correct = (rng.random(labels.size) < 0.3 + 0.1 * labels).astype(np.float64)
    terms = balanced_accuracy_terms(correct, labels, n_classes)
    recall = per_class_recall(correct, labels, n_classes)
    assert terms.mean() == pytest.approx(recall.mean(), abs=1e-12)
    counts = np.bincount(labels)
    stratified = (recall * (1 - recall) / counts).sum() / n_classes**2
    n = labels.size
    assert ((terms - terms.mean()) ** 2).sum() / n**2 == pytest.approx(stratified, rel=1e-9)
