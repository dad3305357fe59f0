"""LanceDB, an embedded vector database, behind the index contract: ``lancedb-flat``,
``lancedb-ivf-pq``, ``lancedb-hnsw-sq``.

The corpus is written as a Lance table ``vectors`` (``id`` int64, ``vector`` fixed-size list of
float32) under ``IndexOptions.folder`` (callers pass a folder under their ``--out``; default a
temporary directory removed by ``close``), an existing ``vectors`` table there is dropped first.
Every search uses ``distance_type("dot")``: LanceDB's dot distance is ``1 - <q, x>``, reported
back as the score ``<q, x>`` (float32 rounding of ``1 - d``). ``search`` sends the whole query
batch as one LanceDB query (rows come back with ``query_index``) and reorders them by (score
desc, id asc). Bytes: every file under the table folder (data, manifests, ``_indices``),
split into ``table data`` and ``vector index``.

- ``lancedb-flat``: no index; LanceDB scans every vector (brute force, float32).
- ``lancedb-ivf-pq``: ``IvfPq`` with ``num_partitions`` (default as faiss ``nlist``) and
  ``num_sub_vectors`` (must divide D; default as faiss ``pq_m``), 8-bit codes; search
  ``nprobes`` (sweep 1, 2, 4, ... partitions) and ``refine_factor`` (0 = none; else LanceDB
  re-ranks ``refine_factor * k`` candidates with the stored float vectors). Without refining,
  scores are PQ estimates (measured on 20k x 128 clustered vectors, 16 partitions all probed:
  recall@10 0.15 with 16 sub-vectors, 0.60 with ``refine_factor=10``; faiss ``ivf-pq`` with
  the same parameters: 0.17).
- ``lancedb-hnsw-sq``: ``HnswSq`` = IVF partitions, each an HNSW graph over 8-bit scalar codes;
  ``num_partitions`` (default 1 per million rows), ``m``, ``ef_construction``; search ``ef``.

What LanceDB needs: IVF k-means samples 256 rows per partition and PQ trains 256 centroids, so
``lancedb-ivf-pq`` and ``lancedb-hnsw-sq`` are refused below ``256 * num_partitions`` rows
(LanceDB itself would silently train fewer partitions or leave rows unindexed). Threads are
LanceDB's own pool (``LANCE_CPU_THREADS``, read when it starts); ``IndexOptions.threads`` does
not reach it. Multivector columns (late interaction) are for later: embedlab does not index
late-interaction models yet.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import make_staging_dir, publish_dir
from embedlab.errors import BackendError, ConfigError, MissingDependencyError
from embedlab.indexes._arrays import as_vectors, check_k, finish
from embedlab.indexes._params import checked_search, complete
from embedlab.indexes._sweeps import default_nlist, default_pq_m, powers_up_to
from embedlab.indexes.base import (
    INDEX_BACKENDS,
    BackendDef,
    IndexConfig,
    IndexOptions,
    ParamDef,
    no_limits,
    register_backend,
)

TABLE = "vectors"
#: LanceDB's k-means sample rate: rows per partition (and PQ centroids at 8 bits).
ROWS_PER_PARTITION = 256


def require_lancedb() -> ModuleType:
    """``import lancedb`` or :class:`MissingDependencyError` naming ``embedlab[index]``."""
    try:
        return importlib.import_module("lancedb")
    except ImportError as exc:
        raise MissingDependencyError("lancedb", extra="index", purpose="LanceDB indexes") from exc


class LanceIndex:
    """A Lance table searched through LanceDB (module docstring)."""

    def __init__(self, config: IndexConfig, options: IndexOptions) -> None:
        self._config = config
        self._own_folder = options.folder is None
        self._folder = options.folder or Path(tempfile.mkdtemp(prefix="embedlab-lancedb-"))
        self._table: Any = None
        self._n = self._dim = 0

    @property
    def config(self) -> IndexConfig:
        return self._config

    @property
    def ntotal(self) -> int:
        return self._n

    def build(self, vectors: NDArray[np.float32]) -> None:
        x = as_vectors(vectors, "index vectors")
        backend = INDEX_BACKENDS.get(self._config.backend)
        backend.validate(self._config, *x.shape)
        self._config = complete(backend, self._config, *x.shape)
        lancedb = require_lancedb()
        import pyarrow as pa

        self._folder.mkdir(parents=True, exist_ok=True)
        db = lancedb.connect(self._folder)
        if TABLE in db.list_tables().tables:
            db.drop_table(TABLE)
        column = pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), x.shape[1])
        ids = pa.array(np.arange(len(x), dtype=np.int64))
        table = db.create_table(TABLE, data=pa.table({"id": ids, "vector": column}))
        index = _index_config(self._config)
        if index is not None:
            table.create_index("vector", config=index)
            indexed = sum(int(i.num_indexed_rows) for i in table.list_indices())
            if indexed != len(x):
                raise BackendError(
                    f"LanceDB indexed {indexed} of {len(x)} rows for {self._config.label!r}"
                )
        self._table, self._n, self._dim = table, len(x), x.shape[1]

    def search(
        self, queries: NDArray[np.float32], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        table = self._built()
        q = as_vectors(queries, "queries", self._dim)
        k = check_k(k)
        query = table.search(q).distance_type("dot").limit(k).select(["id", "_distance"])
        params = self._config.search_params()
        if "nprobes" in params:
            query = query.nprobes(int(params["nprobes"]))
        if int(params.get("refine_factor", 0)) > 0:
            query = query.refine_factor(int(params["refine_factor"]))
        if "ef" in params:
            query = query.ef(int(params["ef"]))
        result = query.to_arrow()
        qi = result["query_index"].to_numpy() if len(q) > 1 else np.zeros(result.num_rows, int)
        return _arrange(qi, result["id"].to_numpy(), result["_distance"].to_numpy(), len(q), k)

    def set_search_params(self, params: Mapping[str, Any]) -> None:
        backend = INDEX_BACKENDS.get(self._config.backend)
        checked = checked_search(backend, params, f"{backend.name} search parameters")
        self._config = self._config.with_search({**self._config.search_params(), **checked})

    def nbytes_parts(self) -> dict[str, int]:
        root = self._folder / f"{TABLE}.lance"
        files = [p for p in root.rglob("*") if p.is_file()]
        index = sum(p.stat().st_size for p in files if "_indices" in p.relative_to(root).parts)
        return {"table data": sum(p.stat().st_size for p in files) - index, "vector index": index}

    def nbytes(self) -> int:
        return sum(self.nbytes_parts().values())

    def bytes_per_vector(self) -> float:
        return self.nbytes() / max(self.ntotal, 1)

    def save(self, folder: Path) -> list[Path]:
        self._built()
        source, target = self._folder / f"{TABLE}.lance", folder / f"{TABLE}.lance"
        if target.resolve() != source.resolve():
            staging = make_staging_dir(target)
            shutil.copytree(source, staging, dirs_exist_ok=True)
            publish_dir(staging, target)
        return sorted(p for p in target.rglob("*") if p.is_file())

    def describe(self) -> dict[str, str]:
        lancedb = require_lancedb()
        return {
            "library": f"lancedb {lancedb.__version__}",
            "metric": "dot (score = 1 - LanceDB distance)",
            "index": _index_name(self._config),
            "folder": str(self._folder),
        }

    def close(self) -> None:
        self._table = None
        if self._own_folder:
            shutil.rmtree(self._folder, ignore_errors=True)

    def _built(self) -> Any:
        if self._table is None:
            raise RuntimeError(f"index {self._config.label!r} is used before build()")
        return self._table


def _arrange(
    qi: NDArray[Any], ids: NDArray[Any], dist: NDArray[Any], nq: int, k: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Rows ``(query_index, id, distance)`` → ``(nq, k)`` arrays by (score desc, id asc)."""
    scores = np.full((nq, k), -np.inf, np.float32)
    out = np.full((nq, k), -1, np.int64)
    score = (1.0 - dist.astype(np.float64)).astype(np.float32)
    order = np.lexsort((ids, -score, qi))
    qi, ids, score = qi[order], ids[order], score[order]
    starts = np.searchsorted(qi, np.arange(nq))
    rank = np.arange(len(qi)) - starts[qi]
    keep = rank < k
    scores[qi[keep], rank[keep]] = score[keep]
    out[qi[keep], rank[keep]] = ids[keep]
    return finish(scores, out)


