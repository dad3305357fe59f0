"""Scaling study pieces: the power-law fit and the synthetic corpus."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.verbs.index_scaling import power_fit, synthetic_corpus


def test_power_fit_recovers_an_exact_power_law() -> None:
    ns = [1e3, 1e4, 1e5, 1e6]
    fit = power_fit(ns, [2.0 * n**0.5 for n in ns])
    assert (
        fit.b == pytest.approx(0.5) and fit.c == pytest.approx(2.0) and fit.r2 == pytest.approx(1)
    )


def test_power_fit_on_noisy_timings_matches_numpy_least_squares() -> None:
    ns = np.array([1e3, 3e3, 1e4, 3e4, 1e5])
    ys = 1e-6 * ns**1.1 * np.array([1.1, 0.9, 1.05, 0.97, 1.02])
    fit = power_fit(ns.tolist(), ys.tolist())
    b, a = np.polyfit(np.log(ns), np.log(ys), 1)
    pred = a + b * np.log(ns)
    r2 = 1 - ((np.log(ys) - pred) ** 2).sum() / ((np.log(ys) - np.log(ys).mean()) ** 2).sum()
    assert fit.b == pytest.approx(b) and fit.c == pytest.approx(np.exp(a))
    assert fit.r2 == pytest.approx(r2) and 0.9 < fit.r2 < 1.0


def test_power_fit_needs_two_sizes() -> None:
    with pytest.raises(ConfigError, match="two different corpus sizes"):
        power_fit([1000, 1000], [1.0, 2.0])


def test_synthetic_corpus_is_seeded_unit_norm_and_follows_the_corpus() -> None:
    rng = np.random.default_rng(0)
    direction = np.zeros(16)
    direction[0] = 3.0
    real = rng.standard_normal((300, 16)) * 0.3 + direction
    real = (real / np.linalg.norm(real, axis=1, keepdims=True)).astype(np.float32)
    a = synthetic_corpus(real, 2000, seed=0)
    assert a.shape == (2000, 16) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, synthetic_corpus(real, 2000, seed=0))
    assert not np.array_equal(a, synthetic_corpus(real, 2000, seed=1))
    mean_cos = float(a.mean(axis=0) @ real.mean(axis=0))
    mean_cos /= float(np.linalg.norm(a.mean(axis=0)) * np.linalg.norm(real.mean(axis=0)))
    assert mean_cos > 0.99  # same mean direction
    assert abs(float((a @ a.T).mean()) - float((real @ real.T).mean())) < 0.05
