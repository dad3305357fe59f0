"""``sq8``: faiss ``IndexScalarQuantizer`` with ``QT_8bit``, inner product on decoded vectors.

Each dimension j gets a range ``[min_j, max_j]`` from a calibration sample (a seeded sample of
at most ``int8.CALIBRATION_ROWS`` = 100,000 corpus rows); a value is coded as
``round(255 * clip((x - min_j) / (max_j - min_j), 0, 1))`` — faiss clips before casting, so a
value outside the calibration range saturates instead of wrapping around (PROTOCOLS.md).
Stores ``D`` bytes per vector plus ``2 * 4 * D`` bytes of ranges. ``search`` is exhaustive:
the float query against every decoded code.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from embedlab.indexes._faiss import FaissIndex, Recipe, no_search_params
from embedlab.indexes.base import BackendDef, IndexConfig, register_backend
from embedlab.indexes.int8 import CALIBRATION_ROWS


def _make(faiss: ModuleType, config: IndexConfig, d: int) -> Any:
    qtype = faiss.ScalarQuantizer.QT_8bit
    return faiss.IndexScalarQuantizer(d, qtype, faiss.METRIC_INNER_PRODUCT)


RECIPE = Recipe(
    _make, lambda c: CALIBRATION_ROWS, no_search_params, "IndexScalarQuantizer QT_8bit"
)

register_backend(
    BackendDef(
        name="sq8",
        family="faiss",
        description="faiss scalar quantizer, 8 bits per dimension (per-dim min/max), exhaustive",
        params=(),
        factory=lambda c, o: FaissIndex(c, o, RECIPE),
        estimate=lambda c, n, d: n * d + 8 * d + 4 * d * min(n, CALIBRATION_ROWS),
    )
)
