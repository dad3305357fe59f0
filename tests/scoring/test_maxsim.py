"""Exact MaxSim against a float64 brute-force loop, on ragged items and negative similarities."""

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError
from embedlab.scoring.maxsim import (
    maxsim_blocks,
    maxsim_pairs,
    maxsim_scores,
    token_dot_products,
)


def _ragged(rng: np.random.Generator, n: int, lo: int, hi: int, dim: int) -> MultiVectors:
    items = []
    for _ in range(n):
        a = rng.normal(size=(int(rng.integers(lo, hi + 1)), dim))
        items.append(a / np.linalg.norm(a, axis=1, keepdims=True))
    return MultiVectors.from_items(items)


def _brute(q: MultiVectors, d: MultiVectors) -> np.ndarray:
    out = np.zeros((q.n_items, d.n_items))
    for i in range(q.n_items):
        for j in range(d.n_items):
            qt, dt = q.item(i).astype(np.float64), d.item(j).astype(np.float64)
            out[i, j] = sum(max(float(a @ b) for b in dt) for a in qt)
    return out


@pytest.mark.parametrize("chunk_mb", [1e-5, 0.001, 32.0])
def test_scores_equal_brute_force_for_any_block_size(chunk_mb: float) -> None:
    rng = np.random.default_rng(1)
    q, d = _ragged(rng, 7, 1, 6, 8), _ragged(rng, 11, 1, 9, 8)
    np.testing.assert_allclose(maxsim_scores(q, d, chunk_mb), _brute(q, d), rtol=1e-5, atol=1e-6)


def test_blocks_tile_the_matrix_once() -> None:
    rng = np.random.default_rng(2)
    q, d = _ragged(rng, 9, 2, 5, 4), _ragged(rng, 13, 2, 5, 4)
    seen = np.zeros((9, 13), dtype=int)
    for b in maxsim_blocks(q, d, chunk_mb=0.0002):
        assert b.scores.shape == (b.q_stop - b.q_start, b.d_stop - b.d_start)
        seen[b.q_start : b.q_stop, b.d_start : b.d_stop] += 1
    assert (seen == 1).all()


def test_padding_cannot_win_when_all_similarities_are_negative() -> None:
    # One query token, documents whose tokens all point away from it: the exact score is the
    # (negative) best similarity; a zero-padded document token would have given 0.
    q = MultiVectors.from_items([np.array([[1.0, 0.0]])])
    d = MultiVectors.from_items([np.array([[-1.0, 0.0]]), np.array([[-0.6, 0.8], [-0.8, -0.6]])])
    np.testing.assert_allclose(maxsim_scores(q, d), [[-1.0, -0.6]], rtol=1e-6)


def test_hand_computed_sum_of_maxima() -> None:
    q = MultiVectors.from_items([np.array([[1.0, 0.0], [0.0, 1.0]])])
    d = MultiVectors.from_items([np.array([[0.5, 0.1], [0.2, 0.9], [0.3, 0.3]])])
    # token 1: max(0.5, 0.2, 0.3) = 0.5; token 2: max(0.1, 0.9, 0.3) = 0.9
    np.testing.assert_allclose(maxsim_scores(q, d), [[1.4]], rtol=1e-6)


def test_pairs_equal_the_matrix_entries() -> None:
    rng = np.random.default_rng(3)
    q, d = _ragged(rng, 5, 1, 6, 8), _ragged(rng, 6, 1, 7, 8)
    full = maxsim_scores(q, d)
    qi, di = np.array([0, 4, 2, 2]), np.array([5, 0, 3, 1])
    np.testing.assert_allclose(maxsim_pairs(q, d, qi, di), full[qi, di], rtol=1e-6)
    np.testing.assert_allclose(full[qi, di], _brute(q, d)[qi, di], rtol=1e-5)


def test_work_count_and_errors() -> None:
    rng = np.random.default_rng(4)
    q, d = _ragged(rng, 3, 2, 2, 4), _ragged(rng, 5, 3, 3, 4)
    assert token_dot_products(q, d) == 6 * 15
    with pytest.raises(DataError, match="dims"):
        maxsim_scores(q, _ragged(rng, 2, 1, 2, 5))
    with pytest.raises(ConfigError, match="chunk_mb"):
        maxsim_scores(q, d, chunk_mb=0)
    with pytest.raises(DataError, match="pair indices"):
        maxsim_pairs(q, d, [0, 1], [0])
