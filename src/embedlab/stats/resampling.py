"""Resampling engine shared by bootstrap CIs and paired tests: units, blocks, statistics.

A *unit* is what is independent: a query (``clusters=None``) or a cluster of queries (e.g. the
captions of one COCO image). :class:`Units` holds per-unit sums and counts, so that the mean of a
resample that draws units ``u_1..u_G`` with replacement and pools their queries is the ratio
estimator ``sum_j S[u_j] / sum_j m[u_j]`` (``S`` = sum of values in a unit, ``m`` = its size).

Resamples are drawn in blocks of at most ``BLOCK_ELEMENTS`` indices (bounded memory: 2**22
int32 indices plus one float64 gather per block). Indices are drawn as int32 from the Generator,
whose stream does not depend on how the draws are split into blocks, and the reductions are
fixed numpy reductions; so a fixed seed gives bit-identical floats on every run (same numpy and
platform), whatever ``BLOCK_ELEMENTS`` is (tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from embedlab.errors import ConfigError

Statistic = Literal["mean", "median"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BLOCK_ELEMENTS = 1 << 22
"""Upper bound on the indices materialised per block (16 MB as int32)."""


@dataclass(frozen=True)
class Units:
    """Values grouped by independent unit.

    Attributes:
        values: the per-query values, reordered so that each unit's queries are contiguous
            (units in sorted label order).
        counts: number of queries ``m_u`` per unit.
        sums: ``S_u``, the sum of the values of each unit.
        clustered: whether units are clusters (``False``: one unit per query).
    """

    values: FloatArray
    counts: IntArray
    sums: FloatArray
    clustered: bool

    @property
    def n_units(self) -> int:
        """Number of independent units ``G``."""
        return int(self.counts.shape[0])


def as_values(values: npt.ArrayLike, name: str = "values") -> FloatArray:
    """Return ``values`` as a finite 1-D float64 array, or raise :class:`ConfigError`."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ConfigError(
            f"{name} must be a 1-D array of per-query outcomes, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ConfigError(f"{name} contains NaN or infinite values; outcomes must be finite")
    return arr


def make_units(values: FloatArray, clusters: npt.ArrayLike | None) -> Units:
    """Group ``values`` by cluster label (any sortable labels); ``None`` = one unit per query."""
    n = values.shape[0]
    if clusters is None:
        ones = np.ones(n, dtype=np.int64)
        return Units(values, ones, values, clustered=False)
    labels = np.asarray(clusters)
    if labels.shape != (n,):
        raise ConfigError(f"clusters must have one label per value: shape {labels.shape} != ({n},)")
    _, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse).astype(np.int64)
    sums = np.bincount(inverse, weights=values).astype(np.float64)
    return Units(values[order], counts, sums, clustered=True)


def make_rng(seed_or_rng: int | np.integer | np.random.Generator) -> np.random.Generator:
    """Return the Generator itself, or ``numpy.random.default_rng(seed)`` for an int seed."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if isinstance(seed_or_rng, (int, np.integer)) and not isinstance(seed_or_rng, bool):
        if seed_or_rng < 0:
            raise ConfigError(f"seed must be >= 0, got {seed_or_rng}")
        return np.random.default_rng(int(seed_or_rng))
    raise ConfigError(
        f"seed_or_rng must be an int seed or numpy.random.Generator, got "
        f"{type(seed_or_rng).__name__}"
    )


def check_resamples(n_resamples: int) -> int:
    """Validate the number of resamples ``B >= 1``."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise ConfigError(f"n_resamples must be an int, got {type(n_resamples).__name__}")
    if n_resamples < 1:
        raise ConfigError(f"n_resamples must be >= 1, got {n_resamples}")
    return int(n_resamples)


