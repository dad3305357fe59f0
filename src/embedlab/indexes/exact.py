"""``exact``: the reference neighbours, embedlab's own exact search over the stored vectors.

``s(q, x) = <q, x>`` in float32; per query the ``k`` best rows by score descending, then row
number ascending: :func:`embedlab.scoring.dense_topk.dense_topk` (the kernel the run's BEIR
scoring uses) with blocks of about :data:`BLOCK_MB` MB of scores, so no ``Q x N`` matrix is
ever held. Needs no faiss. Stores the float32 vectors: ``4 * D`` bytes per vector
(measured as the ``.npy`` it saves, header included). This is the ANN-recall reference; the
exact end-task baseline is the run's own scoring (see :mod:`embedlab.indexes.base`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.indexes._arrays import as_vectors, check_k, finish, npy_nbytes, save_npy
from embedlab.indexes._params import checked_search
from embedlab.indexes.base import (
    BackendDef,
    IndexConfig,
    IndexOptions,
    Param,
    register_backend,
)
from embedlab.scoring.dense_topk import dense_topk

BLOCK_MB = 64.0


class ExactIndex:
    """Exhaustive numpy search (module docstring)."""

    def __init__(self, config: IndexConfig, options: IndexOptions) -> None:
        self._config = config
        self._vectors: NDArray[np.float32] | None = None

    @property
    def config(self) -> IndexConfig:
        return self._config

    @property
    def ntotal(self) -> int:
        return 0 if self._vectors is None else len(self._vectors)

    def build(self, vectors: NDArray[np.float32]) -> None:
        self._vectors = as_vectors(vectors, "index vectors").copy()

    def search(
        self, queries: NDArray[np.float32], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        x = self._built()
        q = as_vectors(queries, "queries", x.shape[1])
        k = check_k(k)
        scores = np.full((len(q), k), -np.inf, dtype=np.float32)
        ids = np.full((len(q), k), -1, dtype=np.int64)
        if len(q):
            top = dense_topk(q, x, k, chunk_mb=BLOCK_MB)
            found = top.indices.shape[1]  # k capped at the corpus size
            scores[:, :found], ids[:, :found] = top.scores, top.indices
        return finish(scores, ids)

    def set_search_params(self, params: Mapping[str, Param]) -> None:
        checked_search(EXACT, params, "exact search parameters")  # none exist: refuses any

    def nbytes_parts(self) -> dict[str, int]:
        return {"float32 vectors": npy_nbytes(self._built())}

    def nbytes(self) -> int:
        return sum(self.nbytes_parts().values())

    def bytes_per_vector(self) -> float:
        return self.nbytes() / max(self.ntotal, 1)

    def save(self, folder: Path) -> list[Path]:
        return [save_npy(folder / "vectors.npy", self._built())]

    def describe(self) -> dict[str, str]:
        return {
            "library": f"numpy {np.__version__}",
            "metric": "inner product",
            "index": "exhaustive float32 GEMM, ties by row number",
        }

    def close(self) -> None:
        self._vectors = None

    def _built(self) -> NDArray[np.float32]:
        if self._vectors is None:
            raise RuntimeError("exact index used before build()")
        return self._vectors


EXACT = register_backend(
    BackendDef(
        name="exact",
        family="numpy",
        description="numpy float32 exhaustive search: the reference neighbours (no faiss needed)",
        params=(),
        factory=ExactIndex,
        estimate=lambda c, n, d: 4 * n * d + int(BLOCK_MB * 2**20) * 3,
    )
)
