"""parity(): mean and minimum row cosine against a reference."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.runtimes.parity import parity, row_cosines


def test_identical_rows_have_parity_one() -> None:
    rows = np.random.default_rng(0).standard_normal((5, 8)).astype(np.float32)
    mean, low = parity(rows, rows * 3.0)  # scale does not matter
    assert mean == pytest.approx(1.0) and low == pytest.approx(1.0)


def test_mean_and_min_of_row_cosines() -> None:
    reference = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    other = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    np.testing.assert_allclose(row_cosines(reference, other), [1.0, 0.0, -1.0])
    assert parity(reference, other) == pytest.approx((0.0, -1.0))


def test_zero_row_gives_zero_and_empty_gives_one() -> None:
    assert parity(np.zeros((1, 3)), np.ones((1, 3))) == (0.0, 0.0)
    assert parity(np.zeros((0, 3)), np.zeros((0, 3))) == (1.0, 1.0)


def test_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="one shape"):
        parity(np.zeros((2, 3)), np.zeros((3, 3)))
