"""The bracket margin covers |float32 GEMM - float32 estimate| even for cancelling sums."""

from __future__ import annotations

import numpy as np

from embedlab.scoring._bounds import bracket, margins, positive_estimates
from embedlab.scoring._parallel import TilePool


def _norms(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ij,ij->i", x, x).astype(np.float64))


def test_margin_covers_gemm_and_exact_value_on_cancelling_data() -> None:
    rng = np.random.default_rng(0)
    dim, n = 512, 300
    # large entries that cancel: the float32 rounding error is large relative to the result
    image = rng.standard_normal((40, dim)).astype(np.float32) * 1e3
    pos = rng.integers(0, 40, n)
    text = (-image[pos] + rng.standard_normal((n, dim)).astype(np.float32)).astype(np.float32)
    with TilePool(2) as pool:
        approx = positive_estimates(text, image, pos, pool).astype(np.float64)
    margin = margins(_norms(text), _norms(image)[pos], dim)
    lo, hi = bracket(approx, margin)
    gemm = (text @ image.T)[np.arange(n), pos]  # one of the float32 evaluations the pass uses
    exact = np.einsum("ij,ij->i", text.astype(np.float64), image[pos].astype(np.float64))
    assert ((lo <= gemm) & (gemm <= hi)).all()
    assert ((lo <= exact) & (exact <= hi)).all()
    assert (np.abs(gemm - approx) > 0).any()  # the estimate really differs from the GEMM


def test_estimates_equal_a_row_loop() -> None:
    rng = np.random.default_rng(1)
    text = rng.integers(-3, 4, (600, 5)).astype(np.float32)  # exact sums
    image = rng.integers(-3, 4, (7, 5)).astype(np.float32)
    pos = rng.integers(0, 7, 600)
    with TilePool(2) as pool:
        got = positive_estimates(text, image, pos, pool)
    want = [float(text[c] @ image[pos[c]]) for c in range(600)]
    np.testing.assert_array_equal(got, want)


def test_margin_formula_by_hand() -> None:
    gamma = 768 * 2.0**-24 / (1 - 768 * 2.0**-24)
    want = 2 * gamma / (1 - gamma) * (1 + 2.0**-20) * 3.0 * 0.5 + 4 * 768 * 2.0**-149
    got = margins(np.array([3.0]), np.array([0.5]), 768)
    np.testing.assert_allclose(got, [want], rtol=1e-15)
