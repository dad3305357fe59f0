"""The one place where ``embedlab speed`` loads an encoder and sets its thread count.

Loading goes through :func:`embedlab.runtimes.load_encoder`, which checks the runtime ×
precision first (e.g. int8 on torch is a :class:`~embedlab.errors.ConfigError` before any
weights load), then loads the model through its source and exports or compiles it as the
runtime needs. The cold-start ``load`` figure therefore includes any export (or reading a
cached export from ``cache_dir``).

Threads: torch's intra-op count is set before loading (onnxruntime and OpenVINO default to
torch's count, so every runtime gets the same number) and again after (loading may import
torch); non-torch runtimes also receive the count in :class:`RuntimeOptions`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.runtimes import RuntimeOptions, load_encoder, runtime_info


def set_threads(threads: int | None) -> None:
    """Set torch's intra-op thread count, if torch is imported and ``threads`` is given."""
    if threads is None:
        return
    if threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {threads}")
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def load_encoder_for_speed(
    spec: ModelSpec, threads: int | None = None, cache_dir: Path | None = None
) -> Encoder:
    """Load ``spec`` on its runtime with ``threads`` intra-op threads.

    Raises:
        UnknownNameError: an unknown runtime (lists the valid ones).
        ConfigError: the runtime does not support the precision or device.
        ModelError, BackendError, MissingDependencyError: from the model source or runtime.
    """
    set_threads(threads)
    encoder = load_encoder(spec, RuntimeOptions(cache_dir=cache_dir, threads=threads))
    set_threads(threads)
    return encoder


def effective_threads(encoder: Encoder) -> int | None:
    """The intra-op threads of the forward pass, as the runtime reports them."""
    return runtime_info(encoder).threads