def _index_config(config: IndexConfig) -> Any:
    b = config.build_params()
    if config.backend == "lancedb-flat":
        return None
    from lancedb.index import HnswSq, IvfPq

    if config.backend == "lancedb-ivf-pq":
        return IvfPq(
            distance_type="dot",
            num_partitions=int(b["num_partitions"]),
            num_sub_vectors=int(b["num_sub_vectors"]),
        )
    return HnswSq(
        distance_type="dot",
        num_partitions=int(b["num_partitions"]),
        m=int(b["m"]),
        ef_construction=int(b["ef_construction"]),
    )


def _index_name(config: IndexConfig) -> str:
    names = {"lancedb-flat": "none (brute force)", "lancedb-ivf-pq": "IVF_PQ"}
    return names.get(config.backend, "IVF_HNSW_SQ")


def _validate(config: IndexConfig, n: int, d: int) -> None:
    b = config.build_params()
    parts = int(b.get("num_partitions", 1))
    if n < ROWS_PER_PARTITION * parts:
        raise ConfigError(
            f"{config.backend} with num_partitions={parts} needs at least "
            f"{ROWS_PER_PARTITION * parts:,} vectors (LanceDB samples 256 per partition), the "
            f"corpus has {n:,}; lower num_partitions or use lancedb-flat"
        )
    sub = int(b.get("num_sub_vectors", 1))
    if d % sub:
        raise ConfigError(f"{config.backend} num_sub_vectors={sub} must divide the dimension {d}")
    nprobes = config.search_params().get("nprobes")
    if nprobes is not None and int(nprobes) > parts:
        raise ConfigError(f"nprobes={nprobes} exceeds num_partitions={parts}")


