"""Paired significance tests for two systems scored on the same queries.

``a`` and ``b`` are per-query outcomes of systems A and B, aligned by query (hit@1, reciprocal
rank, pair-choice correctness, ...); ``d_i = a_i - b_i``. The effect is the difference of means
``d = mean(a) - mean(b) = mean(d_i)`` (in fractions; x100 for points). With ``clusters``, whole
clusters of correlated queries are the independent units (COCO ``t2i``: the captions of an image).

Both tests are two-sided and Monte-Carlo corrected, ``p = (count + 1) / (B + 1)``, so a p-value
is never 0 and its smallest value is ``1 / (B + 1)``. Identical inputs give ``p = 1``. A null
draw ties the observed one when it is within a relative ``1e-9`` of it (guards against rounding
on lattice data such as binary outcomes).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embedlab.errors import ConfigError
from embedlab.stats.bootstrap import CI
from embedlab.stats.resampling import (
    FloatArray,
    Units,
    as_values,
    bootstrap_distribution,
    check_level,
    check_resamples,
    make_rng,
    make_units,
    percentile_interval,
    sign_flip_distribution,
)

__all__ = ["PairedTest", "paired_bootstrap_test", "permutation_test"]

_TIE_RTOL = 1e-9
_EXACT_MAX_UNITS = 16  # enumerate at most 2**16 sign vectors


@dataclass(frozen=True)
class PairedTest:
    """Result of a paired comparison of systems A and B.

    Attributes:
        difference: ``mean(a) - mean(b)`` (fractions; positive means A scores higher).
        p_value: two-sided p-value of H0 "no difference".
        method: the construction, e.g. ``"paired-bootstrap"`` or ``"cluster-sign-flip"``.
        n_resamples: resamples actually used (``2**G`` for an exact sign-flip enumeration).
        n_units: number of independent units (queries, or clusters).
        ci: percentile CI of the difference (paired bootstrap only).
    """

    difference: float
    p_value: float
    method: str
    n_resamples: int
    n_units: int
    ci: CI | None = None


def paired_differences(a: npt.ArrayLike, b: npt.ArrayLike, clusters: npt.ArrayLike | None) -> Units:
    """Validate ``a``, ``b`` and return the per-query differences ``a_i - b_i`` grouped by unit."""
    a_arr, b_arr = as_values(a, "a"), as_values(b, "b")
    if a_arr.shape != b_arr.shape:
        raise ConfigError(f"a and b must be aligned by query: lengths {a_arr.size} != {b_arr.size}")
    if a_arr.size == 0:
        raise ConfigError("cannot compare two systems on zero queries")
    return make_units(a_arr - b_arr, clusters)


def _p_value(null: FloatArray, observed: float, exact: bool = False) -> float:
    """``(#{|null| >= |observed|} + 1) / (B + 1)``, or ``count / B`` for an exact enumeration."""
    count = int(np.count_nonzero(np.abs(null) >= abs(observed) * (1.0 - _TIE_RTOL)))
    if exact:
        return min(1.0, count / null.size)
    return min(1.0, (count + 1) / (null.size + 1))


def paired_bootstrap_test(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed_or_rng: int | np.integer | np.random.Generator = 0,
) -> PairedTest:
    """Paired bootstrap of the difference of means, with a percentile CI and a shifted-null p.

    Construction (``B = n_resamples``): ``d = mean(a_i - b_i)``. Draw the ``G`` units (queries or
    clusters) with replacement ``B`` times, keeping each query's pair ``(a_i, b_i)`` together, and
    compute ``d*_b`` (ratio estimator: sum of the drawn units' differences over their query
    count). CI: the ``(1-level)/2`` and ``(1+level)/2`` quantiles of ``d*``. p-value (shifted
    null: ``d* - d`` approximates the null distribution of ``d``)::

        p = (#{b : |d*_b - d| >= |d|} + 1) / (B + 1)

    With a single unit the bootstrap carries no information: ``p = 1`` and the CI is NaN.

    Args:
        a: per-query outcomes of system A.
        b: per-query outcomes of system B, aligned with ``a``.
        clusters: optional per-query cluster labels (independent units).
        n_resamples: ``B >= 1``.
        level: CI level in (0, 1).
        seed_or_rng: int seed or ``numpy.random.Generator``.

    Returns:
        :class:`PairedTest` with ``ci`` set.

    Raises:
        ConfigError: bad parameters, misaligned or empty inputs.
    """
    n_resamples = check_resamples(n_resamples)
    level = check_level(level)
    rng = make_rng(seed_or_rng)
    units = paired_differences(a, b, clusters)
    d = float(np.mean(units.values))
    prefix = "cluster-" if units.clustered else ""
    low = high = float("nan")
    p = 1.0
    if units.n_units >= 2:
        boot = bootstrap_distribution(units, "mean", n_resamples, rng)
        low, high = percentile_interval(boot, level)
        p = _p_value(boot - d, d)
    method = f"{prefix}paired-bootstrap"
    ci = CI(low, high, d, f"{prefix}percentile-bootstrap", n_resamples, level, units.n_units)
    return PairedTest(d, p, method, n_resamples, units.n_units, ci)


def permutation_test(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    n_resamples: int = 1000,
    seed_or_rng: int | np.integer | np.random.Generator = 0,
) -> PairedTest:
    """Paired randomization (sign-flip) test of H0: A and B are exchangeable on every unit.

    Construction: ``D_u`` = sum of ``a_i - b_i`` over the queries of unit ``u`` (a query, or a
    cluster); observed ``T = sum_u D_u`` (``= n * d``; the query count ``n`` is fixed, so this
    is equivalent to testing ``d``). Under H0 swapping A and B on a unit flips the sign of
    ``D_u``; draw ``B`` sign vectors ``s`` with independent fair signs and
    ``T*_b = sum_u s_u D_u``::

        p = (#{b : |T*_b| >= |T|} + 1) / (B + 1)

    When ``2**G <= B`` (and ``G <= 16``) all sign vectors are enumerated instead and
    ``p = #{|T*| >= |T|} / 2**G`` (exact; method prefixed ``exact-``).

    Args:
        a: per-query outcomes of system A.
        b: per-query outcomes of system B, aligned with ``a``.
        clusters: optional per-query cluster labels (signs flip per cluster).
        n_resamples: ``B >= 1`` random sign vectors.
        seed_or_rng: int seed or ``numpy.random.Generator``.

    Returns:
        :class:`PairedTest` (``ci`` is ``None``).

    Raises:
        ConfigError: bad parameters, misaligned or empty inputs.
    """
    n_resamples = check_resamples(n_resamples)
    rng = make_rng(seed_or_rng)
    units = paired_differences(a, b, clusters)
    d = float(np.mean(units.values))
    observed = float(np.sum(units.sums))
    method = ("cluster-" if units.clustered else "") + "sign-flip"
    g = units.n_units
    if g <= _EXACT_MAX_UNITS and 2**g <= n_resamples:
        null = _all_sign_flips(units.sums)
        return PairedTest(d, _p_value(null, observed, exact=True), "exact-" + method, null.size, g)
    null = sign_flip_distribution(units.sums, n_resamples, rng)
    return PairedTest(d, _p_value(null, observed), method, n_resamples, g)


def _all_sign_flips(unit_sums: FloatArray) -> FloatArray:
    """``sum_u s_u D_u`` for every one of the ``2**G`` sign vectors ``s``."""
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=unit_sums.size)))
    return np.asarray((signs * unit_sums).sum(axis=1), dtype=np.float64)
