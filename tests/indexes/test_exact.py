"""The numpy ``exact`` reference equals a brute-force loop, ties by row number, in blocks."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError, DataError
from embedlab.indexes import IndexConfig, create_index
from embedlab.indexes import exact as exact_module
from tests.indexes._data import brute_force, unit_rows


def test_exact_equals_the_brute_force_loop_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, queries = unit_rows(700, 16, seed=1), unit_rows(30, 16, seed=2)
    monkeypatch.setattr("embedlab.scoring.dense_topk.QUERY_BLOCK", 7)
    monkeypatch.setattr(exact_module, "BLOCK_MB", 0.001)  # ~36-column corpus blocks
    index = create_index(IndexConfig.of("exact"))
    index.build(corpus)
    scores, ids = index.search(queries, 10)
    want_scores, want_ids = brute_force(queries, corpus, 10)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, atol=1e-6)
    assert scores.dtype == np.float32 and ids.dtype == np.int64


def test_ties_go_to_the_lower_row_and_missing_rows_are_padded() -> None:
    corpus = np.array([[0, 1], [1, 0], [1, 0], [0.6, 0.8], [1, 0]], dtype=np.float32)
    index = create_index(IndexConfig.of("exact"))
    index.build(corpus)
    scores, ids = index.search(np.array([[1, 0]], np.float32), 3)
    assert ids.tolist() == [[1, 2, 4]] and scores.tolist() == [[1, 1, 1]]
    scores, ids = index.search(np.array([[1, 0]], np.float32), 7)
    assert ids[0, 5:].tolist() == [-1, -1] and np.isneginf(scores[0, 5:]).all()
    assert ids[0, :5].tolist() == [1, 2, 4, 3, 0]


def test_bad_inputs_are_refused() -> None:
    index = create_index(IndexConfig.of("exact"))
    with pytest.raises(DataError, match="NaN or infinite"):
        index.build(np.array([[np.nan, 1.0]], np.float32))
    index.build(unit_rows(10, 4))
    with pytest.raises(DataError, match="queries have dimension 3, the index holds dimension 4"):
        index.search(unit_rows(2, 3), 1)
    with pytest.raises(ConfigError, match="k >= 1"):
        index.search(unit_rows(2, 4), 0)
    with pytest.raises(ConfigError, match="exact has no parameter 'ef_search'"):
        index.set_search_params({"ef_search": 4})