def _partitions(n: int) -> int:
    """faiss's default ``nlist``, halved until each partition has 256 rows to sample."""
    parts = default_nlist(n)
    while parts > 1 and parts * ROWS_PER_PARTITION > n:
        parts //= 2
    return parts


def _estimate(config: IndexConfig, n: int, d: int) -> int:
    return 2 * 4 * n * d + 16 * n


PARTITIONS = ParamDef(
    "num_partitions", "build", "int", "parts", lambda n, d: (_partitions(n),),
    aliases=("nlist",), doc="IVF partitions",
)  # fmt: skip
NPROBES = ParamDef(
    "nprobes", "search", "int", "nprobes", lambda n, d: powers_up_to(_partitions(n)),
    default_for_build=lambda b, n, d: powers_up_to(int(b["num_partitions"])),
    aliases=("nprobe",), doc="partitions searched per query",
)  # fmt: skip


def _register(name: str, description: str, params: tuple[ParamDef, ...]) -> None:
    check = _validate if params else no_limits  # lancedb-flat trains nothing
    register_backend(BackendDef(name, "lancedb", description, params, LanceIndex, _estimate, check))


_register("lancedb-flat", "LanceDB table, brute-force dot search (no index)", ())
_register(
    "lancedb-ivf-pq",
    "LanceDB IVF_PQ index (8-bit PQ codes), dot; nprobes sweep",
    (
        PARTITIONS,
        ParamDef(
            "num_sub_vectors", "build", "int", "subvec", lambda n, d: (default_pq_m(d),),
            aliases=("pq_m", "m"), doc="PQ sub-vectors (must divide D)",
        ),
        NPROBES,
        ParamDef(
            "refine_factor", "search", "int", "refine", lambda n, d: (0,), minimum=0,
            aliases=("refine",), doc="re-rank refine_factor * k with float vectors (0: off)",
        ),
    ),
)  # fmt: skip
_register(
    "lancedb-hnsw-sq",
    "LanceDB IVF_HNSW_SQ index (HNSW over 8-bit scalar codes), dot; ef sweep",
    (
        ParamDef(
            "num_partitions", "build", "int", "parts",
            lambda n, d: (max(1, round(n / 1_000_000)),), aliases=("nlist",),
            doc="IVF partitions, one HNSW graph each",
        ),
        ParamDef("m", "build", "int", "m", lambda n, d: (20,), minimum=2, aliases=("M",)),
        ParamDef("ef_construction", "build", "int", "efC", lambda n, d: (300,), aliases=("efC",)),
        ParamDef(
            "ef", "search", "int", "ef", lambda n, d: (16, 32, 64, 128, 256),
            aliases=("ef_search", "efS"), doc="candidate list size while searching",
        ),
    ),
)  # fmt: skip
