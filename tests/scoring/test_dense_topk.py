"""Chunked dense top-k equals a full sort (score descending, then the tie-break order)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import ConfigError, DataError, ModelError
from embedlab.scoring.dense_topk import dense_topk, descending_id_order


def full_sort(
    queries: NDArray[np.float32], corpus: NDArray[np.float32], k: int, tb: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Independent reference: the whole score matrix, one lexsort per query."""
    scores = queries @ corpus.T
    rows = [np.lexsort((tb, -row))[:k] for row in scores]
    return np.asarray(rows, dtype=np.int64)


def integer_data(seed: int, n_q: int, n_d: int, dim: int) -> tuple[NDArray[np.float32], ...]:
    """Small-integer vectors: exact float32 dot products whatever the blocking, many ties."""
    rng = np.random.default_rng(seed)
    q = rng.integers(-2, 3, size=(n_q, dim)).astype(np.float32)
    c = rng.integers(-2, 3, size=(n_d, dim)).astype(np.float32)
    c[5:9] = c[4]  # exact duplicates
    return q, c


@pytest.mark.parametrize("chunk_mb", [1e-4, 3e-4, 0.01, 96.0])
@pytest.mark.parametrize("k", [1, 7, 50, 500])
def test_chunked_equals_full_sort_with_ties(chunk_mb: float, k: int) -> None:
    q, c = integer_data(0, 37, 300, 6)
    tb = np.random.default_rng(1).permutation(300).astype(np.int64)
    top = dense_topk(q, c, k, tiebreak=tb, chunk_mb=chunk_mb)
    expected = full_sort(q, c, min(k, 300), tb)
    np.testing.assert_array_equal(top.indices, expected)
    np.testing.assert_array_equal(top.scores, np.take_along_axis(q @ c.T, expected, axis=1))


def test_default_tiebreak_is_the_lower_index() -> None:
    c = np.ones((5, 2), dtype=np.float32)
    top = dense_topk(np.ones((1, 2), dtype=np.float32), c, 3, chunk_mb=1e-5)
    np.testing.assert_array_equal(top.indices, [[0, 1, 2]])


def test_trec_eval_ties_rank_higher_ids_first() -> None:
    ids = ["d1", "d10", "d2", "a"]
    np.testing.assert_array_equal(descending_id_order(ids), [2, 1, 0, 3])
    c = np.ones((4, 3), dtype=np.float32)
    top = dense_topk(np.ones((1, 3), dtype=np.float32), c, 4, descending_id_order(ids))
    assert [ids[i] for i in top.indices[0]] == ["d2", "d10", "d1", "a"]


def test_random_unit_vectors_many_query_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("embedlab.scoring.dense_topk.QUERY_BLOCK", 4)
    rng = np.random.default_rng(2)
    q = rng.standard_normal((11, 16)).astype(np.float32)
    c = rng.standard_normal((257, 16)).astype(np.float32)
    top = dense_topk(q, c, 20, chunk_mb=0.001)
    np.testing.assert_array_equal(top.indices, full_sort(q, c, 20, np.arange(257)))


def test_errors() -> None:
    q = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(DataError, match="do not match"):
        dense_topk(q, np.zeros((4, 2)), 1)
    with pytest.raises(ConfigError, match="k >= 1"):
        dense_topk(q, np.zeros((4, 3)), 0)
    with pytest.raises(DataError, match=r"tiebreak has shape \(2,\), expected \(4,\)"):
        dense_topk(q, np.zeros((4, 3)), 1, tiebreak=[0, 1])


@pytest.mark.parametrize("threads", ["1", "2"])
def test_any_thread_count_and_many_blocks_equal_full_sort(
    threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", threads)
    monkeypatch.setattr("embedlab.scoring.dense_topk.QUERY_BLOCK", 16)
    monkeypatch.setattr("embedlab.scoring.dense_topk.TILE_BYTES", 256)  # a few rows per tile
    q, c = integer_data(3, 50, 700, 5)
    tb = np.random.default_rng(4).permutation(700).astype(np.int64)
    for k, chunk_mb in ((1, 0.002), (30, 0.002), (30, 1.0), (700, 0.01)):
        top = dense_topk(q, c, k, tiebreak=tb, chunk_mb=chunk_mb)
        np.testing.assert_array_equal(top.indices, full_sort(q, c, k, tb), err_msg=f"{k=}")


def test_equal_tiebreak_values_fall_back_to_the_lower_index() -> None:
    c = np.ones((4, 2), dtype=np.float32)
    top = dense_topk(np.ones((1, 2), dtype=np.float32), c, 4, tiebreak=[1, 0, 1, 0])
    np.testing.assert_array_equal(top.indices, [[1, 3, 0, 2]])


def test_non_finite_or_overflowing_embeddings_are_refused() -> None:
    q = np.ones((2, 3), dtype=np.float32)
    bad = np.ones((4, 3), dtype=np.float32)
    bad[2, 1] = np.nan
    with pytest.raises(ModelError, match="corpus embeddings have a NaN"):
        dense_topk(q, bad, 2)
    with pytest.raises(ModelError, match=r"query embeddings .*overflow float32"):
        dense_topk(q * 1e20, np.ones((4, 3), dtype=np.float32), 2)
