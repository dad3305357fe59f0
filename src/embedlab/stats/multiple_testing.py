"""Multiple-comparison correction of p-values (several model pairs compared on one task)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from embedlab.errors import ConfigError

__all__ = ["holm"]


def holm(pvalues: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Holm–Bonferroni step-down adjusted p-values (family-wise error control).

    With the ``m`` p-values sorted ascending, ``p_(1) <= ... <= p_(m)``::

        adj_(i) = min(1, max_{j <= i} (m - j + 1) * p_(j))

    returned in the input order. Rejecting every hypothesis with ``adj <= alpha`` is Holm's
    procedure at level ``alpha``. The running maximum makes the adjusted values monotone in the
    raw ones; ties in the input keep the order of appearance (stable sort), which does not change
    the result. Equals ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]``.

    Args:
        pvalues: 1-D p-values in [0, 1] (an empty input gives an empty output).

    Returns:
        float64 array of adjusted p-values, same shape as the input.

    Raises:
        ConfigError: not 1-D, NaN, or a value outside [0, 1].
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ConfigError(f"pvalues must be a 1-D array, got shape {p.shape}")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ConfigError("pvalues must all lie in [0, 1] (no NaN)")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    stepped = np.minimum(1.0, np.maximum.accumulate(scaled))
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = stepped
    return adjusted
