"""Matryoshka ``dim``: truncate, renormalise, then index — checked by hand and end to end."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import DataError
from embedlab.indexes import IndexConfig, create_index
from embedlab.indexes.truncation import truncate
from tests.indexes._data import brute_force, unit_rows


def test_truncate_and_renormalise_by_hand() -> None:
    x = np.array([[3, 4, 12], [0, 0, 1], [1, 0, 0]], np.float32)
    np.testing.assert_allclose(truncate(x, 2, "v"), [[0.6, 0.8], [0, 0], [1, 0]])
    with pytest.raises(DataError, match="dimension 3, below the requested dim=4"):
        truncate(x, 4, "v")


def test_an_index_with_dim_sees_only_truncated_unit_vectors() -> None:
    corpus = np.array([[3, 4, 12], [1, 0, 0], [0, 1, 0]], np.float32)
    corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
    index = create_index(IndexConfig.of("exact", dim=2))
    index.build(corpus)
    scores, ids = index.search(np.array([[0.0, 1.0, 5.0]], np.float32), 3)
    assert ids.tolist() == [[2, 0, 1]]  # query -> (0, 1); row 0 -> (0.6, 0.8)
    np.testing.assert_allclose(scores, [[1.0, 0.8, 0.0]], atol=1e-6)
    assert index.nbytes() - 3 * 2 * 4 == 128  # 2 float32 dims per vector + the .npy header
    assert index.describe()["matryoshka"] == "first 2 dims, renormalised"


@pytest.mark.parametrize("backend", ["flat", "binary-rescore"])
def test_dim_composes_with_quantised_backends(backend: str) -> None:
    corpus, queries = unit_rows(500, 32, seed=13), unit_rows(10, 32, seed=14)
    search = {"R": 100} if backend == "binary-rescore" else {}
    build = {"rescore": "float"} if backend == "binary-rescore" else {}
    index = create_index(IndexConfig.of(backend, build, search, dim=16))
    index.build(corpus)
    short = corpus[:, :16] / np.linalg.norm(corpus[:, :16], axis=1, keepdims=True)
    q = queries[:, :16] / np.linalg.norm(queries[:, :16], axis=1, keepdims=True)
    np.testing.assert_array_equal(index.search(queries, 5)[1], brute_force(q, short, 5)[1])
