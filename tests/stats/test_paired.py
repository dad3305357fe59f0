"""Tests of embedlab.stats.paired: paired bootstrap and sign-flip permutation tests."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.stats.paired import paired_bootstrap_test, permutation_test

TESTS = [paired_bootstrap_test, permutation_test]


def _two_systems(
    n: int, rate_a: float, rate_b: float, seed: int, cluster_size: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correlated binary outcomes: shared query difficulty (+ a per-cluster effect) + noise.

    Latent ``z_i + e_i`` with ``z ~ N(0, 1)`` shared by both systems and ``e ~ N(0, 1)``; the
    thresholds give the requested success rates. Outcome correlation is about 0.33.
    """
    rng = np.random.default_rng(seed)
    clusters = np.arange(n) // cluster_size
    shared = rng.normal(0.0, 1.0, n)
    if cluster_size > 1:
        shared = (shared + rng.normal(0.0, 1.0, clusters[-1] + 1)[clusters]) / math.sqrt(2.0)
    threshold = {0.50: 0.0, 0.55: -0.17773, 0.30: 0.74161}
    a = shared + rng.normal(0.0, 1.0, n) > threshold[rate_a]
    b = shared + rng.normal(0.0, 1.0, n) > threshold[rate_b]
    return a.astype(float), b.astype(float), clusters


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("clustered", [False, True])
def test_identical_systems_give_p_one(test: object, clustered: bool) -> None:
    a, _, clusters = _two_systems(2_000, 0.5, 0.55, seed=0, cluster_size=5)
    result = test(a, a.copy(), clusters=clusters if clustered else None, n_resamples=500)  # type: ignore[operator]
    assert result.p_value == 1.0 and result.difference == 0.0


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize("cluster_size", [1, 5])
def test_five_points_at_n_5000_is_significant(test: object, cluster_size: int) -> None:
    b, a, clusters = _two_systems(5_000, 0.50, 0.55, seed=1, cluster_size=cluster_size)
    assert 0.03 < a.mean() - b.mean() < 0.07
    assert 0.2 < np.corrcoef(a, b)[0, 1] < 0.5
    kwargs = {"clusters": clusters if cluster_size > 1 else None, "n_resamples": 1_000}
    result = test(a, b, seed_or_rng=2, **kwargs)  # type: ignore[operator]
    assert result.p_value < 0.05
    assert result.p_value == pytest.approx(1 / 1_001)
    assert result.difference == pytest.approx(a.mean() - b.mean())
    assert result.n_units == 5_000 // cluster_size


