"""``hnsw``: faiss ``IndexHNSWFlat`` with the inner-product metric (graph over float32 vectors).

Build: ``M`` (neighbours per node, 2M on the bottom layer; default 32), ``ef_construction``
(default 200). Search: ``ef_search`` (default sweep 16, 32, 64, 128, 256; set on the built
graph, no rebuild). Stores ``4 * D`` bytes plus about ``2 * M * 4`` bytes of int32 links per
vector (upper layers add ~1/M of that). ``search`` is a best-first graph walk per query
(queries of a batch run in parallel over faiss's OpenMP threads).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from embedlab.indexes._faiss import FaissIndex, Recipe
from embedlab.indexes.base import (
    BackendDef,
    IndexConfig,
    Param,
    ParamDef,
    register_backend,
)

EF_SEARCH_SWEEP = (16, 32, 64, 128, 256)


def _make(faiss: ModuleType, config: IndexConfig, d: int) -> Any:
    build = config.build_params()
    index = faiss.IndexHNSWFlat(d, int(build["M"]), faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = int(build["ef_construction"])
    return index


def _apply(index: Any, params: Mapping[str, Param]) -> None:
    index.hnsw.efSearch = int(params["ef_search"])


RECIPE = Recipe(_make, lambda c: 0, _apply, "IndexHNSWFlat (graph, float32, inner product)")


def _estimate(config: IndexConfig, n: int, d: int) -> int:
    m = int(config.build_params().get("M", 32))
    return n * (4 * d + 4 * 2 * m + 4 * m // 2 + 16)


register_backend(
    BackendDef(
        name="hnsw",
        family="faiss",
        description="faiss HNSW graph (IndexHNSWFlat), inner product; efSearch sweep",
        params=(
            ParamDef("M", "build", "int", "M", lambda n, d: (32,), minimum=2, doc="links/node"),
            ParamDef(
                "ef_construction", "build", "int", "efC", lambda n, d: (200,),
                aliases=("efC", "efConstruction"), doc="candidate list size while building",
            ),
            ParamDef(
                "ef_search", "search", "int", "efS", lambda n, d: EF_SEARCH_SWEEP,
                aliases=("efS", "efSearch", "ef"), doc="candidate list size while searching",
            ),
        ),
        factory=lambda config, options: FaissIndex(config, options, RECIPE),
        estimate=_estimate,
    )
)
