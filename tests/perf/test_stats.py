"""Latency percentiles and sustained throughput on hand-made timings."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.perf.stats import latency_stats, sustained_throughput


def test_percentiles_interpolate_between_order_statistics() -> None:
    # 1..100 ms: type-7 percentile P_q = x_floor(h) + frac * gap with h = 99 q / 100.
    seconds = [i / 1000 for i in range(100, 0, -1)]  # unsorted on purpose
    stats = latency_stats(seconds)
    assert stats.p50_ms == pytest.approx(50.5)
    assert stats.p90_ms == pytest.approx(90.1)
    assert stats.p99_ms == pytest.approx(99.01)
    assert stats.mean_ms == pytest.approx(50.5)
    assert stats.n == 100


def test_a_single_slow_call_moves_p99_not_p50() -> None:
    seconds = [0.010] * 99 + [1.0]
    stats = latency_stats(seconds)
    assert stats.p50_ms == pytest.approx(10.0)
    assert stats.p99_ms == pytest.approx(10.0 + 0.01 * 990.0)
    assert stats.mean_ms == pytest.approx((99 * 10 + 1000) / 100)


def test_matches_numpy_on_random_timings() -> None:
    seconds = np.random.default_rng(0).gamma(2.0, 0.01, size=257)
    stats = latency_stats(list(seconds))
    expected = np.percentile(seconds, [50, 90, 99]) * 1000
    assert [stats.p50_ms, stats.p90_ms, stats.p99_ms] == pytest.approx(list(expected))


def test_as_dict_names_the_speed_metrics() -> None:
    names = set(latency_stats([0.1, 0.2]).as_dict())
    assert names == {"latency_p50", "latency_p90", "latency_p99", "latency_mean"}


def test_bad_samples_are_refused() -> None:
    with pytest.raises(ConfigError):
        latency_stats([])
    with pytest.raises(ConfigError):
        latency_stats([0.1, -0.1])
    with pytest.raises(ConfigError):
        latency_stats([float("nan")])


def test_throughput_is_items_over_wall_seconds() -> None:
    assert sustained_throughput(320, 4.0) == pytest.approx(80.0)
    with pytest.raises(ConfigError):
        sustained_throughput(10, 0.0)