def test_paired_bootstrap_hand_construction() -> None:
    a = np.array([1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    b = np.array([0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    d, n, reps = a - b, a.size, 19
    draws = np.random.default_rng(7).integers(0, n, size=(reps, n), dtype=np.int32)
    boot = [sum(d[int(i)] for i in row) / n for row in draws]
    observed = d.mean()
    count = sum(abs(x - observed) >= abs(observed) - 1e-12 for x in boot)
    result = paired_bootstrap_test(a, b, n_resamples=reps, level=0.9, seed_or_rng=7)
    assert result.difference == pytest.approx(0.25)
    assert result.p_value == pytest.approx((count + 1) / (reps + 1))
    assert result.ci is not None and result.ci.estimate == result.difference
    assert result.ci.low == pytest.approx(float(np.quantile(boot, 0.05)))
    assert result.ci.high == pytest.approx(float(np.quantile(boot, 0.95)))
    assert result.method == "paired-bootstrap" and result.n_resamples == reps


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([1.0, 1.0, 1.0], [0.0, 0.0, 0.0], 2 / 8),  # only all-+ and all-- reach |T| = 3
        ([2.0, 0.0, 0.5], [0.0, 1.0, 0.0], 6 / 8),  # T = 1.5; |+-2 +-1 +-0.5| >= 1.5 in 6 of 8
        ([0.7], [0.2], 1.0),  # one unit: both signs give |T*| = |T|
    ],
)
def test_exact_sign_flip_hand_computed(a: list[float], b: list[float], expected: float) -> None:
    result = permutation_test(a, b, n_resamples=1_000)
    assert result.p_value == pytest.approx(expected)
    assert result.method == "exact-sign-flip" and result.n_resamples == 2 ** len(a)


def test_exact_sign_flip_per_cluster() -> None:
    # cluster sums D = (1 + 1, 1 - 1, 1) = (2, 0, 1): T = 3, |T*| >= 3 only for s1 = s3
    result = permutation_test([1, 1, 1, 0, 1], [0, 0, 0, 1, 0], clusters=[0, 0, 1, 1, 2])
    assert result.p_value == pytest.approx(4 / 8)
    assert result.method == "exact-cluster-sign-flip" and result.n_units == 3


def test_monte_carlo_sign_flip_agrees_with_enumeration() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.random(12) + 0.2, rng.random(12)
    d = a - b
    exact = np.mean(
        [abs(np.dot(s, d)) >= abs(d.sum()) - 1e-12 for s in itertools.product((1, -1), repeat=12)]
    )
    result = permutation_test(a, b, n_resamples=2_000, seed_or_rng=4)
    assert result.method == "sign-flip"
    assert result.p_value * 2_001 == pytest.approx(round(result.p_value * 2_001))
    assert abs(result.p_value - exact) < 4 * math.sqrt(exact * (1 - exact) / 2_000) + 1e-3


@pytest.mark.parametrize("test", TESTS)
def test_same_seed_bitwise_identical(test: object) -> None:
    a, b, clusters = _two_systems(3_000, 0.5, 0.5, seed=5, cluster_size=5)
    for c in (None, clusters):
        first = test(a, b, clusters=c, n_resamples=300, seed_or_rng=9)  # type: ignore[operator]
        again = test(a, b, clusters=c, n_resamples=300, seed_or_rng=9)  # type: ignore[operator]
        assert first == again


def test_paired_bootstrap_cluster_ci_wider_than_naive() -> None:
    a, b, clusters = _two_systems(3_000, 0.5, 0.55, seed=6, cluster_size=5)
    a[:] = np.repeat(a[::5], 5)  # make A's outcome constant within each cluster
    naive = paired_bootstrap_test(a, b, n_resamples=500).ci
    cluster = paired_bootstrap_test(a, b, clusters=clusters, n_resamples=500).ci
    assert naive is not None and cluster is not None
    assert cluster.half_width > 1.3 * naive.half_width
    assert cluster.method == "cluster-percentile-bootstrap"


def test_single_unit_bootstrap_is_not_significant() -> None:
    result = paired_bootstrap_test([1.0, 1.0], [0.0, 0.0], clusters=["x", "x"])
    assert result.p_value == 1.0 and result.ci is not None and not result.ci.defined


@pytest.mark.parametrize("test", TESTS)
@pytest.mark.parametrize(
    ("a", "b", "kwargs", "message"),
    [
        ([1.0, 0.0], [1.0], {}, "aligned"),
        ([], [], {}, "zero queries"),
        ([1.0, 0.0], [1.0, float("nan")], {}, "NaN"),
        ([1.0, 0.0], [1.0, 1.0], {"clusters": [1]}, "clusters"),
        ([1.0, 0.0], [1.0, 1.0], {"n_resamples": 0}, "n_resamples"),
        ([1.0, 0.0], [1.0, 1.0], {"seed_or_rng": "x"}, "seed"),
    ],
)
def test_bad_inputs_raise_config_error(
    test: object, a: list[float], b: list[float], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        test(a, b, **kwargs)  # type: ignore[operator]


def test_bootstrap_level_is_validated() -> None:
    with pytest.raises(ConfigError, match="level"):
        paired_bootstrap_test([1.0, 0.0], [0.0, 0.0], level=1.5)
