"""Per-query discordance between two systems: win/tie/loss counts and the exact McNemar test.

``a`` and ``b`` are per-query outcomes of systems A and B on the same queries, aligned by index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embedlab.errors import ConfigError
from embedlab.stats.resampling import FloatArray, as_values

__all__ = ["McNemar", "WinTieLoss", "mcnemar_exact", "win_tie_loss"]


@dataclass(frozen=True)
class WinTieLoss:
    """How often system A beats, ties or loses to system B, counted per query."""

    wins: int
    ties: int
    losses: int

    @property
    def n(self) -> int:
        """Number of queries ``wins + ties + losses``."""
        return self.wins + self.ties + self.losses


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test on paired binary outcomes.

    Attributes:
        a_only: discordant queries where A is right and B wrong (McNemar's ``b``).
        b_only: discordant queries where B is right and A wrong (McNemar's ``c``).
        n: all queries; ``(a_only - b_only) / n`` equals ``mean(a) - mean(b)``.
        p_value: exact two-sided p-value.
    """

    a_only: int
    b_only: int
    n: int
    p_value: float

    @property
    def difference(self) -> float:
        """``(a_only - b_only) / n``, the difference of accuracies."""
        return (self.a_only - self.b_only) / self.n


def _aligned(a: npt.ArrayLike, b: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    a_arr, b_arr = as_values(a, "a"), as_values(b, "b")
    if a_arr.shape != b_arr.shape:
        raise ConfigError(f"a and b must be aligned by query: lengths {a_arr.size} != {b_arr.size}")
    return a_arr, b_arr


def win_tie_loss(
    a: npt.ArrayLike, b: npt.ArrayLike, *, higher_is_better: bool = True
) -> WinTieLoss:
    """Count queries where A is better (``a_i > b_i``), equal, or worse than B.

    Args:
        a: per-query outcomes of system A.
        b: per-query outcomes of system B, aligned with ``a``.
        higher_is_better: ``False`` for outcomes such as ranks (then a win is ``a_i < b_i``).

    Returns:
        :class:`WinTieLoss` with exact comparisons (no tolerance).

    Raises:
        ConfigError: misaligned or non-finite inputs.
    """
    a_arr, b_arr = _aligned(a, b)
    sign = np.sign(a_arr - b_arr) if higher_is_better else np.sign(b_arr - a_arr)
    wins = int(np.count_nonzero(sign > 0))
    losses = int(np.count_nonzero(sign < 0))
    return WinTieLoss(wins, a_arr.size - wins - losses, losses)


def mcnemar_exact(a: npt.ArrayLike, b: npt.ArrayLike) -> McNemar:
    """Exact (binomial) McNemar test for paired binary outcomes.

    With ``n_ab`` = #(A right, B wrong), ``n_ba`` = #(A wrong, B right), ``N = n_ab + n_ba`` and
    ``k = min(n_ab, n_ba)``, under H0 ``n_ab ~ Binomial(N, 1/2)`` and::

        p = min(1, 2 * sum_{i=0..k} C(N, i) / 2**N)        (p = 1 when N = 0)

    The tail is summed in exact integer arithmetic and divided once (correctly rounded). This is
    the two-sided ``scipy.stats.binomtest(n_ab, N, 0.5)`` p-value.

    Args:
        a: per-query outcomes of system A, each 0 or 1 (bool accepted).
        b: per-query outcomes of system B, aligned with ``a``.

    Returns:
        :class:`McNemar` with the discordant counts and the p-value.

    Raises:
        ConfigError: misaligned, empty or non-binary inputs.
    """
    a_arr, b_arr = _aligned(a, b)
    if a_arr.size == 0:
        raise ConfigError("cannot compare two systems on zero queries")
    if not (np.isin(a_arr, (0.0, 1.0)).all() and np.isin(b_arr, (0.0, 1.0)).all()):
        raise ConfigError("mcnemar_exact needs binary outcomes (0/1) in both a and b")
    n_ab = int(np.count_nonzero(a_arr > b_arr))
    n_ba = int(np.count_nonzero(a_arr < b_arr))
    return McNemar(n_ab, n_ba, a_arr.size, _two_sided_half_binomial(n_ab, n_ab + n_ba))


def _two_sided_half_binomial(k: int, n: int) -> float:
    """``min(1, 2 * P(X <= min(k, n - k)))`` for ``X ~ Binomial(n, 1/2)``, exactly."""
    m = min(k, n - k)
    if 2 * m == n:
        return 1.0
    term, tail = 1, 1
    for i in range(1, m + 1):
        term = term * (n - i + 1) // i
        tail += term
    return min(1.0, (2 * tail) / (1 << n))
