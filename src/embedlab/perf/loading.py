"""The one place where ``embedlab speed`` loads an encoder and sets its thread count.

Loading goes through :func:`embedlab.runtimes.load_encoder`, which checks the runtime ×
precision first (e.g. int8 on torch is a :class:`~embedlab.errors.ConfigError` before any
weights load), then loads the model through its source and exports or compiles it as the
runtime needs. The cold-start ``load`` figure therefore includes any export (or reading a
cached export from ``cache_dir``).

A multi-vector (late-interaction) model loads through
:func:`embedlab.runtimes.loader.load_token_encoder`, which runs it on torch and refuses any other
runtime in one line (ONNX Runtime, OpenVINO and endpoints take dense encoders); the sweep records
that refusal as the configuration's skip line.

Threads: torch's intra-op count is set before loading (onnxruntime and OpenVINO default to
torch's count, so every runtime gets the same number) and again after (loading may import
torch); non-torch runtimes also receive the count in :class:`RuntimeOptions`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError
from embedlab.models.base import ModelSpec
from embedlab.models.multivector import AnyEncoder
from embedlab.models.registry import get_source
from embedlab.runtimes import RuntimeOptions, load_encoder, runtime_info
from embedlab.runtimes.loader import load_token_encoder


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
) -> AnyEncoder:
    """Load ``spec`` on its runtime with ``threads`` intra-op threads (a multi-vector model:
    its :class:`~embedlab.models.multivector.MultiVectorEncoder`, on torch).

    Raises:
        UnknownNameError: an unknown runtime (lists the valid ones).
        ConfigError: the runtime does not support the precision or device, or a multi-vector
            model on a runtime other than torch.
        ModelError, BackendError, MissingDependencyError: from the model source or runtime.
    """
    set_threads(threads)
    options = RuntimeOptions(cache_dir=cache_dir, threads=threads)
    encoder: AnyEncoder
    if get_source(spec).late_interaction(spec):
        encoder = load_token_encoder(spec, options)
    else:
        encoder = load_encoder(spec, options)
    set_threads(threads)
    return encoder


def effective_threads(encoder: AnyEncoder) -> int | None:
    """The intra-op threads of the forward pass, as the runtime reports them."""
    return runtime_info(encoder).threads
