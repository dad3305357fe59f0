"""Small numpy helpers shared by the model sources (no framework imports)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

_TINY = np.float32(1e-12)


def l2_normalize(vectors: ArrayLike) -> NDArray[np.float32]:
    """Rows scaled to unit L2 norm, as float32, shape ``(N, D)``.

    A zero row stays zero (its norm is clamped to 1e-12) and a row holding NaN stays NaN, so
    the engine's NaN check still sees it.
    """
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D array of embeddings, got shape {array.shape}")
    norms: NDArray[np.float32] = np.linalg.norm(array, axis=1, keepdims=True)
    unit: NDArray[np.float32] = (array / np.maximum(norms, _TINY)).astype(np.float32, copy=False)
    return unit
