"""RAM needed by an index configuration, known before building, and the refusal when short.

``memory_estimate(config, n, dim)`` is the backend's own formula (:attr:`BackendDef.estimate`)
for ``n`` vectors of the effective dimension (``config.dim`` or ``dim``), plus the truncated
float32 copy ``4 * n * config.dim`` when a Matryoshka ``dim`` is set. It counts what the index
holds and its build working set, not the caller's own float32 input. Available RAM is
``MemAvailable`` of ``/proc/meminfo`` (the kernel's estimate of memory usable without swapping),
else psutil's ``virtual_memory().available``; unknown → no check.
"""

from __future__ import annotations

from embedlab.core.ram import available_ram_bytes
from embedlab.errors import ConfigError
from embedlab.indexes.base import INDEX_BACKENDS, IndexConfig


def memory_estimate(config: IndexConfig, n: int, dim: int) -> int:
    """Bytes of RAM ``config`` needs to build and hold an index of ``n`` vectors of ``dim``."""
    effective = config.dim or dim
    truncated = 4 * n * effective if config.dim is not None else 0
    return INDEX_BACKENDS.get(config.backend).estimate(config, n, effective) + truncated


# Re-exported under this module's name (callers and tests look it up here).
available_memory = available_ram_bytes


def check_memory(
    config: IndexConfig, n: int, dim: int, available: int | None = None, margin: float = 0.9
) -> int:
    """The estimate, after checking it fits in ``margin`` of the available RAM.

    Args:
        available: bytes available; default :func:`available_memory`.
        margin: fraction of the available RAM an index may take.

    Raises:
        ConfigError: with the estimate and the available RAM, when it does not fit.
    """
    need = memory_estimate(config, n, dim)
    free = available_memory() if available is None else available
    if free is not None and need > margin * free:
        raise ConfigError(
            f"index {config.label!r} on {n:,} x {config.dim or dim} vectors needs about "
            f"{_gb(need)} of RAM, but only {_gb(free)} is available; choose a smaller corpus "
            "(--items), a lower --dim, or a compressed index (sq8, ivf-pq, binary)"
        )
    return need


def _gb(nbytes: int) -> str:
    return f"{nbytes / 1e9:.2f} GB" if nbytes >= 1e8 else f"{nbytes / 1e6:.1f} MB"
