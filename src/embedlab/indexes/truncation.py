"""Matryoshka dimension for any index: keep the first ``dim`` dims, renormalise, then index.

``t_i = x_i / sqrt(sum_{j<dim} x_j^2)`` for ``i < dim`` (:func:`truncate_renormalize` of the
models layer), applied to the corpus before ``build`` and to the queries inside ``search``, so
the inner index (and its quantisation) only ever sees the truncated unit vectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import DataError
from embedlab.indexes._arrays import as_vectors
from embedlab.indexes.base import IndexConfig, Param, VectorIndex
from embedlab.models.matryoshka import truncate_renormalize


def truncate(vectors: NDArray[np.float32], dim: int, what: str) -> NDArray[np.float32]:
    """First ``dim`` columns of ``vectors``, rows renormalised (DataError if ``dim`` > D)."""
    x = as_vectors(vectors, what)
    if dim > x.shape[1]:
        raise DataError(f"{what} have dimension {x.shape[1]}, below the requested dim={dim}")
    return np.ascontiguousarray(truncate_renormalize(x, dim))


class TruncatedIndex:
    """``inner`` fed with vectors truncated to ``dim`` and renormalised (module docstring)."""

    def __init__(self, inner: VectorIndex, dim: int) -> None:
        self.inner = inner
        self.dim = dim

    @property
    def config(self) -> IndexConfig:
        return self.inner.config

    @property
    def ntotal(self) -> int:
        return self.inner.ntotal

    def build(self, vectors: NDArray[np.float32]) -> None:
        self.inner.build(truncate(vectors, self.dim, "index vectors"))

    def search(
        self, queries: NDArray[np.float32], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        return self.inner.search(truncate(queries, self.dim, "queries"), k)

    def set_search_params(self, params: Mapping[str, Param]) -> None:
        self.inner.set_search_params(params)

    def nbytes(self) -> int:
        return self.inner.nbytes()

    def nbytes_parts(self) -> dict[str, int]:
        return self.inner.nbytes_parts()

    def bytes_per_vector(self) -> float:
        return self.inner.bytes_per_vector()

    def save(self, folder: Path) -> list[Path]:
        return self.inner.save(folder)

    def describe(self) -> dict[str, str]:
        return {**self.inner.describe(), "matryoshka": f"first {self.dim} dims, renormalised"}

    def close(self) -> None:
        self.inner.close()
