"""Macro (mean over groups) and pooled aggregation of pair-choice outcomes."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import DataError
from embedlab.metrics.pair_choice import group_means, macro_mean


def test_macro_is_the_mean_of_group_means_and_the_mean_of_per_query() -> None:
    values = np.asarray([1, 0, 1, 1, 0, 0, 1, 1, 1], dtype=np.float64)
    groups = ["a", "a", "b", "b", "b", "c", "c", "c", "c"]
    macro = macro_mean(values, groups)
    expected = np.mean([1 / 2, 2 / 3, 3 / 4])
    assert macro.value == pytest.approx(expected)
    assert macro.per_query.mean() == pytest.approx(expected)
    assert macro.groups == ["a", "b", "c"]
    assert len(macro.kept) == 9


def test_small_groups_are_left_out() -> None:
    values = np.asarray([1, 1, 1, 0, 0], dtype=np.float64)
    groups = ["big", "big", "big", "small", "small"]
    macro = macro_mean(values, groups, min_count=3)
    assert macro.value == 1.0 and macro.groups == ["big"]
    assert macro.kept.tolist() == [0, 1, 2]
    assert macro.per_query.mean() == pytest.approx(1.0)
    with pytest.raises(DataError, match="at least 4"):
        macro_mean(values, groups, min_count=4)


def test_group_means_and_length_check() -> None:
    values = np.asarray([1, 0, 1], dtype=np.float64)
    assert group_means(values, ["x", "x", "y"]) == {"x": (0.5, 2), "y": (1.0, 1)}
    with pytest.raises(DataError):
        macro_mean(values, ["x"])
