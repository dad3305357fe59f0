"""Aggregating per-item pair-choice outcomes: pooled and macro (mean over groups) accuracy.

* pooled accuracy = ``mean_i x_i`` over all items (``x_i`` in {0, 1});
* macro accuracy = ``(1/G) sum_g mean_{i in g} x_i`` over the G groups (SugarCrepe subsets, ARO
  relation types or attribute pairs) that have at least ``min_count`` items.

Macro accuracy is written as a plain mean so that the generic bootstrap applies: with the kept
items only (N' of them) and ``n_g`` items in group g, the per-item values are
``y_i = x_i * N' / (G * n_{g(i)})`` and ``mean_i y_i`` equals the macro accuracy exactly. The
bootstrap then treats the weights as fixed (group sizes as part of the design), which is slightly
conservative compared with a stratified bootstrap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import DataError
from embedlab.metrics.table import METRICS, Columns, MetricDef, PerQuery

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MacroMean:
    """Macro accuracy over groups, as a plain mean of reweighted per-item values.

    Attributes:
        value: the macro mean ``(1/G) sum_g mean_{i in g} x_i``.
        per_query: ``y_i = x_i * N' / (G * n_g(i))`` for the kept items (``mean(y) == value``).
        weights: ``N' / (G * n_g(i))`` for the kept items.
        kept: indices (into the input) of the items whose group has at least ``min_count`` items.
        groups: the kept group names, sorted.
    """

    value: float
    per_query: FloatArray
    weights: FloatArray
    kept: NDArray[np.int64]
    groups: list[str]


def macro_mean(values: FloatArray, groups: Sequence[str], min_count: int = 1) -> MacroMean:
    """Mean over groups of the per-group mean of ``values`` (see the module docstring).

    Args:
        values: per-item outcomes ``x_i``.
        groups: the group of each item.
        min_count: groups with fewer items are left out (ARO VG-Attribution uses 25).

    Raises:
        DataError: lengths differ, or no group has ``min_count`` items.
    """
    x = np.asarray(values, dtype=np.float64)
    if len(x) != len(groups):
        raise DataError(f"{len(x)} outcomes but {len(groups)} group labels")
    names, inverse, counts = np.unique(
        np.asarray(groups, dtype=str), return_inverse=True, return_counts=True
    )
    keep_group = counts >= min_count
    if not keep_group.any():
        largest = int(counts.max()) if len(counts) else 0
        raise DataError(f"no group has at least {min_count} items (the largest has {largest})")
    kept = np.flatnonzero(keep_group[inverse]).astype(np.int64)
    n_groups = int(keep_group.sum())
    weights = len(kept) / (n_groups * counts[inverse[kept]].astype(np.float64))
    sums = np.bincount(inverse, weights=x, minlength=len(names))
    value = float(np.mean(sums[keep_group] / counts[keep_group]))
    return MacroMean(value, x[kept] * weights, weights, kept, [str(g) for g in names[keep_group]])


def group_means(values: FloatArray, groups: Sequence[str]) -> dict[str, tuple[float, int]]:
    """``{group: (mean of values, count)}`` for every group, in sorted order."""
    x = np.asarray(values, dtype=np.float64)
    names, inverse, counts = np.unique(
        np.asarray(groups, dtype=str), return_inverse=True, return_counts=True
    )
    sums = np.bincount(inverse, weights=x, minlength=len(names))
    return {str(g): (float(s / n), int(n)) for g, s, n in zip(names, sums, counts, strict=True)}


def _accuracy(columns: Columns, k: int | None) -> FloatArray:
    """Per-item correctness, times the macro weight when the table has one (``mean`` = macro)."""
    correct = np.asarray(columns["correct"], dtype=np.float64)
    if "weight" in columns:
        return correct * np.asarray(columns["weight"], dtype=np.float64)
    return correct


def _score(name: str) -> PerQuery:
    def read(columns: Columns, k: int | None) -> FloatArray:
        return np.asarray(columns[name]).astype(np.float64)

    return read


METRICS.register(
    MetricDef(
        name="accuracy",
        needs=("correct",),
        per_query=_accuracy,
        formula="pooled: mean_i x_i; macro: (1/G) sum_g mean_{i in g} x_i (weighted items)",
    )
)
for _name, _formula in (
    ("text_score", "s(c0,i0) > s(c1,i0) and s(c1,i1) > s(c0,i1) (strict)"),
    ("image_score", "s(c0,i0) > s(c0,i1) and s(c1,i1) > s(c1,i0) (strict)"),
    ("group_score", "text_score and image_score"),
):
    METRICS.register(
        MetricDef(name=_name, needs=(_name,), per_query=_score(_name), formula=_formula)
    )
