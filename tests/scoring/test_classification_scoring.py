"""Class embeddings, chunked classification and the lowest-index tie policy."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ModelError
from embedlab.scoring.classification import class_embeddings, classify


def test_chunked_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    images = rng.standard_normal((53, 8)).astype(np.float32)
    classes = class_embeddings(rng.standard_normal((9 * 2, 8)), 9, 2)
    labels = rng.integers(0, 9, 53)
    small = classify(images, classes, labels, chunk_mb=1e-6)  # one image per chunk
    whole = classify(images, classes, labels)
    assert small.predicted.tolist() == whole.predicted.tolist()
    assert small.ranks.tolist() == whole.ranks.tolist()
    scores = images @ classes.T
    for i, y in enumerate(labels):
        order = sorted(range(9), key=lambda k: (-scores[i, k], k))
        assert whole.predicted[i] == order[0]
        assert whole.ranks[i] == order.index(y) + 1


def test_ties_rank_after_lower_indices_only() -> None:
    classes = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=np.float32)
    images = np.array([[1, 0]] * 4, dtype=np.float32)
    result = classify(images, classes, np.array([0, 1, 2, 3]))
    assert result.predicted.tolist() == [0, 0, 0, 0]
    assert result.ranks.tolist() == [1, 2, 3, 4]


def test_shape_errors() -> None:
    with pytest.raises(ModelError, match="expected 2 x 3 prompt embeddings"):
        class_embeddings(np.ones((5, 4)), 2, 3)
    with pytest.raises(ModelError, match="do not match"):
        classify(np.ones((2, 3)), np.ones((2, 4)), np.array([0, 1]))
