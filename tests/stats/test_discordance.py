"""Tests of embedlab.stats.discordance: win/tie/loss and the exact McNemar test."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.stats.discordance import McNemar, WinTieLoss, mcnemar_exact, win_tie_loss


def test_win_tie_loss_hand_counted() -> None:
    a = [1.0, 0.5, 0.0, 1.0, 0.2]
    b = [0.0, 0.5, 1.0, 1.0, 0.1]
    assert win_tie_loss(a, b) == WinTieLoss(wins=2, ties=2, losses=1)
    assert win_tie_loss(b, a) == WinTieLoss(wins=1, ties=2, losses=2)


def test_win_tie_loss_lower_is_better_for_ranks() -> None:
    result = win_tie_loss([1, 3, 2], [2, 3, 5], higher_is_better=False)
    assert result == WinTieLoss(wins=2, ties=1, losses=0) and result.n == 3


@pytest.mark.parametrize(
    ("a", "b", "a_only", "b_only", "p"),
    [
        ([1, 0, 0, 0, 0, 0, 1], [0, 1, 1, 1, 1, 1, 1], 1, 5, 2 * (1 + 6) / 64),
        ([0, 0, 0, 0, 0], [1, 1, 1, 1, 1], 0, 5, 2 / 32),
        ([1, 0, 1, 0], [0, 1, 1, 0], 1, 1, 1.0),
        ([1, 1, 0], [1, 1, 0], 0, 0, 1.0),
        ([True, True, True, False], [False, False, False, False], 3, 0, 2 / 8),
    ],
)
def test_mcnemar_hand_computed(
    a: list[float], b: list[float], a_only: int, b_only: int, p: float
) -> None:
    result = mcnemar_exact(a, b)
    assert (result.a_only, result.b_only, result.n) == (a_only, b_only, len(a))
    assert result.p_value == pytest.approx(p, rel=1e-15)
    assert result.difference == pytest.approx(np.mean(a) - np.mean(b))


@pytest.mark.parametrize(("k", "n"), [(0, 1), (3, 10), (7, 10), (40, 100), (450, 1_000)])
def test_mcnemar_matches_scipy_binomtest(k: int, n: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    a = np.r_[np.ones(k), np.zeros(n - k)]
    expected = stats.binomtest(k, n, 0.5).pvalue
    assert mcnemar_exact(a, 1 - a).p_value == pytest.approx(expected, rel=1e-9)


def test_mcnemar_large_counts_do_not_overflow() -> None:
    a = np.r_[np.ones(5_200), np.zeros(20_000)]
    b = np.r_[np.zeros(5_200), np.ones(5_600), np.zeros(14_400)]
    result = mcnemar_exact(a, b)
    assert isinstance(result, McNemar) and 0.0 < result.p_value < 1e-3


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [([1, 0], [1], "aligned"), ([], [], "zero"), ([0.5, 1], [1, 0], "binary")],
)
def test_bad_inputs(a: list[float], b: list[float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        mcnemar_exact(a, b)
