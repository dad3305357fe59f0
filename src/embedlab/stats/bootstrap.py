"""Percentile-bootstrap confidence intervals for the mean or median of per-query outcomes.

Every quality metric of embedlab is the mean of a per-query outcome array (hit@k in {0, 1},
reciprocal rank, pair-choice correctness); median rank is the median of per-query ranks. The
interval resamples the *independent units* with replacement: the queries themselves, or whole
clusters of correlated queries (COCO ``t2i``: the captions of one image), whose queries are pooled
(cluster bootstrap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from embedlab.errors import ConfigError
from embedlab.stats.resampling import (
    Statistic,
    as_values,
    bootstrap_distribution,
    check_level,
    check_resamples,
    make_rng,
    make_units,
    percentile_interval,
)

__all__ = ["CI", "bootstrap_ci"]


@dataclass(frozen=True)
class CI:
    """A confidence interval around a point estimate.

    Attributes:
        low: lower end (NaN when undefined, i.e. fewer than two units).
        high: upper end (NaN when undefined).
        estimate: the statistic on the original data.
        method: how the interval was built, e.g. ``"percentile-bootstrap"`` or
            ``"cluster-percentile-bootstrap"``.
        n_resamples: number of bootstrap resamples ``B``.
        level: nominal coverage, e.g. 0.95.
        n_units: number of independent units resampled (queries, or clusters).
        statistic: ``"mean"`` or ``"median"``.
    """

    low: float
    high: float
    estimate: float
    method: str
    n_resamples: int
    level: float
    n_units: int
    statistic: str = "mean"

    @property
    def defined(self) -> bool:
        """Whether the interval has finite ends (``False`` when there was a single unit)."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def half_width(self) -> float:
        """``(high - low) / 2``."""
        return (self.high - self.low) / 2.0


def bootstrap_ci(
    values: npt.ArrayLike,
    *,
    clusters: npt.ArrayLike | None = None,
    statistic: Statistic = "mean",
    n_resamples: int = 1000,
    level: float = 0.95,
    seed_or_rng: int | np.integer | np.random.Generator = 0,
) -> CI:
    """Percentile-bootstrap confidence interval of the mean or median of per-query values.

    Algorithm (``B = n_resamples``, ``a = 1 - level``):

    1. Units: each query (``clusters=None``), or each distinct cluster label; ``G`` units.
    2. For ``b = 1..B`` draw ``G`` units uniformly with replacement, pool all their queries and
       compute ``theta*_b``. For the mean this is the ratio estimator
       ``theta*_b = sum_j S[u_j] / sum_j m[u_j]`` with ``S_u`` the sum and ``m_u`` the number of
       queries of unit ``u`` (identical to the plain resample mean when units are queries); for
       the median, ``numpy.median`` of the pooled queries.
    3. ``low, high`` = the ``a/2`` and ``1 - a/2`` quantiles of ``theta*_1..theta*_B``
       (``numpy.quantile``, linear interpolation). ``estimate`` = the statistic on all values.

    Resamples are drawn in blocks of bounded memory (at most 2**22 indices at a time); one seed
    gives bit-identical floats on every run, and the block size does not change them.

    Edge cases: no values raises :class:`ConfigError` (the statistic itself is undefined); a single
    unit (one query, or one cluster) carries no information about sampling variability, so the
    result has ``low = high = NaN`` (``CI.defined`` is ``False``) rather than a zero-width interval.

    Args:
        values: 1-D per-query outcomes (finite).
        clusters: optional 1-D labels, one per value; queries with equal labels form one unit.
        statistic: ``"mean"`` or ``"median"``.
        n_resamples: ``B >= 1``; use ``B >= 1000`` for reported intervals.
        level: confidence level in (0, 1).
        seed_or_rng: an int seed (``numpy.random.default_rng(seed)``) or a Generator, used as is.

    Returns:
        The :class:`CI`.

    Raises:
        ConfigError: bad parameters, non-finite values, mismatched ``clusters``, or no values.
    """
    arr = as_values(values)
    if statistic not in ("mean", "median"):
        raise ConfigError(f"statistic must be 'mean' or 'median', got {statistic!r}")
    n_resamples = check_resamples(n_resamples)
    level = check_level(level)
    rng = make_rng(seed_or_rng)
    units = make_units(arr, clusters)
    if arr.size == 0:
        raise ConfigError("cannot compute a confidence interval of zero values")
    estimate = float(np.mean(arr) if statistic == "mean" else np.median(arr))
    method = "cluster-percentile-bootstrap" if units.clustered else "percentile-bootstrap"
    low = high = math.nan
    if units.n_units >= 2:
        thetas = bootstrap_distribution(units, statistic, n_resamples, rng)
        low, high = percentile_interval(thetas, level)
    return CI(low, high, estimate, method, n_resamples, level, units.n_units, statistic)
