"""``binary`` and ``binary-rescore``: sign bits, Hamming search, optional rescoring.

Codes: bit j of a vector is 1 where ``x_j > 0`` (0 for ``x_j <= 0``), packed 8 per byte
(``np.packbits``; a dimension that is not a multiple of 8 is padded with 0 bits, equal for every
vector, so the padding never adds Hamming distance). The first stage is faiss
``IndexBinaryFlat`` (exhaustive Hamming search, popcount).

- ``binary`` score: ``D - 2 * hamming(q, x)``: the dot product of the ±1 sign vectors, a
  monotone stand-in for the inner product (documented exception to the score convention).
- ``binary-rescore``: take the ``ceil(R * k)`` nearest codes (capped at ``N``), then rescore
  them with the float query against the stored vectors: float32 (``rescore=float``) or 8-bit
  codes decoded per dimension (``rescore=int8``, :mod:`embedlab.indexes.int8`, calibrated on a
  seeded sample, clipped before casting), and keep the best ``k`` by (score desc, id asc).
  With ``R * k >= N`` and float rescoring this is exact search.

Bytes per vector: ``ceil(D / 8)`` for the codes (+ ``4 * D`` float or ``D`` int8 rescoring
vectors), each part measured from its serialised form (faiss header / ``.npy`` header extra).
``search`` = sign + pack of the queries, Hamming search, gather + rescoring in query blocks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.indexes._arrays import (
    as_vectors,
    check_k,
    finish,
    npy_nbytes,
    save_npy,
    seeded_rows,
)
from embedlab.indexes._faiss import require_faiss, save_index, serialized_size
from embedlab.indexes._params import checked_search, complete
from embedlab.indexes.base import (
    INDEX_BACKENDS,
    BackendDef,
    IndexConfig,
    IndexOptions,
    Param,
    ParamDef,
    register_backend,
)
from embedlab.indexes.int8 import CALIBRATION_ROWS, Int8Codec
from embedlab.scoring.topk_order import best_k

RESCORE_SWEEP = (1, 4, 10, 50)
#: Floats gathered per rescoring block (query block x candidates x D), about 64 MB.
GATHER_FLOATS = 16 * 2**20


def sign_bits(x: NDArray[np.float32]) -> NDArray[np.uint8]:
    """Packed sign bits ``(N, ceil(D / 8))`` (module docstring)."""
    return np.packbits(x > 0, axis=1)


class BinaryIndex:
    """Binary codes in faiss ``IndexBinaryFlat``, with optional rescoring vectors."""

    def __init__(self, config: IndexConfig, options: IndexOptions) -> None:
        self._config = config
        self._seed = options.seed
        self._codes: Any = None
        self._dim = 0
        self._floats: NDArray[np.float32] | None = None
        self._int8: tuple[Int8Codec, NDArray[np.uint8]] | None = None

    @property
    def config(self) -> IndexConfig:
        return self._config

    @property
    def ntotal(self) -> int:
        return 0 if self._codes is None else int(self._codes.ntotal)

    def build(self, vectors: NDArray[np.float32]) -> None:
        x = as_vectors(vectors, "index vectors")
        backend = INDEX_BACKENDS.get(self._config.backend)
        self._config = complete(backend, self._config, *x.shape)
        faiss = require_faiss()
        codes = sign_bits(x)
        index = faiss.IndexBinaryFlat(8 * codes.shape[1])
        index.add(codes)
        self._codes, self._dim = index, x.shape[1]
        mode = self._config.build_params().get("rescore")
        self._floats = x.copy() if mode == "float" else None
        if mode == "int8":
            codec = Int8Codec.calibrate(x[seeded_rows(len(x), CALIBRATION_ROWS, self._seed)])
            self._int8 = (codec, codec.encode(x))

    def search(
        self, queries: NDArray[np.float32], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        index = self._built()
        q = as_vectors(queries, "queries", self._dim)
        k = check_k(k)
        if self._floats is None and self._int8 is None:
            ham, ids = index.search(sign_bits(q), k)
            return finish(self._dim - 2 * ham.astype(np.float32), ids)
        r = float(self._config.search_params()["R"])
        candidates = min(self.ntotal, math.ceil(r * k))
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids = np.full((len(q), k), -1, np.int64)
        outer = max(1, GATHER_FLOATS // candidates)  # queries per Hamming search (ids: 128 MB)
        inner = max(1, GATHER_FLOATS // (candidates * self._dim))  # queries per gather (64 MB)
        for lo in range(0, len(q), outer):
            cand_all = index.search(sign_bits(q[lo : lo + outer]), candidates)[1].astype(np.int64)
            for sub in range(0, len(cand_all), inner):
                at, cand = lo + sub, cand_all[sub : sub + inner]
                s = np.einsum("qd,qcd->qc", q[at : at + len(cand)], self._gather(cand))
                best_s, best_i = best_k(s.astype(np.float32), cand, min(k, candidates))
                scores[at : at + len(cand), : best_s.shape[1]] = best_s
                ids[at : at + len(cand), : best_i.shape[1]] = best_i
        return finish(scores, ids)

    def _gather(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        if self._floats is not None:
            return self._floats[ids]
        assert self._int8 is not None
        codec, codes = self._int8
        return codec.decode(codes[ids])

    def set_search_params(self, params: Mapping[str, Param]) -> None:
        backend = INDEX_BACKENDS.get(self._config.backend)
        checked = checked_search(backend, params, f"{backend.name} search parameters")
        self._config = self._config.with_search({**self._config.search_params(), **checked})

    def nbytes_parts(self) -> dict[str, int]:
        parts = {"binary codes": serialized_size(self._built(), binary=True)}
        if self._floats is not None:
            parts["rescore float32"] = npy_nbytes(self._floats)
        if self._int8 is not None:
            codec, codes = self._int8
            ranges = np.stack([codec.lo, codec.step])
            parts["rescore int8"] = npy_nbytes(codes) + npy_nbytes(ranges)
        return parts

    def nbytes(self) -> int:
        return sum(self.nbytes_parts().values())

    def bytes_per_vector(self) -> float:
        return self.nbytes() / max(self.ntotal, 1)

    def save(self, folder: Path) -> list[Path]:
        paths = [save_index(self._built(), folder / "binary.faiss", binary=True)]
        arrays: dict[str, NDArray[Any]] = {}
        if self._floats is not None:
            arrays["rescore_float32.npy"] = self._floats
        if self._int8 is not None:
            codec, codes = self._int8
            arrays["rescore_int8.npy"] = codes
            arrays["int8_lo_step.npy"] = np.stack([codec.lo, codec.step])
        for name, array in arrays.items():
            paths.append(save_npy(folder / name, array))
        return paths

    def describe(self) -> dict[str, str]:
        faiss = require_faiss()
        rescore = self._config.build_params().get("rescore", "none")
        return {
            "library": f"faiss {faiss.__version__}",
            "metric": "inner product" if rescore != "none" else "D - 2 * hamming",
            "index": f"IndexBinaryFlat sign bits; rescoring: {rescore}",
            "threads": str(faiss.omp_get_max_threads()),
        }

    def close(self) -> None:
        self._codes = self._floats = self._int8 = None

    def _built(self) -> Any:
        if self._codes is None:
            raise RuntimeError(f"index {self._config.label!r} is used before build()")
        return self._codes


def _estimate(config: IndexConfig, n: int, d: int) -> int:
    rescore = config.build_params().get("rescore")
    per = math.ceil(d / 8) + (4 * d if rescore == "float" else d if rescore == "int8" else 0)
    return n * per + (4 * d * min(n, CALIBRATION_ROWS) if rescore == "int8" else 0)


register_backend(
    BackendDef(
        name="binary",
        family="faiss",
        description="sign bits, Hamming search (faiss IndexBinaryFlat); score D - 2*hamming",
        params=(),
        factory=BinaryIndex,
        estimate=_estimate,
    )
)
register_backend(
    BackendDef(
        name="binary-rescore",
        family="faiss",
        description="sign bits + Hamming top R*k, rescored by float32 or int8 vectors",
        params=(
            ParamDef(
                "rescore", "build", "choice", "rescore", lambda n, d: ("float", "int8"),
                choices=("float", "int8"), doc="vectors kept for rescoring",
            ),
            ParamDef(
                "R", "search", "float", "R", lambda n, d: RESCORE_SWEEP,
                aliases=("rescore_multiplier",), doc="candidates = ceil(R * k)",
            ),
        ),
        factory=BinaryIndex,
        estimate=_estimate,
    )
)
