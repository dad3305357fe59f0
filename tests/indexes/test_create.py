"""``create_index``: missing libraries name the extra; hand-made configs are checked."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from embedlab.errors import ConfigError, MissingDependencyError
from embedlab.indexes import IndexConfig, IndexOptions, VectorIndex, create_index
from tests.indexes._data import unit_rows


@pytest.mark.parametrize(
    ("backend", "module"), [("flat", "faiss"), ("binary", "faiss"), ("lancedb-flat", "lancedb")]
)
def test_a_missing_library_names_the_index_extra(
    backend: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import of it now raises ImportError
    index = create_index(IndexConfig.of(backend))
    with pytest.raises(MissingDependencyError) as info:
        index.build(unit_rows(10, 8))
    assert f"needs the Python package {module!r}" in str(info.value)
    assert "pip install 'embedlab[index]'" in str(info.value)
    index.close()


def test_exact_needs_no_faiss(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faiss", None)
    index = create_index(IndexConfig.of("exact"))
    index.build(np.eye(3, dtype=np.float32))
    assert index.search(np.eye(3, dtype=np.float32), 1)[1].ravel().tolist() == [0, 1, 2]


def test_hand_made_configs_are_checked() -> None:
    with pytest.raises(ConfigError, match="hnsw has no parameter 'Q'"):
        create_index(IndexConfig.of("hnsw", {"Q": 1}))
    with pytest.raises(ConfigError, match="not a canonical build parameter"):
        create_index(IndexConfig.of("hnsw", {"ef_search": 64}))
    with pytest.raises(ConfigError, match="unknown index backend 'annoy'"):
        create_index(IndexConfig.of("annoy"))


def test_every_backend_satisfies_the_protocol(tmp_path: object) -> None:
    for name in ("exact", "flat", "hnsw", "sq8", "binary", "binary-rescore", "lancedb-flat"):
        index = create_index(IndexConfig.of(name), IndexOptions())
        assert isinstance(index, VectorIndex)
        index.close()


def test_missing_parameters_take_their_defaults_at_build() -> None:
    index = create_index(IndexConfig.of("ivf-pq"))
    index.build(unit_rows(3000, 16))
    assert index.config.build_params() == {"nlist": 64, "pq_m": 2, "nbits": 6}
    assert index.config.search_params() == {"nprobe": 1}
