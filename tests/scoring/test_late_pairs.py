"""maxsim_similarities: MaxSim of the requested (caption, image) pairs, by hand and by loop."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import DataError, ModelError
from embedlab.scoring.late_pairs import maxsim_similarities


def test_hand_computed_values_and_missing_alternatives() -> None:
    texts = MultiVectors.from_items([
        np.array([[1.0, 0.0], [0.5, 0.5]]),  # vs image 0: 1 + 0.5; vs image 1: 0.5 + 0.5
        np.array([[0.0, 1.0]]),  # vs image 0: 0; vs image 1: 1
    ])  # fmt: skip
    images = MultiVectors.from_items([np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])])
    # image 1 has two tokens: text 0's first token takes max(0, 1) = 1, its second max(0.5, 1) = 1
    sim = maxsim_similarities(texts, images, np.array([[0], [1], [-1]]), np.array([[0, 1]]))
    np.testing.assert_array_equal(sim[:2], [[1.5, 2.0], [0.0, 1.0]])
    assert np.isnan(sim[2]).all()


def test_equals_a_loop_on_random_items() -> None:
    rng = np.random.default_rng(0)
    t = MultiVectors.from_items([rng.normal(size=(int(rng.integers(1, 6)), 4)) for _ in range(6)])
    v = MultiVectors.from_items([rng.normal(size=(int(rng.integers(1, 6)), 4)) for _ in range(3)])
    ti, ii = rng.integers(0, 6, size=(5, 2)), rng.integers(0, 3, size=(5, 2))
    want = np.zeros((5, 2))
    for row in range(5):
        for col in range(2):
            c, i = ti[row, col], ii[row, col]
            want[row, col] = sum(max(float(a @ b) for b in v.item(i)) for a in t.item(c))
    np.testing.assert_allclose(maxsim_similarities(t, v, ti, ii), want, rtol=1e-5)


def test_errors() -> None:
    two = MultiVectors.from_items([np.ones((1, 2))])
    with pytest.raises(ModelError, match="2 dims but image tokens 3"):
        maxsim_similarities(
            two, MultiVectors.from_items([np.ones((1, 3))]), np.zeros(1), np.zeros(1)
        )
    with pytest.raises(DataError, match="image index is out of range"):
        maxsim_similarities(two, two, np.array([0]), np.array([1]))
