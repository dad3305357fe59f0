"""Output parity of a runtime/precision against the fp32 reference: cosine of embeddings."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_TINY = 1e-12


def row_cosines(
    reference: NDArray[np.floating], other: NDArray[np.floating]
) -> NDArray[np.float64]:
    """Cosine similarity of each row of ``other`` with the same row of ``reference``.

    ``cos_i = <r_i, o_i> / (max(|r_i|, eps) * max(|o_i|, eps))`` in float64, so unnormalised
    inputs are fine; a zero row gives 0.

    Raises:
        ValueError: the arrays are not 2-D of the same shape.
    """
    ref, out = np.asarray(reference, np.float64), np.asarray(other, np.float64)
    if ref.ndim != 2 or ref.shape != out.shape:
        raise ValueError(
            f"parity needs two (N, D) arrays of one shape, got {ref.shape}, {out.shape}"
        )
    norms = np.maximum(np.linalg.norm(ref, axis=1), _TINY) * np.maximum(
        np.linalg.norm(out, axis=1), _TINY
    )
    cosines: NDArray[np.float64] = (ref * out).sum(axis=1) / norms
    return cosines


def parity(reference: NDArray[np.floating], other: NDArray[np.floating]) -> tuple[float, float]:
    """``(mean, min)`` over rows of the cosine between ``other`` and ``reference`` embeddings.

    ``reference`` is the torch fp32 output; 1.0 means identical directions. An empty batch
    gives ``(1.0, 1.0)`` (nothing differs).
    """
    cosines = row_cosines(reference, other)
    if cosines.size == 0:
        return 1.0, 1.0
    return float(cosines.mean()), float(cosines.min())
