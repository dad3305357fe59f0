"""Optional imports, package versions and thread counts shared by the runtimes."""

from __future__ import annotations

import importlib
import os
import sys
from importlib import metadata
from types import ModuleType

from embedlab.errors import MissingDependencyError


def require_optional(package: str, extra: str, purpose: str) -> ModuleType:
    """Import ``package`` or raise :class:`MissingDependencyError` naming ``extra``.

    Runtime telemetry is switched off first (:mod:`embedlab.core.telemetry`).
    """
    from embedlab.core.telemetry import quiet_runtime_telemetry

    quiet_runtime_telemetry()
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise MissingDependencyError(package, extra=extra, purpose=purpose) from exc


def version(distribution: str) -> str:
    """The installed version of ``distribution``, or ``"absent"``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def resolve_threads(threads: int | None) -> int:
    """``threads`` if given, else torch's intra-op thread count (or the usable CPUs).

    Giving every runtime torch's count keeps the comparison fair by default.
    """
    if threads is not None:
        return threads
    torch = sys.modules.get("torch")
    if torch is not None:
        return int(torch.get_num_threads())
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(affinity) if affinity else (os.cpu_count() or 1)


#: ``EMBEDLAB_WAIT_POLICY=active`` keeps the libraries' spinning waits (fastest on a dedicated
#: machine); the default ``passive`` lets waiting threads sleep (robust when a core is taken).
WAIT_POLICY_VARIABLE = "EMBEDLAB_WAIT_POLICY"


def waiting_threads_spin() -> bool:
    """Whether runtime threads spin while waiting (``EMBEDLAB_WAIT_POLICY=active``).

    Measured on a 2-core machine (docs/measurements.md, ViT-B/16 text tower, batch 1, p50):
    idle, spinning is faster (torch 21.3 vs 30.2 ms passive; onnxruntime 10.3 vs 12.5 ms);
    with one busy neighbour core it stalls (torch 560 vs 37.1 ms; onnxruntime 23.4 vs 14.9 ms).
    """
    value = os.environ.get(WAIT_POLICY_VARIABLE, "passive").strip().lower()
    if value not in ("active", "passive"):
        from embedlab.errors import ConfigError

        raise ConfigError(f"{WAIT_POLICY_VARIABLE}={value!r}: use 'active' or 'passive'")
    return value == "active"