def block_rows(width: int, n_resamples: int) -> list[int]:
    """Split ``n_resamples`` rows of ``width`` indices into blocks of <= BLOCK_ELEMENTS."""
    rows = max(1, BLOCK_ELEMENTS // max(width, 1))
    return [min(rows, n_resamples - s) for s in range(0, n_resamples, rows)]


def bootstrap_distribution(
    units: Units, statistic: Statistic, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Statistic of ``B`` resamples that draw ``G`` units with replacement and pool their queries.

    Mean: ``sum_j S[u_j] / sum_j m[u_j]`` (ratio estimator; equals the plain mean when every unit
    is one query). Median: ``numpy.median`` of the pooled queries of the drawn units.
    """
    g = units.n_units
    pooled = statistic == "median" and units.clustered
    width = units.values.shape[0] if pooled else g
    out = np.empty(n_resamples, dtype=np.float64)
    done = 0
    for rows in block_rows(width, n_resamples):
        drawn = rng.integers(0, g, size=(rows, g), dtype=np.int32)
        if statistic == "mean":
            out[done : done + rows] = _block_mean(units, drawn)
        elif pooled:
            out[done : done + rows] = _pooled_median(units, drawn)
        else:
            out[done : done + rows] = np.median(units.values[drawn], axis=1)
        done += rows
    return out


def _block_mean(units: Units, drawn: npt.NDArray[np.int32]) -> FloatArray:
    """Ratio estimator per row: drawn unit sums over drawn unit sizes."""
    if not units.clustered:
        return np.asarray(units.values[drawn].mean(axis=1), dtype=np.float64)
    return np.asarray(units.sums[drawn].sum(axis=1) / units.counts[drawn].sum(axis=1))


def _pooled_median(units: Units, drawn: npt.NDArray[np.int32]) -> FloatArray:
    """Median of the pooled queries of the drawn clusters per row, without materialising them.

    Each query appears in a resample as often as its cluster was drawn (weight ``w_q``). Walking
    the queries in ascending value order, the pooled multiset's element at 0-based position
    ``k`` is the first query whose cumulative weight exceeds ``k``; the median averages positions
    ``(N-1)//2`` and ``N//2`` of the ``N`` pooled queries (as ``numpy.median`` does).
    """
    rows, g = drawn.shape
    order = np.argsort(units.values, kind="stable")
    unit_of = np.repeat(np.arange(g), units.counts)[order]
    offsets = (np.arange(rows, dtype=np.int64) * g)[:, None]
    draws = np.bincount((drawn + offsets).ravel(), minlength=rows * g).reshape(rows, g)
    cum = np.cumsum(draws.astype(np.int32)[:, unit_of], axis=1, dtype=np.int32)
    total = cum[:, -1]
    lo = np.count_nonzero(cum <= ((total - 1) // 2)[:, None], axis=1)
    hi = np.count_nonzero(cum <= (total // 2)[:, None], axis=1)
    ordered = units.values[order]
    return np.asarray((ordered[lo] + ordered[hi]) / 2.0, dtype=np.float64)


def sign_flip_distribution(
    unit_sums: FloatArray, n_resamples: int, rng: np.random.Generator
) -> FloatArray:
    """``B`` draws of ``T* = sum_u s_u D_u`` with independent signs ``s_u = +-1`` (prob. 1/2)."""
    g = unit_sums.shape[0]
    out = np.empty(n_resamples, dtype=np.float64)
    done = 0
    for rows in block_rows(g, n_resamples):
        flips = rng.integers(0, 2, size=(rows, g), dtype=np.int32).astype(bool)
        out[done : done + rows] = np.where(flips, -unit_sums, unit_sums).sum(axis=1)
        done += rows
    return out


def percentile_interval(samples: FloatArray, level: float) -> tuple[float, float]:
    """``(q_{a/2}, q_{1-a/2})`` of ``samples`` with ``a = 1 - level`` (numpy 'linear' quantiles)."""
    alpha = 1.0 - level
    low, high = np.quantile(samples, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def check_level(level: float) -> float:
    """Validate a confidence level in the open interval (0, 1)."""
    if not isinstance(level, (float, int, np.floating)) or not 0.0 < float(level) < 1.0:
        raise ConfigError(f"level must be a number in (0, 1), e.g. 0.95; got {level!r}")
    return float(level)
