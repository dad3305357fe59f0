"""Clocks that wait for the device before they are read.

GPU work is asynchronous: a kernel launch returns before the kernel has run, so reading the host
clock right after a call measures the launch, not the work. :class:`Timer` therefore calls a
*sync* function before every clock read. The sync comes from, in order:

1. the encoder itself, if it has a ``synchronize()`` method (the hook for non-torch backends,
   e.g. an onnxruntime or OpenVINO encoder running on a GPU);
2. the device string: ``cuda`` → ``torch.cuda.synchronize``, ``mps`` → ``torch.mps.synchronize``,
   ``xpu`` → ``torch.xpu.synchronize``; other kinds can be added with :func:`register_sync`;
3. nothing, on CPU (calls are synchronous there).

The clock is ``time.perf_counter`` unless a test injects a fake one.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

Clock = Callable[[], float]
Sync = Callable[[], None]
SyncFactory = Callable[[str], Sync]


def no_sync() -> None:
    """The sync of synchronous devices (CPU): does nothing."""


@runtime_checkable
class Synchronizing(Protocol):
    """An encoder that can wait for its own pending device work (backend hook)."""

    def synchronize(self) -> None: ...


def _torch_sync(attribute: str, takes_device: bool) -> SyncFactory:
    def factory(device: str) -> Sync:
        backend = getattr(importlib.import_module("torch"), attribute)
        if takes_device:
            return lambda: backend.synchronize(device)
        return lambda: backend.synchronize()

    return factory


_SYNC_FACTORIES: dict[str, SyncFactory] = {
    "cpu": lambda device: no_sync,
    "cuda": _torch_sync("cuda", takes_device=True),
    "xpu": _torch_sync("xpu", takes_device=True),
    "mps": _torch_sync("mps", takes_device=False),
}


def register_sync(kind: str, factory: SyncFactory) -> None:
    """Teach :func:`device_sync` a device kind (the part of the device string before ``:``)."""
    _SYNC_FACTORIES[kind] = factory


def device_sync(device: str) -> Sync:
    """The function that waits for pending work on ``device`` (a no-op for unknown kinds)."""
    kind = device.split(":", 1)[0]
    factory = _SYNC_FACTORIES.get(kind)
    return factory(device) if factory is not None else no_sync


def encoder_sync(encoder: object, device: str) -> Sync:
    """The encoder's own ``synchronize`` followed by the device's sync."""
    by_device = device_sync(device)
    if not isinstance(encoder, Synchronizing):
        return by_device
    own = encoder.synchronize

    def both() -> None:
        own()
        by_device()

    return both


@dataclass
class Timer:
    """Reads ``clock`` after ``sync``: ``now() = (sync(), clock())[1]`` in seconds."""

    clock: Clock = time.perf_counter
    sync: Sync = field(default=no_sync)

    def now(self) -> float:
        """Wait for the device, then read the clock (seconds)."""
        self.sync()
        return self.clock()
