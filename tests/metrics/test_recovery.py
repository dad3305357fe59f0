"""recovered@K per query: hand values, the late-search mean, and the metric-table entry."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError, DataError
from embedlab.metrics.recovery import recovered_at_k
from embedlab.metrics.table import METRICS
from embedlab.scoring.late_search import recovered_fraction


def test_by_hand_with_empty_ranks_and_order_ignored() -> None:
    found = [[3, 2, 9, 8], [7, -1, -1, -1], [1, 2, 3, 4]]
    exact = [[2, 3, 4, 5], [7, 8, -1, -1], [-1, -1, -1, -1]]
    assert recovered_at_k(found, exact, 2).tolist() == [1.0, 0.5, 0.0]
    assert recovered_at_k(found, exact, 4).tolist() == [0.5, 0.5, 0.0]


def test_mean_equals_late_search_recovered_fraction() -> None:
    rng = np.random.default_rng(0)
    exact = np.stack([rng.permutation(50)[:10] for _ in range(30)])
    found = np.stack([rng.permutation(50)[:10] for _ in range(30)])
    found[:10] = exact[:10][:, ::-1]
    per_query = recovered_at_k(found, exact, 10)
    assert per_query.mean() == pytest.approx(recovered_fraction(found, exact))
    assert per_query[:10].tolist() == [1.0] * 10


def test_table_entry_and_errors() -> None:
    columns = {"recovered_at_10": np.array([1.0, 0.5])}
    value = METRICS.value("recovered@10", "muvera", columns)
    assert (value.metric, value.k, value.value) == ("recovered@10", 10, 0.75)
    with pytest.raises(ConfigError, match="positive integer"):
        recovered_at_k([[1]], [[1]], 0)
    with pytest.raises(DataError, match="do not align"):
        recovered_at_k([[1]], [[1], [2]], 1)
