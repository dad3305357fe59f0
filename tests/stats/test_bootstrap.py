"""Tests of embedlab.stats.bootstrap (and the resampling engine behind it)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import embedlab.stats.resampling as resampling
from embedlab.errors import ConfigError
from embedlab.stats.bootstrap import bootstrap_ci


def _hand_quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation quantile (Hyndman-Fan type 7), written out by hand."""
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def _clustered_data(n_clusters: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Binary outcomes with a strong per-cluster random effect (latent-normal model)."""
    rng = np.random.default_rng(seed)
    effect = rng.normal(0.0, 1.5, n_clusters)
    latent = np.repeat(effect, size) + rng.normal(0.0, 1.0, n_clusters * size)
    return (latent > 0).astype(float), np.repeat(np.arange(n_clusters), size)


def test_hand_computed_percentile_interval() -> None:
    values = [0.0, 1.0, 1.0, 0.0, 1.0]
    n, b = len(values), 9
    draws = np.random.default_rng(11).integers(0, n, size=(b, n), dtype=np.int32)
    means = sorted(sum(values[int(i)] for i in row) / n for row in draws)
    ci = bootstrap_ci(values, n_resamples=b, level=0.8, seed_or_rng=11)
    assert ci.low == pytest.approx(_hand_quantile(means, 0.1), abs=1e-15)
    assert ci.high == pytest.approx(_hand_quantile(means, 0.9), abs=1e-15)
    assert ci.estimate == pytest.approx(0.6)
    assert (ci.method, ci.n_resamples, ci.level, ci.n_units) == ("percentile-bootstrap", 9, 0.8, 5)


def test_constant_values_give_zero_width_interval() -> None:
    ci = bootstrap_ci(np.full(50, 0.25), n_resamples=200)
    assert ci.low == ci.high == ci.estimate == 0.25
    assert ci.defined and ci.half_width == 0.0


def test_cluster_mean_is_ratio_estimator_of_pooled_queries() -> None:
    values = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.5])
    clusters = np.array(["c", "a", "a", "b", "c", "c", "d", "b"])
    groups = {c: values[clusters == c] for c in sorted(set(clusters))}
    names = sorted(groups)
    b = 7
    draws = np.random.default_rng(3).integers(0, len(names), size=(b, len(names)), dtype=np.int32)
    pooled = [np.concatenate([groups[names[i]] for i in row]) for row in draws]
    means = sorted(float(p.sum() / p.size) for p in pooled)
    ci = bootstrap_ci(values, clusters=clusters, n_resamples=b, level=0.5, seed_or_rng=3)
    assert ci.low == pytest.approx(_hand_quantile(means, 0.25), abs=1e-12)
    assert ci.high == pytest.approx(_hand_quantile(means, 0.75), abs=1e-12)
    assert ci.estimate == pytest.approx(values.mean())
    assert (ci.method, ci.n_units) == ("cluster-percentile-bootstrap", 4)


def test_cluster_median_matches_brute_force_pooling() -> None:
    rng = np.random.default_rng(5)
    values = rng.integers(1, 40, 37).astype(float)
    clusters = rng.integers(0, 9, 37)
    names = np.unique(clusters)
    b = 25
    draws = np.random.default_rng(8).integers(0, names.size, size=(b, names.size), dtype=np.int32)
    medians = sorted(
        float(np.median(np.concatenate([values[clusters == names[i]] for i in row])))
        for row in draws
    )
    ci = bootstrap_ci(
        values, clusters=clusters, statistic="median", n_resamples=b, level=0.9, seed_or_rng=8
    )
    assert ci.low == pytest.approx(_hand_quantile(medians, 0.05), abs=1e-12)
    assert ci.high == pytest.approx(_hand_quantile(medians, 0.95), abs=1e-12)
    assert ci.estimate == np.median(values) and ci.statistic == "median"


def test_unclustered_median() -> None:
    ranks = np.array([1.0, 2.0, 2.0, 3.0, 10.0, 50.0])
    draws = np.random.default_rng(2).integers(0, 6, size=(15, 6), dtype=np.int32)
    medians = sorted(float(np.median(ranks[row])) for row in draws)
    ci = bootstrap_ci(ranks, statistic="median", n_resamples=15, seed_or_rng=2)
    assert ci.low == pytest.approx(_hand_quantile(medians, 0.025))
    assert ci.high == pytest.approx(_hand_quantile(medians, 0.975))
    assert ci.estimate == 2.5


def test_singleton_clusters_equal_plain_bootstrap() -> None:
    values = np.random.default_rng(0).random(301)
    plain = bootstrap_ci(values, n_resamples=300, seed_or_rng=4)
    single = bootstrap_ci(values, clusters=np.arange(301), n_resamples=300, seed_or_rng=4)
    assert (single.low, single.high) == pytest.approx((plain.low, plain.high), abs=1e-15)


@pytest.mark.parametrize("statistic", ["mean", "median"])
@pytest.mark.parametrize("clustered", [False, True])
def test_same_seed_bitwise_identical(statistic: str, clustered: bool) -> None:
    values = np.random.default_rng(1).random(2_003)
    clusters = np.arange(2_003) // 5 if clustered else None
    kwargs = {"clusters": clusters, "statistic": statistic, "n_resamples": 300}
    first = bootstrap_ci(values, seed_or_rng=123, **kwargs)  # type: ignore[arg-type]
    again = bootstrap_ci(values, seed_or_rng=123, **kwargs)  # type: ignore[arg-type]
    via_rng = bootstrap_ci(values, seed_or_rng=np.random.default_rng(123), **kwargs)  # type: ignore[arg-type]
    other = bootstrap_ci(values, seed_or_rng=124, **kwargs)  # type: ignore[arg-type]
    assert first == again == via_rng
    assert (first.low, first.high) != (other.low, other.high)


@pytest.mark.parametrize("statistic", ["mean", "median"])
def test_memory_blocks_do_not_change_results(
    monkeypatch: pytest.MonkeyPatch, statistic: str
) -> None:
    values = np.random.default_rng(9).random(1_001)
    clusters = np.random.default_rng(10).integers(0, 200, 1_001)
    kwargs = {"statistic": statistic, "n_resamples": 97, "seed_or_rng": 6}
    reference = [bootstrap_ci(values, clusters=c, **kwargs) for c in (None, clusters)]  # type: ignore[arg-type]
    monkeypatch.setattr(resampling, "BLOCK_ELEMENTS", 3_333)
    blocked = [bootstrap_ci(values, clusters=c, **kwargs) for c in (None, clusters)]  # type: ignore[arg-type]
    assert blocked == reference


def test_cluster_ci_wider_than_naive_for_correlated_clusters() -> None:
    values, clusters = _clustered_data(n_clusters=400, size=5, seed=0)
    naive = bootstrap_ci(values, n_resamples=500, seed_or_rng=1)
    cluster = bootstrap_ci(values, clusters=clusters, n_resamples=500, seed_or_rng=1)
    assert cluster.n_units == 400 and naive.n_units == 2_000
    # design effect 1 + (m - 1) * icc with icc ~ 0.5 here: width ratio about sqrt(3) ~ 1.7
    assert cluster.half_width > 1.4 * naive.half_width


def test_zero_values_is_an_error() -> None:
    with pytest.raises(ConfigError, match="zero values"):
        bootstrap_ci([])


def test_single_unit_gives_undefined_interval() -> None:
    one = bootstrap_ci([0.7])
    assert one.estimate == 0.7 and math.isnan(one.low) and math.isnan(one.high)
    assert not one.defined and one.n_units == 1
    one_cluster = bootstrap_ci([1.0, 0.0, 1.0], clusters=[4, 4, 4])
    assert not one_cluster.defined and one_cluster.estimate == pytest.approx(2 / 3)


def test_intervals_nest_and_widen_as_level_rises() -> None:
    values = np.random.default_rng(12).random(257)
    levels = (0.5, 0.8, 0.9, 0.95, 0.99)
    cis = [bootstrap_ci(values, n_resamples=400, level=lv, seed_or_rng=7) for lv in levels]
    for narrow, wide in itertools.pairwise(cis):
        assert wide.low < narrow.low < narrow.high < wide.high
    for ci in cis:
        assert ci.half_width == pytest.approx((ci.high - ci.low) / 2, abs=1e-15)
        assert ci.low < ci.estimate < ci.high


def test_mean_interval_matches_the_normal_approximation() -> None:
    # 400 fair coin flips: the 95% interval of the mean is about +-1.96 * sqrt(p(1-p)/n).
    values = np.tile([1.0, 0.0], 200)
    ci = bootstrap_ci(values, n_resamples=2_000, level=0.95, seed_or_rng=0)
    expected = 1.959964 * math.sqrt(0.25 / values.size)
    assert ci.half_width == pytest.approx(expected, rel=0.15)
    assert (ci.low + ci.high) / 2 == pytest.approx(0.5, abs=0.01)


def test_a_generator_is_used_as_is_and_advanced() -> None:
    values = np.random.default_rng(13).random(31)
    b = 50
    shared = np.random.default_rng(21)
    first = bootstrap_ci(values, n_resamples=b, seed_or_rng=shared)
    second = bootstrap_ci(values, n_resamples=b, seed_or_rng=shared)
    assert first == bootstrap_ci(values, n_resamples=b, seed_or_rng=21)
    assert (second.low, second.high) != (first.low, first.high)
    # the second call continues the stream exactly where the first one's draws ended
    advanced = np.random.default_rng(21)
    advanced.integers(0, values.size, size=(b, values.size), dtype=np.int32)
    assert second == bootstrap_ci(values, n_resamples=b, seed_or_rng=advanced)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_resamples": 0}, "n_resamples"),
        ({"n_resamples": 10.0}, "n_resamples"),
        ({"n_resamples": True}, "n_resamples"),
        ({"level": 0.0}, "level"),
        ({"level": 1.0}, "level"),
        ({"level": 95}, "level"),
        ({"level": float("nan")}, "level"),
        ({"statistic": "max"}, "statistic"),
        ({"clusters": [1, 2]}, "clusters"),
        ({"clusters": np.zeros((3, 1))}, "clusters"),
        ({"seed_or_rng": None}, "seed"),
        ({"seed_or_rng": -1}, "seed"),
        ({"seed_or_rng": 1.5}, "seed"),
    ],
)
def test_bad_parameters_raise_config_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        bootstrap_ci([0.0, 1.0, 1.0], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("values", [np.zeros((2, 2)), [0.0, float("nan")], [1.0, float("inf")]])
def test_bad_values_raise_config_error(values: object) -> None:
    with pytest.raises(ConfigError):
        bootstrap_ci(values)  # type: ignore[arg-type]
