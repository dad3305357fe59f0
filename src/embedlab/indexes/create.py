"""``create_index(config, options)``: the one way to get a :class:`VectorIndex` for a config.

Checks the config's parameter names and values against its backend (ConfigError), sets faiss
threads (``options.threads``), calls the backend's factory, and wraps the result in
:class:`~embedlab.indexes.truncation.TruncatedIndex` when ``config.dim`` is set. The index is
unbuilt: call ``build(vectors)`` with the full-dimension vectors.
"""

from __future__ import annotations

from embedlab.errors import ConfigError
from embedlab.indexes._params import coerce, lookup
from embedlab.indexes.base import IndexConfig, IndexOptions, VectorIndex
from embedlab.indexes.spec import backend_def
from embedlab.indexes.truncation import TruncatedIndex


def create_index(config: IndexConfig, options: IndexOptions | None = None) -> VectorIndex:
    """An unbuilt index for ``config`` (module docstring)."""
    opts = options or IndexOptions()
    where = f"index {config.key()!r}"
    backend = backend_def(config.backend, where)
    for stage, pairs in (("build", config.build), ("search", config.search)):
        for name, value in pairs:
            param = lookup(backend, name, where)
            if param.name != name or param.stage != stage or coerce(param, value, where) != value:
                raise ConfigError(
                    f"{where}: {name}={value!r} is not a canonical {stage} parameter; "
                    "make configs with embedlab.indexes.spec.expand"
                )
    if config.dim is not None and config.dim < 1:
        raise ConfigError(f"{where}: dim must be >= 1")
    if opts.threads is not None:
        if opts.threads < 1:
            raise ConfigError(f"{where}: threads must be >= 1, got {opts.threads}")
        if backend.family == "faiss":
            from embedlab.indexes._faiss import set_threads

            set_threads(opts.threads)
    index = backend.factory(config, opts)
    return index if config.dim is None else TruncatedIndex(index, config.dim)
