"""Dynamic int8 quantization of the ONNX towers with ``onnxruntime.quantization``.

Scheme (recorded in the runtime info and the export key):

- ``quantize_dynamic``: weights are quantized once, offline; activations are quantized per
  batch at run time from their observed range, so no calibration data is needed.
- Weights ``QInt8`` (signed, symmetric), activations ``uint8`` (ORT's U8S8 kernels). On CPUs
  with AVX512-VNNI or AMX-INT8 (this project's reference machine) U8S8 runs on the int8 dot
  product units without the saturation risk that made ``QUInt8`` weights or ``reduce_range``
  advisable on older AVX2/AVX512 CPUs — so ``reduce_range`` stays off.
- Only ``MatMul`` is quantized (``MatMulInteger``): the transformer's linear layers hold nearly
  all FLOPs and weights. Convolutions (the patch embedding, one layer) stay fp32, because ORT's
  ``ConvInteger`` kernel is slow on CPU and that layer is a small share of the work; ``Gemm``
  (2-D projections) stays fp32 as ORT's dynamic quantizer has no integer Gemm.
- Per-channel weight scales (``per_channel=True``; ORT's default is per-tensor). One scale per
  weight matrix loses too much on text encoders: all-MiniLM-L6-v2 fell to a minimum cosine of
  0.89 against torch fp32 (per-channel: 0.99) at the same speed on this project's CPUs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from embedlab.errors import BackendError
from embedlab.runtimes._deps import require_optional, version
from embedlab.runtimes.base import RuntimeOptions
from embedlab.runtimes.export_cache import cached_export
from embedlab.runtimes.onnx_export import tower_files

QUANTIZED_OPS = ("MatMul",)
SCHEME = "dynamic int8: QInt8 weights, uint8 activations, per-channel, MatMul only"


def quantized_folder(fp32_folder: Path, options: RuntimeOptions) -> Path:
    """The cached int8 export made from the fp32 export in ``fp32_folder``."""
    parts = {
        "source_export": fp32_folder.name,
        "format": "onnx",
        "precision": "int8",
        "scheme": SCHEME,
        "onnxruntime": version("onnxruntime"),
        "onnx": version("onnx"),
    }
    folder, _ = cached_export(
        options.exports_dir(), parts, lambda out: quantize_towers(fp32_folder, out)
    )
    return folder


def quantize_towers(source: Path, target: Path) -> None:
    """Write dynamically quantized copies of the towers in ``source`` into ``target``.

    Raises:
        MissingDependencyError: ``onnxruntime`` (with its quantization tools) is missing.
        BackendError: quantization failed.
    """
    quantization = require_optional(
        "onnxruntime.quantization", extra="onnx", purpose="--runtime onnxruntime --precision int8"
    )
    onnx = require_optional("onnx", extra="onnx", purpose="--runtime onnxruntime --precision int8")
    for file in tower_files(source).values():
        try:
            model = onnx.load(str(source / file))
            # The exporter's shape annotations can disagree with onnx's strict re-inference,
            # which the quantizer runs; dropping them lets onnx infer them afresh.
            model.graph.ClearField("value_info")
            with _quiet_root_logger():  # it logs an irrelevant pre-processing tip at WARNING
                quantization.quantize_dynamic(
                    model,
                    target / file,
                    op_types_to_quantize=list(QUANTIZED_OPS),
                    per_channel=True,
                    reduce_range=False,
                    weight_type=quantization.QuantType.QInt8,
                    use_external_data_format=True,
                )
        except Exception as exc:
            raise BackendError(
                f"int8 quantization of {source / file} with onnxruntime failed: {exc}; "
                "run --precision fp32, or --runtime openvino --precision int8"
            ) from exc


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
