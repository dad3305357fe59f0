"""Runtime ``torch``: the model source's own encoder, eager, or its towers under torch.compile.

Precisions: ``fp32``, ``bf16``, ``fp16`` (the model is loaded in that dtype by its source).
``int8`` is refused — PyTorch has no int8 path that runs these models unchanged; int8 runs on
``--runtime onnxruntime`` (dynamic quantization) or ``--runtime openvino`` (weight compression).

``fp16`` on CPU is allowed with a ``RuntimeWarning``: PyTorch runs some fp16 CPU kernels
natively only on CPUs with AVX512-FP16/AMX-FP16 and emulates (converts to fp32 and back)
elsewhere, so it is usually slower than fp32 and never the CPU setting to deploy; bf16 is.
It stays allowed because measuring it is a legitimate question for a benchmark.

``RuntimeOptions.compile``: run the model's towers through ``torch.compile`` (inductor)
instead of the eager encoder (text models: the token-embedding tower, pooled in numpy; ``?dim=``
truncates after it); the first call of each input shape compiles (cold start).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from embedlab.errors import ConfigError
from embedlab.models._torch_utils import require, torch_dtype
from embedlab.models.base import Encoder, Modality, ModelSpec
from embedlab.models.exportable import Arrays, Exportable
from embedlab.models.matryoshka import MatryoshkaEncoder
from embedlab.models.registry import get_source
from embedlab.runtimes.base import RUNTIMES, RuntimeInfo, RuntimeOptions
from embedlab.runtimes.loader import Reference, exportable_reference, unsupported_precision
from embedlab.runtimes.towers import Executor, build_tower_encoder

SUPPORTED = ("fp32", "bf16", "fp16")
CPU_FP16_WARNING = (
    "--precision fp16 on CPU with --runtime torch: fp16 CPU kernels are native only on CPUs "
    "with AVX512-FP16/AMX-FP16 and emulated elsewhere (usually slower than fp32); bf16 is the "
    "reduced precision to use on CPU"
)


@RUNTIMES.register("torch")
def torch_runtime(spec: ModelSpec, options: RuntimeOptions) -> Encoder:
    """The source's encoder (eager), or a :class:`TowerEncoder` over compiled towers."""
    if spec.precision not in SUPPORTED:
        raise unsupported_precision(
            spec,
            SUPPORTED,
            "int8 runs on --runtime onnxruntime (dynamic quantization) or --runtime openvino "
            "(int8 weight compression)",
        )
    if spec.precision == "fp16" and spec.device == "cpu":
        warnings.warn(CPU_FP16_WARNING, RuntimeWarning, stacklevel=2)
    encoder = get_source(spec).load(spec)
    if not options.compile:
        return encoder
    inner = encoder.inner if isinstance(encoder, MatryoshkaEncoder) else encoder
    if not isinstance(inner, Exportable):
        raise ConfigError(
            f"torch.compile (RuntimeOptions.compile): model {spec.name!r} does not expose "
            "image/text towers to compile; run it without compile"
        )
    return _compiled(exportable_reference(spec, encoder), spec)


def _compiled(reference: Reference, spec: ModelSpec) -> Encoder:
    torch = require("torch", purpose="torch.compile")
    dtype = torch_dtype(spec.precision)
    towers: dict[Modality, Callable[[], Any]] = {
        "image": reference.encoder.image_tower,
        "text": reference.encoder.text_tower,
    }
    runners: dict[Modality, Executor] = {
        tower: _runner(torch, torch.compile(towers[tower]()), spec.device, dtype)
        for tower in reference.layout.modalities
    }
    settings = {"mode": "torch.compile", "backend": "inductor", "torch": str(torch.__version__)}
    info = RuntimeInfo("torch", spec.precision, spec.device, torch.get_num_threads(), settings)
    return build_tower_encoder(spec, reference, runners, info)


def _runner(torch: Any, module: Callable[..., Any], device: str, dtype: Any) -> Executor:
    def run(arrays: Arrays) -> Any:
        tensors = []
        for array in arrays.values():
            tensor = torch.from_numpy(array).to(device)
            tensors.append(tensor.to(dtype) if tensor.is_floating_point() else tensor)
        with torch.inference_mode():
            return module(*tensors).float().cpu().numpy()

    return run
