"""Vector indexes: exact, faiss (HNSW, IVF-flat, IVF-PQ, sq8, binary + rescoring), LanceDB.

The contract (configs, the :class:`VectorIndex` protocol, the :data:`INDEX_BACKENDS` registry,
score and Matryoshka conventions, which search is the exact baseline) is documented in
:mod:`embedlab.indexes.base`. Importing this package imports neither faiss nor lancedb.
"""

from embedlab.indexes.base import (
    INDEX_BACKENDS,
    BackendDef,
    IndexConfig,
    IndexOptions,
    Param,
    ParamDef,
    VectorIndex,
)
from embedlab.indexes.create import create_index
from embedlab.indexes.memory import available_memory, check_memory, memory_estimate
from embedlab.indexes.spec import IndexRequest, default_sweep, expand, parse_index

__all__ = [
    "INDEX_BACKENDS",
    "BackendDef",
    "IndexConfig",
    "IndexOptions",
    "IndexRequest",
    "Param",
    "ParamDef",
    "VectorIndex",
    "available_memory",
    "check_memory",
    "create_index",
    "default_sweep",
    "expand",
    "memory_estimate",
    "parse_index",
]
