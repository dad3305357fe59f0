"""Tests of embedlab.stats.repeats.repeat_summary."""

from __future__ import annotations

import pytest

from embedlab.errors import ConfigError
from embedlab.stats.repeats import RepeatSummary, repeat_summary


def test_mean_and_sample_std() -> None:
    mean, std, n = repeat_summary([0.5, 0.6, 0.7])
    assert mean == pytest.approx(0.6) and std == pytest.approx(0.1) and n == 3


def test_zero_std_is_reported_as_is() -> None:
    assert repeat_summary([0.3, 0.3]) == RepeatSummary(0.3, 0.0, 2)


@pytest.mark.parametrize("values", [[], [0.4]])
def test_fewer_than_two_repeats_is_an_error(values: list[float]) -> None:
    with pytest.raises(ConfigError, match="at least 2 repeats"):
        repeat_summary(values)
