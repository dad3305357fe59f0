"""faiss float backends (flat, hnsw, ivf-flat, ivf-pq): recall against a brute-force loop,
query-time sweeps without rebuilding, measured bytes against their definitions, save."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.indexes import IndexConfig, IndexOptions, create_index
from tests.indexes._data import brute_force, recall, unit_rows

N, D, K = 3000, 32, 10


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    corpus = unit_rows(N, D, seed=3, clusters=20)
    queries = unit_rows(40, D, seed=4, clusters=20)
    scores, ids = brute_force(queries, corpus, K)
    return corpus, queries, scores, ids


def test_flat_equals_brute_force(data: tuple[np.ndarray, ...]) -> None:
    corpus, queries, want_scores, want_ids = data
    index = create_index(IndexConfig.of("flat"))
    index.build(corpus)
    scores, ids = index.search(queries, K)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, atol=1e-5)
    overhead = index.nbytes() - 4 * N * D
    assert 0 <= overhead <= 100, overhead  # fp32: 4 * D bytes per vector + a header
    assert index.nbytes_parts() == {"faiss index": index.nbytes()}


def test_hnsw_recall_rises_with_ef_search_without_rebuilding(
    data: tuple[np.ndarray, ...],
) -> None:
    corpus, queries, _, want_ids = data
    config = IndexConfig.of("hnsw", {"M": 16, "ef_construction": 100}, {"ef_search": 2})
    index = create_index(config)
    index.build(corpus)
    low = recall(index.search(queries, K)[1], want_ids)
    index.set_search_params({"efSearch": 256})
    high = recall(index.search(queries, K)[1], want_ids)
    assert high >= 0.98 and low < high
    assert index.config.search_params() == {"ef_search": 256}
    with pytest.raises(ConfigError, match="M is a build parameter"):
        index.set_search_params({"M": 8})
    links = index.nbytes() - 4 * N * D  # level-0 links: 2M int32 per vector, upper levels ~1/M
    assert 2 * 16 * 4 * N <= links <= (2 * 16 * 4 + 40) * N


def test_ivf_flat_with_every_cell_probed_is_exhaustive(data: tuple[np.ndarray, ...]) -> None:
    corpus, queries, _, want_ids = data
    index = create_index(IndexConfig.of("ivf-flat", {"nlist": 32}, {"nprobe": 1}))
    index.build(corpus)
    one = recall(index.search(queries, K)[1], want_ids)
    index.set_search_params({"nprobe": 32})
    np.testing.assert_array_equal(index.search(queries, K)[1], want_ids)
    assert one < 1.0
    extra = index.nbytes() - (4 * D + 8) * N  # float cells + int64 ids, then the centroids
    assert 4 * D * 32 <= extra <= 4 * D * 32 + 2000


def test_ivf_pq_codes_are_m_bytes_and_recall_is_high_with_rescoring_room(
    data: tuple[np.ndarray, ...],
) -> None:
    corpus, queries, _, want_ids = data
    config = IndexConfig.of("ivf-pq", {"nlist": 8, "pq_m": 16, "nbits": 6}, {"nprobe": 8})
    index = create_index(config)
    index.build(corpus)
    _, ids = index.search(queries, 50)
    assert recall(ids[:, :K], want_ids) >= 0.5
    assert np.mean([len(set(a) & set(t)) / K for a, t in zip(ids, want_ids, strict=True)]) >= 0.95
    codes = N * (16 * 6 // 8 + 8)  # 16 codes of 6 bits + an int64 id per vector
    tables = 4 * D * 8 + 4 * D * 2**6  # centroids + codebooks
    assert codes + tables <= index.nbytes() <= codes + tables + 3000


def test_save_writes_a_faiss_index_that_reads_back(
    data: tuple[np.ndarray, ...], tmp_path: Path
) -> None:
    corpus, queries, _, _ = data
    config = IndexConfig.of("hnsw", {"M": 8, "ef_construction": 40}, {"ef_search": 32})
    index = create_index(config)
    index.build(corpus)
    (path,) = index.save(tmp_path)
    assert path.stat().st_size == index.nbytes()
    back = faiss.read_index(str(path))
    back.hnsw.efSearch = 32
    np.testing.assert_array_equal(back.search(queries, K)[1], index.search(queries, K)[1])


def test_threads_option_sets_faiss_threads() -> None:
    before = faiss.omp_get_max_threads()
    try:
        create_index(IndexConfig.of("flat"), IndexOptions(threads=1))
        assert faiss.omp_get_max_threads() == 1
    finally:
        faiss.omp_set_num_threads(before)
    with pytest.raises(ConfigError, match="threads must be >= 1"):
        create_index(IndexConfig.of("flat"), IndexOptions(threads=0))


def test_too_few_rows_to_train_is_refused_at_build() -> None:
    index = create_index(IndexConfig.of("ivf-flat", {"nlist": 64}, {"nprobe": 1}))
    with pytest.raises(ConfigError, match="needs at least 2,496 vectors to train"):
        index.build(unit_rows(500, 8))
