"""The runtime registry, its options, and what a runtime says about how it executes.

A runtime is a factory ``(spec, options) -> Encoder`` registered in :data:`RUNTIMES` under the
name users pass as ``--runtime`` (``torch``, ``onnxruntime``, ``openvino``). Every runtime
returns the same :class:`~embedlab.models.base.Encoder` interface.

Runtimes other than eager torch run a model's *towers*; what a model encoder must expose for
that (:class:`~embedlab.models.exportable.Exportable`, its ``TowerLayout``, ``Preprocessor``)
is a contract of the models layer, in :mod:`embedlab.models.exportable`.

:func:`runtime_info` says what executes an encoder: an encoder built by a runtime declares its
``runtime_info`` (:class:`RuntimeDescribed`); any other encoder is the model source's own,
run eagerly by torch (the default).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from embedlab._registry import Registry
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.matryoshka import MatryoshkaEncoder
from embedlab.models.multivector import AnyEncoder

Exporter = Literal["dynamo", "torchscript"]


@dataclass(frozen=True)
class RuntimeOptions:
    """Settings of a runtime that are not part of the model spec.

    Attributes:
        cache_dir: root of embedlab's cache; exports are kept under ``<cache_dir>/exports/``.
            ``None`` uses :func:`embedlab.core.paths.default_cache_dir`.
        threads: intra-op threads of onnxruntime/openvino; ``None`` uses torch's thread count
            (so every runtime gets the same number of threads).
        compile: torch runtime only: run the towers through ``torch.compile`` (default off).
        exporter: ``dynamo`` (``torch.export``-based, the default) or ``torchscript`` (legacy
            tracing exporter, for models ``torch.export`` cannot capture).
        opset: ONNX opset of the export.
        api_key_env: endpoint runtimes only: the environment variable holding the API key
            (None: ``EMBEDLAB_API_KEY``, then ``OPENAI_API_KEY``); the key is never stored.
    """

    cache_dir: Path | None = None
    threads: int | None = None
    compile: bool = False
    exporter: Exporter = "dynamo"
    opset: int = 18
    api_key_env: str | None = None

    def exports_dir(self) -> Path:
        """``<cache_dir>/exports``."""
        if self.cache_dir is not None:
            return self.cache_dir / "exports"
        from embedlab.core.paths import default_cache_dir

        return default_cache_dir() / "exports"


RuntimeFactory = Callable[[ModelSpec, RuntimeOptions], Encoder]

#: Runtime factories by ``--runtime`` name; each module of this package registers its own.
RUNTIMES: Registry[RuntimeFactory] = Registry("runtime", autoload="embedlab.runtimes")


@dataclass(frozen=True)
class RuntimeInfo:
    """What executes an encoder's forward pass, for the run log and speed reports.

    Attributes:
        runtime: the runtime name.
        precision: the precision as requested (``int8`` means what the runtime documents).
        device: where it runs.
        threads: intra-op threads (``None`` when the runtime picks).
        settings: everything else that shapes speed or outputs (providers, precision hints,
            quantization scheme, export folder, exporter, versions).
    """

    runtime: str
    precision: str
    device: str
    threads: int | None
    settings: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class RuntimeDescribed(Protocol):
    """An encoder built by a runtime, which declares what executes it."""

    @property
    def runtime_info(self) -> RuntimeInfo: ...


def runtime_info(encoder: AnyEncoder) -> RuntimeInfo:
    """What executes ``encoder``: its declared ``runtime_info``, else eager torch (the default).

    A Matryoshka wrapper (``?dim=N``) is looked through: truncation runs in numpy after the
    wrapped encoder, which is what executes.
    """
    inner = encoder.inner if isinstance(encoder, MatryoshkaEncoder) else encoder
    if isinstance(inner, RuntimeDescribed):
        return inner.runtime_info
    spec = encoder.spec
    torch = sys.modules.get("torch")
    threads = int(torch.get_num_threads()) if torch is not None else None
    return RuntimeInfo(spec.runtime, spec.precision, spec.device, threads, {"mode": "eager"})


def runtime_precisions(name: str) -> tuple[str, ...] | None:
    """The precisions runtime ``name`` runs (its module's ``SUPPORTED``), None when it does not
    restrict them here (it then refuses per model when loading)."""
    import importlib

    if name not in RUNTIMES.names():
        return None
    module = importlib.import_module(RUNTIMES.get(name).__module__)
    supported = getattr(module, "SUPPORTED", None)
    return tuple(supported) if supported is not None else None
