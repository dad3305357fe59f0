"""Lazy torch helpers shared by the torch-based model sources.

Nothing here imports torch at module import; each helper imports it when called, and a missing
package becomes a :class:`~embedlab.errors.MissingDependencyError` naming the ``torch`` extra.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError, MissingDependencyError
from embedlab.models.base import Precision
from embedlab.models.vectors import l2_normalize

_DTYPE_NAMES: dict[str, str] = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def require(package: str, purpose: str) -> ModuleType:
    """Import ``package`` or raise :class:`MissingDependencyError` (extra ``torch``)."""
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        if exc.name is not None and package.split(".")[0] != exc.name.split(".")[0]:
            raise MissingDependencyError(exc.name, extra="torch", purpose=purpose) from exc
        raise MissingDependencyError(package, extra="torch", purpose=purpose) from exc


def torch_dtype(precision: Precision) -> Any:
    """The ``torch.dtype`` of a precision name (``fp32`` → ``torch.float32``, ...)."""
    torch = require("torch", purpose=f"--precision {precision}")
    return getattr(torch, _DTYPE_NAMES[precision])


def move_to_device(module: Any, device: str, model_name: str) -> Any:
    """``module.to(device)``, with an unusable device reported as a :class:`ConfigError`."""
    try:
        return module.to(device)
    except (RuntimeError, AssertionError, ValueError) as exc:
        raise ConfigError(
            f"--device {device!r} cannot run model {model_name!r} ({exc}); "
            "pick an available device, e.g. --device cpu"
        ) from exc


def batch_to(inputs: dict[str, Any], device: str, dtype: Any) -> dict[str, Any]:
    """Tensors of a processor output moved to ``device``; floating ones cast to ``dtype``."""
    moved: dict[str, Any] = {}
    for key, value in inputs.items():
        if not hasattr(value, "to"):
            moved[key] = value
        elif value.is_floating_point():
            moved[key] = value.to(device=device, dtype=dtype)
        else:
            moved[key] = value.to(device=device)
    return moved


def to_unit_numpy(features: Any) -> NDArray[np.float32]:
    """A ``(N, D)`` torch tensor of any dtype/device as L2-normalised float32 numpy."""
    array = features.detach().float().cpu().numpy()
    return l2_normalize(array)


def method_module(model: Any, method: str, select: Callable[[Any], Any] | None = None) -> Any:
    """``model.<method>`` as a ``torch.nn.Module`` of its own (for export and compilation).

    ``forward(inputs, mask=None)`` returns ``select(model.<method>(inputs[, mask]))``; the module
    holds ``model`` as a submodule, so its parameters are the model's (nothing is copied).
    """
    torch = require("torch", purpose="exporting a model tower")

    class MethodModule(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, inputs: Any, mask: Any = None) -> Any:
            run = getattr(self.model, method)
            output = run(inputs) if mask is None else run(inputs, mask)
            return output if select is None else select(output)

    return MethodModule().eval()


def parameter_count(encoder: object) -> int | None:
    """Parameters of the torch module behind ``encoder`` (``encoder.model``), or None.

    Wrappers that hold the full model as ``inner`` (Matryoshka truncation) are looked through.
    Encoders without a torch module (ONNX Runtime / OpenVINO towers, the fake model) give None.
    Never imports torch: without it loaded there is no module to count.
    """
    torch = importlib.import_module("torch") if "torch" in sys.modules else None
    if torch is None:
        return None
    seen = 0
    while hasattr(encoder, "inner") and seen < 8:  # Matryoshka (and similar) wrappers
        encoder = encoder.inner
        seen += 1
    module = getattr(encoder, "model", None)
    if not isinstance(module, torch.nn.Module):
        return None
    return int(sum(p.numel() for p in module.parameters()))
