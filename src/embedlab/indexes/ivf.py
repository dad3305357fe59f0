"""``ivf-flat`` and ``ivf-pq``: faiss inverted-file indexes, inner product.

Both cluster the corpus into ``nlist`` cells by k-means (faiss, trained on a seeded sample of at
most ``256 * nlist`` rows of the corpus itself) and search the ``nprobe`` cells whose centroids
score highest (default sweep 1, 2, 4, ... ``nlist``; ``nprobe = nlist`` scans every cell).

- ``ivf-flat`` stores the float32 vectors in the cells: ``4 * D + 8`` bytes per vector (the 8:
  an int64 id per entry) plus ``4 * D * nlist`` for the centroids.
- ``ivf-pq`` stores product-quantisation codes of the residuals (vector minus its centroid):
  ``pq_m`` sub-quantizers of ``nbits`` bits, ``pq_m * nbits / 8 + 8`` bytes per vector, plus the
  centroids and ``pq_m`` codebooks of ``2**nbits`` entries. Scores are approximate inner
  products from the codes (no rescoring).

Training needs rows: the minimum is ``39 * nlist`` (faiss's own floor of 39 points per centroid)
and, for PQ, ``39 * 2**nbits``; smaller corpora are refused naming the minimum. ``pq_m`` must
divide the dimension.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from embedlab.errors import ConfigError
from embedlab.indexes._faiss import FaissIndex, Recipe
from embedlab.indexes._sweeps import (
    POINTS_PER_CENTROID,
    default_nbits,
    default_nlist,
    default_pq_m,
    powers_up_to,
)
from embedlab.indexes.base import BackendDef, IndexConfig, Param, ParamDef, register_backend

#: Training rows per centroid beyond which faiss's k-means subsamples anyway.
TRAIN_ROWS_PER_CENTROID = 256


def _nlist(config: IndexConfig) -> int:
    return int(config.build_params()["nlist"])


def _make_flat(faiss: ModuleType, config: IndexConfig, d: int) -> Any:
    return faiss.index_factory(d, f"IVF{_nlist(config)},Flat", faiss.METRIC_INNER_PRODUCT)


def _make_pq(faiss: ModuleType, config: IndexConfig, d: int) -> Any:
    b = config.build_params()
    spec = f"IVF{_nlist(config)},PQ{int(b['pq_m'])}x{int(b['nbits'])}"
    index = faiss.index_factory(d, spec, faiss.METRIC_INNER_PRODUCT)
    index.do_polysemous_training = False  # the factory's default; 8x slower, unused by search
    return index


def _apply(index: Any, params: Mapping[str, Param]) -> None:
    index.nprobe = min(int(params["nprobe"]), int(index.nlist))


def _train_rows(config: IndexConfig) -> int:
    b = config.build_params()
    centroids = max(_nlist(config), 1 << int(b.get("nbits", 0)))
    return TRAIN_ROWS_PER_CENTROID * centroids


def _validate(config: IndexConfig, n: int, d: int) -> None:
    b = config.build_params()
    nlist = int(b.get("nlist", default_nlist(n)))
    need = POINTS_PER_CENTROID * nlist
    if "nbits" in b:
        need = max(need, POINTS_PER_CENTROID << int(b["nbits"]))
    if n < need:
        raise ConfigError(
            f"{config.backend} with nlist={nlist}{_nbits(b)} needs at least {need:,} vectors to "
            f"train (39 per centroid), the corpus has {n:,}; lower nlist (max "
            f"{max(1, n // POINTS_PER_CENTROID)}) or use flat/hnsw"
        )
    m = int(b.get("pq_m", 1))
    if d % m:
        raise ConfigError(f"ivf-pq pq_m={m} must divide the dimension {d}")
    nprobe = config.search_params().get("nprobe")
    if nprobe is not None and int(nprobe) > nlist:
        raise ConfigError(f"nprobe={nprobe} exceeds nlist={nlist}")


def _nbits(build: Mapping[str, Param]) -> str:
    return f", nbits={build['nbits']}" if "nbits" in build else ""


def _estimate_flat(config: IndexConfig, n: int, d: int) -> int:
    nlist = int(config.build_params().get("nlist", default_nlist(n)))
    return n * (4 * d + 8) + 4 * d * nlist + 4 * d * min(n, TRAIN_ROWS_PER_CENTROID * nlist)


def _estimate_pq(config: IndexConfig, n: int, d: int) -> int:
    b = config.build_params()
    nlist = int(b.get("nlist", default_nlist(n)))
    m, nbits = int(b.get("pq_m", default_pq_m(d))), int(b.get("nbits", default_nbits(n)))
    codebooks = 4 * d << nbits
    train = 4 * d * min(n, TRAIN_ROWS_PER_CENTROID * max(nlist, 1 << nbits))
    return n * (m * nbits // 8 + 8) + 4 * d * nlist + codebooks + 2 * train


NLIST = ParamDef(
    "nlist", "build", "int", "nlist", lambda n, d: (default_nlist(n),), doc="k-means cells"
)
NPROBE = ParamDef(
    "nprobe", "search", "int", "nprobe",
    lambda n, d: powers_up_to(default_nlist(n)),
    default_for_build=lambda b, n, d: powers_up_to(int(b["nlist"])),
    doc="cells searched per query",
)  # fmt: skip

register_backend(
    BackendDef(
        name="ivf-flat",
        family="faiss",
        description="faiss IVF with float32 cells (IVF{nlist},Flat); nprobe sweep",
        params=(NLIST, NPROBE),
        factory=lambda c, o: FaissIndex(c, o, Recipe(_make_flat, _train_rows, _apply, "IVF,Flat")),
        estimate=_estimate_flat,
        validate=_validate,
    )
)
register_backend(
    BackendDef(
        name="ivf-pq",
        family="faiss",
        description="faiss IVF with product-quantised residuals (IVF{nlist},PQ{m}x{nbits})",
        params=(
            NLIST,
            ParamDef(
                "pq_m", "build", "int", "m", lambda n, d: (default_pq_m(d),),
                aliases=("m",), doc="PQ sub-quantizers (bytes per code at nbits=8)",
            ),
            ParamDef(
                "nbits", "build", "int", "nbits", lambda n, d: (default_nbits(n),),
                doc="bits per sub-quantizer code",
            ),
            NPROBE,
        ),
        factory=lambda c, o: FaissIndex(c, o, Recipe(_make_pq, _train_rows, _apply, "IVF,PQ")),
        estimate=_estimate_pq,
        validate=_validate,
    )
)
