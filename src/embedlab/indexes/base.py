"""The index contract: configurations, the :class:`VectorIndex` protocol and the backend registry.

An *index backend* stores a corpus of embeddings and returns, per query, the ``k`` best items.
Every backend follows the same conventions, so a verb can sweep them all alike:

- **Score**: inner product on the vectors as given (the cosine for unit rows); higher is better
  for every backend. Exception, documented: ``binary`` without rescoring reports
  ``D - 2 * hamming(sign(q), sign(x))`` (the dot product of the ±1 sign vectors; monotone in
  Hamming distance). ``binary-rescore`` returns inner products of the float query with the
  stored float (or int8-dequantised) vectors.
- **Ties / missing**: ids are int64 row numbers of the built corpus; where fewer than ``k``
  items are found the row is padded with id ``-1`` and score ``-inf``.
- **Matryoshka** (``IndexConfig.dim``): build and search take the full vectors; the index keeps
  the first ``dim`` dimensions, renormalises each row to unit L2 norm, THEN quantises / indexes
  (PROTOCOLS.md). Queries are truncated and renormalised the same way inside ``search``.
- **Query parameters** (HNSW ``ef_search``, IVF ``nprobe``, rescoring ``R``, ...) change through
  :meth:`VectorIndex.set_search_params` without rebuilding (ann-benchmarks practice): configs
  with the same :meth:`IndexConfig.build_key` share one build.
- **Bytes**: :meth:`VectorIndex.nbytes` is MEASURED from the serialised index
  (``faiss.serialize_index`` / the files LanceDB wrote under its folder), never a formula.
  :meth:`VectorIndex.nbytes_parts` splits it (e.g. binary codes vs. rescoring vectors).
- **Threads**: ``IndexOptions.threads`` sets faiss's OpenMP threads
  (``faiss.omp_set_num_threads``, process-wide) when the index is created; ``None`` leaves them.
- **What ``search`` contains** (what a latency measurement times): dim truncation of the queries
  if any, the backend's search over the whole ``(Q, D)`` batch, candidate rescoring
  (binary-rescore), and conversion to float32 / int64 arrays. Nothing else (no I/O, no build).

**The exact baseline.** End-task quality of exact search is the run's own scoring path
(``embedlab.scoring``): the verbs compare every configuration against it. For ANN recall@k the
reference neighbours come from the ``exact`` backend here (``scoring.dense_topk`` over the
stored vectors, in bounded memory; order: score descending then row number ascending),
computed in the same space (same ``dim``) as the configuration judged. ``flat`` is faiss's
``IndexFlatIP``: an index like the others, equal to ``exact`` up to float rounding among
near-ties.

Where things live (all re-exported by :mod:`embedlab.indexes`):

- :mod:`.spec`: ``parse_index(text, flag="--index") -> IndexRequest`` (CLI strings such as
  ``hnsw:M=32,ef_search=64``; a value may list a sweep with ``/``: ``ef_search=16/64``),
  ``expand(request, n, dim) -> list[IndexConfig]`` (unset parameters get the backend's
  defaults sized to ``n``; checks them against ``n`` and ``dim``), ``default_sweep(n, dim,
  family="faiss") -> list[IndexConfig]`` (``family="lancedb"`` for the LanceDB set).
  Unknown names or bad parameters raise :class:`~embedlab.errors.ConfigError` naming the flag
  value and listing the valid names.
- :mod:`.memory`: ``memory_estimate(config, n, dim) -> int`` bytes, available before building;
  ``check_memory(config, n, dim)`` raises ``ConfigError`` with the estimate and the available
  RAM when it would not fit.
- :mod:`.create`: ``create_index(config, options) -> VectorIndex`` (applies ``dim``, threads).

Missing faiss / lancedb raise :class:`~embedlab.errors.MissingDependencyError` naming
``embedlab[index]``. Backends: one module per family, each registering :class:`BackendDef`
entries in :data:`INDEX_BACKENDS`. Beyond one machine, a Milvus adapter (``pymilvus`` against a
server URI; ``milvus-lite`` embedded) or a Qdrant adapter would be one more module; none exists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab._registry import Registry

#: A parameter value: an integer (M, nlist, ...), a float (R may be fractional) or a choice.
Param = int | float | str
Params = tuple[tuple[str, Param], ...]
Family = Literal["numpy", "faiss", "lancedb"]


def _frozen(params: Mapping[str, Param] | Params) -> Params:
    items = params.items() if isinstance(params, Mapping) else params
    return tuple(sorted((str(k), v) for k, v in items))


@dataclass(frozen=True)
class IndexConfig:
    """One index configuration: a backend, its build and search parameters, a dimension.

    Attributes:
        backend: the :data:`INDEX_BACKENDS` name (``hnsw``, ``binary-rescore``, ...).
        build: build-time parameters as sorted ``(name, value)`` pairs (use :meth:`of`).
        search: query-time parameters, same form.
        dim: Matryoshka dimension (truncate, renormalise, then index); ``None`` keeps all.
    """

    backend: str
    build: Params = ()
    search: Params = ()
    dim: int | None = None

    @classmethod
    def of(
        cls,
        backend: str,
        build: Mapping[str, Param] | None = None,
        search: Mapping[str, Param] | None = None,
        dim: int | None = None,
    ) -> IndexConfig:
        """A config from plain mappings (pairs are sorted, so equal configs compare equal)."""
        return cls(backend, _frozen(build or {}), _frozen(search or {}), dim)

    def build_params(self) -> dict[str, Param]:
        return dict(self.build)

    def search_params(self) -> dict[str, Param]:
        return dict(self.search)

    def with_search(self, search: Mapping[str, Param]) -> IndexConfig:
        """The same build with other query-time parameters."""
        return replace(self, search=_frozen(search))

    def build_key(self) -> str:
        """What one build depends on: backend, build parameters, dim (not search params)."""
        build = ",".join(f"{k}={v}" for k, v in self.build)
        return f"{self.backend}|{build}|dim={self.dim or 'all'}"

    def key(self) -> str:
        """Stable identity of the configuration: ``hnsw|M=32,...|dim=all|ef_search=64``."""
        search = ",".join(f"{k}={v}" for k, v in self.search)
        return f"{self.build_key()}|{search}"

    @property
    def label(self) -> str:
        """Short human label, e.g. ``hnsw M=32 efC=200 efS=64`` or ``exact dim=256``."""
        values = {**self.build_params(), **self.search_params()}
        parts = [self.backend]
        for param in INDEX_BACKENDS.get(self.backend).params:  # in the backend's order
            if param.name in values:
                parts.append(f"{param.short}={values.pop(param.name)}")
        parts += [f"{k}={v}" for k, v in values.items()]
        if self.dim is not None:
            parts.append(f"dim={self.dim}")
        return " ".join(parts)


@dataclass(frozen=True)
class IndexOptions:
    """How an index is run, not what it is.

    Attributes:
        threads: faiss OpenMP threads (process-wide), ``None`` leaves the current setting.
        folder: where a database backend (LanceDB) writes its files; ``None``: a temporary
            directory removed by :meth:`VectorIndex.close`. Callers should pass a folder under
            their ``--out``.
        seed: seeds training samples (IVF / PQ k-means, calibration samples).
    """

    threads: int | None = None
    folder: Path | None = None
    seed: int = 0


Scores = NDArray[np.float32]
Ids = NDArray[np.int64]


@runtime_checkable
class VectorIndex(Protocol):
    """A built (or to-be-built) index of one configuration (module docstring: conventions)."""

    @property
    def config(self) -> IndexConfig:
        """The configuration, with the search parameters currently in force."""
        ...

    @property
    def ntotal(self) -> int:
        """Vectors stored (0 before :meth:`build`)."""
        ...

    def build(self, vectors: NDArray[np.float32]) -> None:
        """Train (if needed) and add ``vectors``: float32 ``(N, D)`` unit rows; row i is id i.

        Raises:
            DataError: not a finite float 2-D array, or a dimension the backend cannot take.
            ConfigError: ``N`` too small for the configuration (names the minimum).
        """
        ...

    def search(self, queries: NDArray[np.float32], k: int) -> tuple[Scores, Ids]:
        """Best ``k`` per query: float32 scores ``(Q, k)`` descending, int64 ids (-1 padding)."""
        ...

    def set_search_params(self, params: Mapping[str, Param]) -> None:
        """Change query-time parameters (validated like the parser does) without rebuilding."""
        ...

    def nbytes(self) -> int:
        """Size of the serialised index in bytes, measured (``sum(nbytes_parts().values())``)."""
        ...

    def nbytes_parts(self) -> dict[str, int]:
        """Measured bytes by part, e.g. ``{"binary codes": ..., "rescore int8": ...}``."""
        ...

    def bytes_per_vector(self) -> float:
        """``nbytes() / ntotal``."""
        ...

    def save(self, folder: Path) -> list[Path]:
        """Write the index under ``folder`` (atomically per file); returns the files written."""
        ...

    def describe(self) -> dict[str, str]:
        """Settings for the results: library and version, metric, what search does."""
        ...

    def close(self) -> None:
        """Release resources (a temporary LanceDB folder is removed)."""
        ...


@dataclass(frozen=True)
class ParamDef:
    """One parameter of a backend.

    Attributes:
        name: canonical name (``M``, ``ef_search``, ``nprobe``, ``R``, ``rescore``).
        stage: ``build`` (needs a rebuild) or ``search`` (set_search_params).
        kind: ``int``, ``float`` or ``choice``.
        short: label abbreviation (``efS``).
        default: ``(n, dim) -> values``; one value, or several for a default sweep.
        choices: allowed values of a ``choice`` parameter.
        minimum: smallest allowed value of a number.
        aliases: other accepted spellings (``efSearch``, ``ef``).
        doc: one line for help text.
        default_for_build: when set, the defaults of a search parameter given the config's
            build parameters, ``(build, n, dim) -> values`` (``nprobe`` up to ``nlist``); it
            takes precedence over ``default``.
    """

    name: str
    stage: Literal["build", "search"]
    kind: Literal["int", "float", "choice"]
    short: str
    default: Callable[[int, int], tuple[Param, ...]]
    choices: tuple[str, ...] = ()
    minimum: float = 1
    aliases: tuple[str, ...] = ()
    doc: str = ""
    default_for_build: Callable[[Mapping[str, Param], int, int], tuple[Param, ...]] | None = None

    def defaults(self, build: Mapping[str, Param], n: int, dim: int) -> tuple[Param, ...]:
        """Default values for a corpus of ``n`` x ``dim`` and the given build parameters."""
        if self.default_for_build is not None:
            return self.default_for_build(build, n, dim)
        return self.default(n, dim)


IndexFactory = Callable[[IndexConfig, IndexOptions], VectorIndex]


def no_limits(config: IndexConfig, n: int, dim: int) -> None:
    """The default ``validate``: every ``n`` and ``dim`` will do."""


@dataclass(frozen=True)
class BackendDef:
    """A registered backend: how to make it, its parameters, its memory need.

    Attributes:
        name: registry name (``--index`` value before ``:``).
        family: ``numpy``, ``faiss`` or ``lancedb`` (which default sweep it joins).
        description: one line for ``embedlab list`` and help.
        params: its parameters (build and search).
        factory: ``(config, options) -> VectorIndex`` (unbuilt; dim already applied by the
            caller of :func:`embedlab.indexes.create.create_index`).
        estimate: ``(config, n, d) -> bytes`` of RAM to build and hold it for ``n`` vectors
            of the effective dimension ``d``, on top of the caller's own float32 input.
        validate: ``(config, n, d)`` raises ConfigError (naming the limit) for a config that
            cannot be built on ``n`` vectors of dimension ``d``.
        in_default_sweep: part of its family's :func:`default_sweep`.
    """

    name: str
    family: Family
    description: str
    params: tuple[ParamDef, ...]
    factory: IndexFactory
    estimate: Callable[[IndexConfig, int, int], int]
    validate: Callable[[IndexConfig, int, int], None] = field(default=no_limits)
    in_default_sweep: bool = True


#: Index backends by name; each module of this package registers its own.
INDEX_BACKENDS: Registry[BackendDef] = Registry("index backend", autoload="embedlab.indexes")


def register_backend(backend: BackendDef) -> BackendDef:
    """Register ``backend`` under its name (one call per backend module entry)."""
    return INDEX_BACKENDS.register(backend.name)(backend)
