"""LanceDB backends: exact search equals flat, its indexes reach high recall, bytes are the files
of the table folder, folders are cleaned up or kept, and small corpora are refused."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.indexes import IndexConfig, IndexOptions, create_index, expand, parse_index
from tests.indexes._data import recall, unit_rows

N, D, K = 2000, 32, 10


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return unit_rows(N, D, seed=15, clusters=10), unit_rows(25, D, seed=16, clusters=10)


def _folder_bytes(folder: Path) -> int:
    return sum(os.path.getsize(Path(d) / f) for d, _, files in os.walk(folder) for f in files)


def test_lancedb_exact_search_equals_flat(
    data: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    corpus, queries = data
    flat = create_index(IndexConfig.of("flat"))
    flat.build(corpus)
    lance = create_index(IndexConfig.of("lancedb-flat"), IndexOptions(folder=tmp_path / "db"))
    lance.build(corpus)
    want_scores, want_ids = flat.search(queries, K)
    scores, ids = lance.search(queries, K)
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(scores, want_scores, atol=1e-6)
    _, one_i = lance.search(queries[:1], K)  # a single query takes the same path
    np.testing.assert_array_equal(one_i, want_ids[:1])
    assert lance.nbytes() == _folder_bytes(tmp_path / "db" / "vectors.lance")
    assert lance.nbytes() >= 4 * N * D and lance.nbytes_parts()["vector index"] == 0
    lance.close()
    assert (tmp_path / "db" / "vectors.lance").is_dir()  # a caller's folder is kept


def test_lancedb_indexes_reach_high_recall(data: tuple[np.ndarray, np.ndarray]) -> None:
    corpus, queries = data
    truth = create_index(IndexConfig.of("exact"))
    truth.build(corpus)
    want = truth.search(queries, K)[1]
    ivf = IndexConfig.of(
        "lancedb-ivf-pq", {"num_partitions": 4, "num_sub_vectors": 8},
        {"nprobes": 4, "refine_factor": 20},
    )  # fmt: skip
    hnsw = IndexConfig.of(
        "lancedb-hnsw-sq", {"num_partitions": 1, "m": 16, "ef_construction": 100}, {"ef": 256}
    )
    for config in (ivf, hnsw):
        index = create_index(config)
        index.build(corpus)
        assert recall(index.search(queries, K)[1], want) >= 0.9, config.label
        assert index.nbytes_parts()["vector index"] > 0
        folder = Path(index.describe()["folder"])
        index.close()
        assert not folder.exists()  # the temporary folder is removed


def test_lancedb_rebuild_in_the_same_folder_replaces_the_table(tmp_path: Path) -> None:
    options = IndexOptions(folder=tmp_path)
    for n in (300, 400):
        index = create_index(IndexConfig.of("lancedb-flat"), options)
        index.build(unit_rows(n, 8))
        assert index.search(unit_rows(1, 8), 500)[1].max() == n - 1


def test_lancedb_refuses_corpora_too_small_for_its_training() -> None:
    with pytest.raises(ConfigError, match="num_partitions=4 needs at least 1,024 vectors"):
        expand(parse_index("lancedb-ivf-pq:num_partitions=4"), n=1000, dim=32)


def test_save_copies_the_table(data: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    index = create_index(IndexConfig.of("lancedb-flat"))
    index.build(data[0][:300])
    files = index.save(tmp_path / "saved")
    assert files and sum(f.stat().st_size for f in files) == index.nbytes()
    index.close()
