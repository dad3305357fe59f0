"""``flat``: faiss ``IndexFlatIP``, exhaustive inner-product search over the float32 vectors.

Stores ``4 * D`` bytes per vector (plus a fixed header of tens of bytes); no parameters.
``search`` is one BLAS GEMM pass over the corpus with faiss's top-k heaps.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from embedlab.indexes._faiss import FaissIndex, Recipe, no_search_params
from embedlab.indexes.base import BackendDef, IndexConfig, IndexOptions, register_backend


def _make(faiss: ModuleType, config: IndexConfig, d: int) -> Any:
    return faiss.IndexFlatIP(d)


RECIPE = Recipe(_make, lambda c: 0, no_search_params, "IndexFlatIP (exhaustive, float32)")


def _estimate(config: IndexConfig, n: int, d: int) -> int:
    return 4 * n * d


def _factory(config: IndexConfig, options: IndexOptions) -> FaissIndex:
    return FaissIndex(config, options, RECIPE)


register_backend(
    BackendDef(
        name="flat",
        family="faiss",
        description="faiss IndexFlatIP: exhaustive float32 inner product",
        params=(),
        factory=_factory,
        estimate=_estimate,
    )
)
