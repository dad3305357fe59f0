"""Tests of embedlab.stats.multiple_testing.holm (values computed by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.stats.multiple_testing import holm


@pytest.mark.parametrize(
    ("raw", "adjusted"),
    [
        # Holm (1979) example as on Wikipedia: sorted .005 .01 .03 .04 -> x4 x3 x2 x1
        # = .02 .03 .06 .04 -> running max .02 .03 .06 .06; alpha = .05 rejects H1 and H4.
        ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),
        # x3 x2 x1 = .6 1.0 .9 -> running max .6 1.0 1.0
        ([0.2, 0.5, 0.9], [0.6, 1.0, 1.0]),
        # capped at 1: x2 = 1.4 -> 1
        ([0.7, 0.8], [1.0, 1.0]),
        # ties: x2 x1 = .02 .01 -> running max .02 .02
        ([0.01, 0.01], [0.02, 0.02]),
        # shuffled input (same convention as statsmodels multipletests(method="holm")):
        # x5 x4 x3 x2 x1 = .005 .04 .06 .08 .5
        ([0.04, 0.5, 0.001, 0.02, 0.01], [0.08, 0.5, 0.005, 0.06, 0.04]),
        ([0.3], [0.3]),
        ([], []),
    ],
)
def test_holm_hand_computed(raw: list[float], adjusted: list[float]) -> None:
    np.testing.assert_allclose(holm(raw), adjusted, rtol=1e-12, atol=0)


def test_holm_is_monotone_and_at_least_raw() -> None:
    raw = np.random.default_rng(0).random(40) ** 3
    adj = holm(raw)
    order = np.argsort(raw)
    assert np.all(adj >= raw) and np.all(adj <= 1.0)
    assert np.all(np.diff(adj[order]) >= 0)


@pytest.mark.parametrize("raw", [[0.1, float("nan")], [-0.1], [1.5], [[0.1, 0.2]]])
def test_holm_rejects_invalid(raw: object) -> None:
    with pytest.raises(ConfigError):
        holm(raw)  # type: ignore[arg-type]
