"""Binary sign codes: Hamming scores by hand, D/8 bytes, rescoring with R*k >= N is exact."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.indexes import IndexConfig, create_index
from embedlab.indexes import binary as binary_module
from embedlab.indexes.binary import sign_bits
from embedlab.indexes.int8 import Int8Codec
from tests.indexes._data import brute_force, recall, unit_rows


def test_sign_bits_pack_eight_per_byte_and_pad_with_zeros() -> None:
    x = np.array([[1, -1, 0, 2, -3, 1, 1, -1, 5, -5]], np.float32)
    assert sign_bits(x).tolist() == [[0b10010110, 0b10000000]]


def test_binary_score_is_d_minus_twice_the_hamming_distance() -> None:
    corpus, queries = unit_rows(300, 30, seed=7), unit_rows(5, 30, seed=8)
    index = create_index(IndexConfig.of("binary"))
    index.build(corpus)
    scores, ids = index.search(queries, 300)
    for q, row_s, row_i in zip(queries, scores, ids, strict=True):
        for s, i in zip(row_s, row_i, strict=True):
            hamming = sum((a > 0) != (b > 0) for a, b in zip(q, corpus[i], strict=True))
            assert s == 30 - 2 * hamming
        assert (np.diff(row_s) <= 0).all()
    assert 0 <= index.nbytes() - 300 * 4 <= 100  # ceil(30 / 8) = 4 bytes per vector


@pytest.mark.parametrize("r", [4.0, 1000.0])
def test_float_rescoring_with_every_candidate_is_exact_search(
    r: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(binary_module, "GATHER_FLOATS", 14_000)  # blocks of 7 and 1 queries
    corpus, queries = unit_rows(2000, 32, seed=9), unit_rows(20, 32, seed=10)
    index = create_index(IndexConfig.of("binary-rescore", {"rescore": "float"}, {"R": 1}))
    index.build(corpus)
    want_scores, want_ids = brute_force(queries, corpus, 10)
    index.set_search_params({"R": r})
    scores, ids = index.search(queries, 10)
    if r * 10 >= 2000:
        np.testing.assert_array_equal(ids, want_ids)
        np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    else:
        assert recall(ids, want_ids) < 1.0  # R = 4 on random 32-d vectors misses some
    parts = index.nbytes_parts()
    assert 0 <= parts["binary codes"] - 2000 * 4 <= 100
    assert 0 <= parts["rescore float32"] - 2000 * 32 * 4 <= 128  # .npy header


def test_int8_rescoring_with_every_candidate_ranks_by_the_decoded_vectors() -> None:
    corpus, queries = unit_rows(500, 16, seed=11), unit_rows(10, 16, seed=12)
    index = create_index(IndexConfig.of("binary-rescore", {"rescore": "int8"}, {"R": 50}))
    index.build(corpus)
    codec = Int8Codec.calibrate(corpus)  # 500 rows < the calibration sample: all rows
    decoded = codec.decode(codec.encode(corpus))
    want_scores, want_ids = brute_force(queries, decoded, 10)
    scores, ids = index.search(queries, 10)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    parts = index.nbytes_parts()
    assert 0 <= parts["rescore int8"] - 500 * 16 <= 2 * 4 * 16 + 2 * 128


def test_fewer_candidates_than_k_pad_with_minus_one() -> None:
    index = create_index(IndexConfig.of("binary-rescore", {"rescore": "float"}, {"R": 1}))
    index.build(unit_rows(5, 8))
    scores, ids = index.search(unit_rows(2, 8, seed=1), 8)
    assert (ids[:, 5:] == -1).all() and np.isneginf(scores[:, 5:]).all()
    assert sorted(ids[0, :5].tolist()) == [0, 1, 2, 3, 4]
