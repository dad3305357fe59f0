"""Late-interaction top-k: exact search against the full matrix, rerank and MUVERA recall."""

import numpy as np
import pytest

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ConfigError, DataError
from embedlab.scoring.late_search import exact_topk, muvera_topk, recovered_fraction, rerank
from embedlab.scoring.maxsim import maxsim_scores
from embedlab.scoring.muvera import Muvera, MuveraSettings


def _clustered(rng: np.random.Generator, n: int, tokens: int, dim: int, centres: np.ndarray):
    items = []
    for _ in range(n):
        c = centres[rng.integers(0, len(centres), size=tokens)]
        x = c + 0.35 * rng.normal(size=(tokens, dim))
        items.append(x / np.linalg.norm(x, axis=1, keepdims=True))
    return MultiVectors.from_items(items)


def _full_order(scores: np.ndarray, k: int) -> np.ndarray:
    return np.array([sorted(range(len(r)), key=lambda d: (-r[d], d))[:k] for r in scores])


@pytest.mark.parametrize("chunk_mb", [0.0005, 32.0])
def test_exact_topk_equals_sorting_the_full_matrix(chunk_mb: float) -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(8, 16))
    q, d = _clustered(rng, 9, 4, 16, centres), _clustered(rng, 40, 6, 16, centres)
    full = maxsim_scores(q, d)
    res = exact_topk(q, d, 5, chunk_mb)
    np.testing.assert_array_equal(res.indices, _full_order(full, 5))
    np.testing.assert_allclose(res.scores, np.take_along_axis(full, res.indices, 1), rtol=1e-6)
    assert res.token_dot_products == 9 * 4 * 40 * 6


def test_ties_go_to_the_lower_document_index() -> None:
    doc = np.array([[1.0, 0.0]])
    d = MultiVectors.from_items([doc, doc, doc * -1, doc])
    q = MultiVectors.from_items([np.array([[1.0, 0.0]])])
    assert exact_topk(q, d, 3, chunk_mb=1e-6).indices.tolist() == [[0, 1, 3]]
    assert rerank(q, d, [[3, 1, 0, 2]], 3).indices.tolist() == [[0, 1, 3]]


def test_rerank_with_all_candidates_is_exact_and_counts_work() -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(6, 8))
    q, d = _clustered(rng, 5, 3, 8, centres), _clustered(rng, 30, 4, 8, centres)
    every = np.tile(np.arange(30), (5, 1))
    np.testing.assert_array_equal(rerank(q, d, every, 7).indices, exact_topk(q, d, 7).indices)
    some = rerank(q, d, every[:, :10], 3)
    assert some.token_dot_products == 5 * 3 * 10 * 4
    with pytest.raises(DataError, match="outside"):
        rerank(q, d, every + 1, 3)
    with pytest.raises(ConfigError, match="k must"):
        rerank(q, d, every, 0)


def test_muvera_recovers_most_of_the_exact_top10_with_less_work() -> None:
    rng = np.random.default_rng(2)
    centres = rng.normal(size=(32, 32))
    d = _clustered(rng, 600, 16, 32, centres)
    q = _clustered(rng, 20, 8, 32, centres)
    exact = exact_topk(q, d, 10)
    mv = Muvera.create(MuveraSettings(repetitions=10, k_sim=4, d_proj=16, seed=0), dim=32)
    approx = muvera_topk(q, d, 10, candidates=100, muvera=mv)
    assert approx.fde_dim == 10 * 16 * 16 and approx.fde_dot_products == 20 * 600
    assert approx.token_dot_products * 6 == exact.token_dot_products  # 100 of 600 candidates
    assert recovered_fraction(approx.indices, exact.indices) >= 0.9
    # every returned score is the exact MaxSim of that document
    full = maxsim_scores(q, d)
    np.testing.assert_allclose(
        approx.scores, np.take_along_axis(full, approx.indices, 1), rtol=1e-6
    )


def test_recovered_fraction_by_hand() -> None:
    assert recovered_fraction([[1, 2, 3], [4, 5, 6]], [[3, 2, 9], [7, 8, 9]]) == pytest.approx(
        1 / 3
    )


def test_muvera_with_precomputed_document_fdes() -> None:
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(8, 16))
    d, q = _clustered(rng, 50, 6, 16, centres), _clustered(rng, 4, 3, 16, centres)
    mv = Muvera.create(MuveraSettings(repetitions=4, k_sim=3, d_proj=8, seed=1), dim=16)
    fresh = muvera_topk(q, d, 5, candidates=20, muvera=mv)
    given = muvera_topk(q, d, 5, candidates=20, muvera=mv, doc_fdes=mv.encode_documents(d))
    np.testing.assert_array_equal(given.indices, fresh.indices)
    with pytest.raises(DataError, match="doc_fdes has shape"):
        muvera_topk(q, d, 5, candidates=20, muvera=mv, doc_fdes=mv.encode_documents(d)[:10])
