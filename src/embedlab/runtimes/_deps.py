"""Optional imports, package versions and thread counts shared by the runtimes."""

from __future__ import annotations

import importlib
import os
import sys
from importlib import metadata
from types import ModuleType

from embedlab.errors import MissingDependencyError


def require_optional(package: str, extra: str, purpose: str) -> ModuleType:
    """Import ``package`` or raise :class:`MissingDependencyError` naming ``extra``."""
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
