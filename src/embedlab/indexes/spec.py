"""``--index`` values → index configurations, and the default sweep.

Grammar: ``NAME[:PARAM=VALUE[,PARAM=VALUE...]]``. ``NAME`` is an :data:`INDEX_BACKENDS` name
(``flat``, ``exact``, ``hnsw``, ``ivf-flat``, ``ivf-pq``, ``sq8``, ``binary``,
``binary-rescore``, ``lancedb-flat``, ``lancedb-ivf-pq``, ``lancedb-hnsw-sq``); ``PARAM`` one of
its parameters (or an alias: ``efSearch``, ``efC``, ...) or ``dim`` (Matryoshka truncation). A
value may list several values separated by ``/`` (``ef_search=16/64/256``): one configuration
each. A parameter left out takes the backend's default values for the corpus size, which for
query-time parameters is a sweep (``hnsw`` alone = efSearch 16, 32, 64, 128, 256).

Examples: ``hnsw:M=32,ef_search=64`` · ``binary-rescore:R=4,rescore=int8`` · ``ivf-pq:nlist=256``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from embedlab.errors import ConfigError, UnknownNameError
from embedlab.indexes._params import coerce, lookup
from embedlab.indexes.base import (
    INDEX_BACKENDS,
    BackendDef,
    Family,
    IndexConfig,
    Param,
    ParamDef,
)


@dataclass(frozen=True)
class IndexRequest:
    """A parsed ``--index`` value: a backend and the values asked for (sweeps as tuples).

    Attributes:
        backend: the registry name.
        params: canonical parameter name → the values given (one or more).
        dims: Matryoshka dimensions given with ``dim=`` (empty: none asked in the value).
        text: the flag value as typed, for messages.
    """

    backend: str
    params: dict[str, tuple[Param, ...]] = field(default_factory=dict)
    dims: tuple[int, ...] = ()
    text: str = ""


def backend_def(name: str, where: str) -> BackendDef:
    """The registered backend ``name``; ConfigError naming ``where`` and the valid names."""
    try:
        return INDEX_BACKENDS.get(name)
    except UnknownNameError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def parse_index(text: str, flag: str = "--index") -> IndexRequest:
    """Parse one ``--index`` value (module docstring for the grammar)."""
    where = f"{flag} {text!r}"
    name, _, rest = text.strip().partition(":")
    backend = backend_def(name.strip(), where)
    params: dict[str, tuple[Param, ...]] = {}
    dims: tuple[int, ...] = ()
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, raw = item.partition("=")
        values = tuple(v.strip() for v in raw.split("/"))
        if not eq or not key.strip() or not all(values):
            raise ConfigError(f"{where}: expected PARAM=VALUE, got {item!r}")
        if key.strip() == "dim":
            dims = tuple(_dim(v, where) for v in values)
            continue
        param = lookup(backend, key.strip(), where)
        if param.name in params:
            raise ConfigError(f"{where}: {param.name} is given twice")
        params[param.name] = tuple(coerce(param, v, where) for v in values)
    return IndexRequest(backend.name, params, dims, text)


def _dim(value: str, where: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{where}: dim={value!r} must be a positive integer")
    return int(value)


def expand(
    request: IndexRequest, n: int, dim: int, dims: tuple[int | None, ...] = ()
) -> list[IndexConfig]:
    """Every configuration ``request`` stands for on ``n`` vectors of dimension ``dim``.

    Args:
        request: a parsed value.
        n: corpus size; sizes defaults and is checked against training needs.
        dim: the embeddings' dimension.
        dims: Matryoshka dimensions from a ``--dim`` flag (``None`` = full), used when the
            value gives no ``dim=``; default: full dimension only.

    Raises:
        ConfigError: a dim above ``dim``, or parameters the corpus cannot support.
    """
    where = f"--index {request.text or request.backend!r}"
    backend = backend_def(request.backend, where)
    configs: list[IndexConfig] = []
    for d in request.dims or dims or (None,):
        if d is not None and d > dim:
            raise ConfigError(f"{where}: dim={d} exceeds the embedding dimension {dim}")
        effective = d or dim
        build_defs = [p for p in backend.params if p.stage == "build"]
        search_defs = [p for p in backend.params if p.stage == "search"]
        build_choices = [_given(request, p) or p.default(n, effective) for p in build_defs]
        for build_values in itertools.product(*build_choices):
            build = {p.name: v for p, v in zip(build_defs, build_values, strict=True)}
            choices = [_given(request, p) or p.defaults(build, n, effective) for p in search_defs]
            for values in itertools.product(*choices):
                search = {p.name: v for p, v in zip(search_defs, values, strict=True)}
                config = IndexConfig.of(backend.name, build, search, d)
                try:
                    backend.validate(config, n, effective)
                except ConfigError as exc:
                    raise ConfigError(f"{where}: {exc}") from None
                configs.append(config)
    return list(dict.fromkeys(configs))


def _given(request: IndexRequest, param: ParamDef) -> tuple[Param, ...]:
    return request.params.get(param.name, ())


def default_sweep(
    n: int,
    dim: int,
    family: Family = "faiss",
    dims: tuple[int | None, ...] = (),
    on_skip: Callable[[str, str], None] | None = None,
) -> list[IndexConfig]:
    """The default study: every backend of ``family`` flagged for it, with its default sweeps.

    ``family="faiss"`` also includes the numpy ``exact`` reference; ``"lancedb"`` the LanceDB
    set. A backend that cannot be built on ``n`` vectors (IVF training needs enough rows) is
    left out and ``on_skip(name, reason)`` is called, so the caller can say so.
    """
    wanted = {family, "numpy"} if family == "faiss" else {family}
    configs: list[IndexConfig] = []
    for name in INDEX_BACKENDS.names():
        backend = INDEX_BACKENDS.get(name)
        if backend.family in wanted and backend.in_default_sweep:
            try:
                configs += expand(IndexRequest(name, text=name), n, dim, dims)
            except ConfigError as exc:
                if on_skip is not None:
                    on_skip(name, str(exc))
    return configs
