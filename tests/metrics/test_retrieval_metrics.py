"""Hand-computed retrieval metrics."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError, DataError
from embedlab.metrics.retrieval import (
    hit_at_k,
    mean,
    median_rank,
    reciprocal_rank,
    retrieval_metrics,
)

RANKS = np.array([1, 3, 2, 12, 1, 6], dtype=np.int64)


def test_hit_at_k() -> None:
    np.testing.assert_array_equal(hit_at_k(RANKS, 1), [True, False, False, False, True, False])
    np.testing.assert_array_equal(hit_at_k(RANKS, 5), [True, True, True, False, True, False])
    assert hit_at_k(RANKS, 5).dtype == np.bool_


def test_reciprocal_rank() -> None:
    np.testing.assert_allclose(reciprocal_rank(RANKS), [1, 1 / 3, 1 / 2, 1 / 12, 1, 1 / 6])


def test_aggregates() -> None:
    assert mean(hit_at_k(RANKS, 1)) == pytest.approx(2 / 6)
    assert median_rank(RANKS) == 2.5  # sorted 1 1 2 3 6 12 -> (2 + 3) / 2
    assert median_rank([4, 1, 9]) == 4.0


def test_retrieval_metrics() -> None:
    m = retrieval_metrics(RANKS)
    assert m.n == 6
    assert m.recall == pytest.approx({1: 2 / 6, 5: 4 / 6, 10: 5 / 6})
    assert m.mrr == pytest.approx((1 + 1 / 3 + 1 / 2 + 1 / 12 + 1 + 1 / 6) / 6)
    assert m.median_rank == 2.5
    rows = m.rows()
    assert [(name, k) for name, k, _ in rows] == [
        ("recall", 1),
        ("recall", 5),
        ("recall", 10),
        ("mrr", None),
        ("median_rank", None),
    ]


def test_custom_ks() -> None:
    assert retrieval_metrics([1, 2, 3, 4], ks=(2, 3)).recall == {2: 0.5, 3: 0.75}


@pytest.mark.parametrize("bad", [[0, 1], [1.0, 2.0], [[1, 2]]])
def test_bad_ranks(bad: object) -> None:
    with pytest.raises(DataError):
        reciprocal_rank(bad)  # type: ignore[arg-type]


def test_bad_k_and_empty() -> None:
    for k in (0, -1, 1.5, True):
        with pytest.raises(ConfigError):
            hit_at_k(RANKS, k)  # type: ignore[arg-type]
    with pytest.raises(DataError):
        retrieval_metrics(np.array([], dtype=np.int64))
    with pytest.raises(DataError):
        median_rank(np.array([], dtype=np.int64))
