"""Parameter values of a backend: coercion from text, range checks, the full set for a config."""

from __future__ import annotations

from collections.abc import Mapping

from embedlab.errors import ConfigError
from embedlab.indexes.base import BackendDef, IndexConfig, Param, ParamDef


def lookup(backend: BackendDef, name: str, where: str) -> ParamDef:
    """The parameter ``name`` (or an alias) of ``backend``; ConfigError listing the valid ones."""
    for param in backend.params:
        if name == param.name or name in param.aliases:
            return param
    valid = ", ".join(p.name for p in backend.params) or "(none)"
    raise ConfigError(
        f"{where}: {backend.name} has no parameter {name!r}; valid parameters: {valid}"
    )


def coerce(param: ParamDef, value: Param, where: str) -> Param:
    """``value`` (text or number) as the parameter's type, checked against its limits."""
    if param.kind == "choice":
        text = str(value)
        if text not in param.choices:
            raise ConfigError(
                f"{where}: {param.name}={text!r} is not one of {', '.join(param.choices)}"
            )
        return text
    try:
        number: int | float = int(str(value)) if param.kind == "int" else float(str(value))
    except ValueError:
        raise ConfigError(f"{where}: {param.name}={value!r} is not {_article(param)}") from None
    if number < param.minimum:
        raise ConfigError(f"{where}: {param.name}={number} must be >= {param.minimum:g}")
    if param.kind == "float" and float(number).is_integer():
        number = int(number)  # R=10 and R=10.0 are the same configuration
    return number


def _article(param: ParamDef) -> str:
    return "an integer" if param.kind == "int" else "a number"


def checked_search(
    backend: BackendDef, params: Mapping[str, Param], where: str
) -> dict[str, Param]:
    """Query-time ``params`` by canonical name; build parameters are refused here."""
    out: dict[str, Param] = {}
    for name, value in params.items():
        param = lookup(backend, name, where)
        if param.stage != "search":
            raise ConfigError(f"{where}: {param.name} is a build parameter; it needs a rebuild")
        out[param.name] = coerce(param, value, where)
    return out


def complete(backend: BackendDef, config: IndexConfig, n: int, dim: int) -> IndexConfig:
    """``config`` with every missing parameter set to the first of its default values."""
    build, search = config.build_params(), config.search_params()
    for param in backend.params:
        if param.stage == "build" and param.name not in build:
            build[param.name] = param.default(n, dim)[0]
    for param in backend.params:
        if param.stage == "search" and param.name not in search:
            search[param.name] = param.defaults(build, n, dim)[0]
    return IndexConfig.of(config.backend, build, search, config.dim)
