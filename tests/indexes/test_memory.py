"""Memory estimates before building, and the refusal naming the estimate and the free RAM."""

from __future__ import annotations

import pytest

from embedlab.errors import ConfigError
from embedlab.indexes import IndexConfig, available_memory, check_memory, memory_estimate


def test_estimates_follow_the_storage_definitions() -> None:
    n, d = 1_000_000, 768
    assert memory_estimate(IndexConfig.of("flat"), n, d) == 4 * n * d
    assert memory_estimate(IndexConfig.of("binary"), n, d) == n * d // 8
    assert memory_estimate(IndexConfig.of("flat", dim=256), n, d) == 2 * 4 * n * 256
    rescore = IndexConfig.of("binary-rescore", {"rescore": "float"}, {"R": 4})
    assert memory_estimate(rescore, n, d) == n * (d // 8 + 4 * d)
    hnsw = IndexConfig.of("hnsw", {"M": 32, "ef_construction": 200}, {"ef_search": 64})
    assert memory_estimate(hnsw, n, d) > memory_estimate(IndexConfig.of("flat"), n, d)


def test_a_config_that_does_not_fit_is_refused_with_the_estimate() -> None:
    config = IndexConfig.of("flat")
    with pytest.raises(ConfigError) as info:
        check_memory(config, 10_000_000, 768, available=8_000_000_000)
    message = str(info.value)
    assert "needs about 30.72 GB of RAM, but only 8.00 GB is available" in message
    assert "'flat'" in message and "10,000,000 x 768" in message
    assert check_memory(config, 1000, 768, available=8_000_000_000) == 4 * 1000 * 768


def test_available_memory_is_read_on_this_machine() -> None:
    free = available_memory()
    assert free is not None and free > 0
