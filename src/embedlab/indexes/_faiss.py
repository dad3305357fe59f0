"""faiss, imported lazily, and the index wrapper shared by the float-vector faiss backends.

A backend module gives a :class:`Recipe` (how to make the faiss index, how many rows train it,
how query-time parameters are applied) and registers ``FaissIndex(config, options, recipe)``.
Sizes are measured by serialising through ``faiss.write_index`` into a byte counter.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import write_bytes_atomic
from embedlab.errors import MissingDependencyError
from embedlab.indexes._arrays import ByteCounter, as_vectors, check_k, finish, seeded_rows
from embedlab.indexes._params import checked_search, complete
from embedlab.indexes.base import INDEX_BACKENDS, IndexConfig, IndexOptions, Param


def require_faiss() -> ModuleType:
    """``import faiss`` or :class:`MissingDependencyError` naming ``embedlab[index]``."""
    try:
        return importlib.import_module("faiss")
    except ImportError as exc:
        raise MissingDependencyError("faiss", extra="index", purpose="faiss indexes") from exc


def set_threads(threads: int | None) -> None:
    """``faiss.omp_set_num_threads(threads)`` (process-wide) unless ``threads`` is None."""
    if threads is not None:
        require_faiss().omp_set_num_threads(int(threads))


def serialized_size(index: Any, binary: bool = False) -> int:
    """Bytes ``faiss.write_index`` (``write_index_binary``) writes for ``index``."""
    faiss = require_faiss()
    counter = ByteCounter()
    writer = faiss.PyCallbackIOWriter(counter)
    (faiss.write_index_binary if binary else faiss.write_index)(index, writer)
    del writer  # flushes
    return counter.count


def save_index(index: Any, path: Path, binary: bool = False) -> Path:
    """Write ``index`` to ``path`` atomically (serialised in memory first)."""
    faiss = require_faiss()
    data = (faiss.serialize_index_binary if binary else faiss.serialize_index)(index)
    write_bytes_atomic(path, np.asarray(data).tobytes())
    return path


@dataclass(frozen=True)
class Recipe:
    """How one float-vector faiss backend is made.

    Attributes:
        make: ``(faiss, config, d) -> faiss.Index`` (untrained, inner-product metric).
        train_rows: ``config -> rows`` of the seeded training sample (0: needs no training).
        apply_search: ``(index, search params) -> None`` sets query-time parameters.
        what: one line saying what the index stores and how search runs.
    """

    make: Callable[[ModuleType, IndexConfig, int], Any]
    train_rows: Callable[[IndexConfig], int]
    apply_search: Callable[[Any, Mapping[str, Param]], None]
    what: str


def no_search_params(index: Any, params: Mapping[str, Param]) -> None:
    """For indexes without query-time parameters."""


class FaissIndex:
    """A :class:`~embedlab.indexes.base.VectorIndex` over one float-vector faiss index."""

    def __init__(self, config: IndexConfig, options: IndexOptions, recipe: Recipe) -> None:
        self._config = config
        self._options = options
        self._recipe = recipe
        self._index: Any = None
        self._size: int | None = None

    @property
    def config(self) -> IndexConfig:
        return self._config

    @property
    def ntotal(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal)

    def build(self, vectors: NDArray[np.float32]) -> None:
        x = as_vectors(vectors, "index vectors")
        n, d = x.shape
        backend = INDEX_BACKENDS.get(self._config.backend)
        backend.validate(self._config, n, d)
        self._config = complete(backend, self._config, n, d)
        faiss = require_faiss()
        index = self._recipe.make(faiss, self._config, d)
        if not index.is_trained:
            rows = seeded_rows(n, self._recipe.train_rows(self._config), self._options.seed)
            index.train(x[rows])
        index.add(x)
        self._recipe.apply_search(index, self._config.search_params())
        self._index, self._size = index, None

    def search(
        self, queries: NDArray[np.float32], k: int
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        index = self._built()
        q = as_vectors(queries, "queries", int(index.d))
        scores, ids = index.search(q, check_k(k))
        return finish(scores, ids)

    def set_search_params(self, params: Mapping[str, Param]) -> None:
        backend = INDEX_BACKENDS.get(self._config.backend)
        checked = checked_search(backend, params, f"{backend.name} search parameters")
        self._config = self._config.with_search({**self._config.search_params(), **checked})
        if self._index is not None:
            self._recipe.apply_search(self._index, self._config.search_params())

    def nbytes_parts(self) -> dict[str, int]:
        if self._size is None:
            self._size = serialized_size(self._built())
        return {"faiss index": self._size}

    def nbytes(self) -> int:
        return sum(self.nbytes_parts().values())

    def bytes_per_vector(self) -> float:
        return self.nbytes() / max(self.ntotal, 1)

    def save(self, folder: Path) -> list[Path]:
        return [save_index(self._built(), folder / "index.faiss")]

    def describe(self) -> dict[str, str]:
        faiss = require_faiss()
        return {
            "library": f"faiss {faiss.__version__}",
            "metric": "inner product",
            "index": self._recipe.what,
            "threads": str(faiss.omp_get_max_threads()),
        }

    def close(self) -> None:
        self._index = None

    def _built(self) -> Any:
        if self._index is None:
            raise RuntimeError(f"index {self._config.label!r} is used before build()")
        return self._index
