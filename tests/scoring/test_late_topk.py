"""late_topk: exact MaxSim top-k with a caller's tie order, against a float64 full sort."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError
from embedlab.scoring.late_topk import late_topk


def _dyadic(rng: np.random.Generator, n: int, dim: int) -> MultiVectors:
    """Entries in {-1, -1/2, 0, 1/2, 1}: MaxSim exact in float32, ties common."""
    return MultiVectors.from_items(
        [rng.integers(-2, 3, size=(int(rng.integers(1, 5)), dim)) / 2 for _ in range(n)]
    )


def _brute(q: MultiVectors, d: MultiVectors, k: int, tiebreak: np.ndarray) -> np.ndarray:
    out = []
    for i in range(q.n_items):
        qt = q.item(i).astype(np.float64)
        s = [
            float((qt @ d.item(j).astype(np.float64).T).max(axis=1).sum()) for j in range(d.n_items)
        ]
        out.append(sorted(range(d.n_items), key=lambda j: (-s[j], tiebreak[j], j))[:k])
    return np.asarray(out)


@pytest.mark.parametrize("chunk_mb", [1e-6, 0.001, 16.0])
def test_top_k_equals_full_sort_with_the_given_tie_order(chunk_mb: float) -> None:
    rng = np.random.default_rng(3)
    q, d = _dyadic(rng, 9, 2), _dyadic(rng, 23, 2)
    tiebreak = rng.permutation(23)
    got = late_topk(q, d, 7, tiebreak, chunk_mb)
    np.testing.assert_array_equal(got.indices, _brute(q, d, 7, tiebreak))
    np.testing.assert_array_equal(late_topk(q, d, 7, None, chunk_mb).indices,
                                  _brute(q, d, 7, np.arange(23)))  # fmt: skip
    assert got.scores.dtype == np.float32 and (np.diff(got.scores, axis=1) <= 0).all()
    assert late_topk(q, d, 100).indices.shape == (9, 23)  # k capped at the corpus


def test_duplicate_documents_follow_the_tiebreak() -> None:
    a = np.array([[1.0, 0.0]])
    q = MultiVectors.from_items([a])
    d = MultiVectors.from_items([a, np.array([[0.0, 1.0]]), a])
    assert late_topk(q, d, 3, [5, 0, 1]).indices.tolist() == [[2, 0, 1]]
    assert late_topk(q, d, 3).indices.tolist() == [[0, 2, 1]]


def test_bad_arguments() -> None:
    one = MultiVectors.from_items([np.ones((1, 2))])
    with pytest.raises(ConfigError, match="k must be"):
        late_topk(one, one, 0)
    with pytest.raises(DataError, match="tiebreak"):
        late_topk(one, one, 1, [0, 1])
