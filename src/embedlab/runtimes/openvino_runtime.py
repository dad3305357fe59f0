"""Runtime ``openvino``: the ONNX towers converted to OpenVINO IR, compiled for the CPU.

Conversion goes through the cached fp32 ONNX export (``openvino.convert_model`` on
``image.onnx``/``text.onnx``, or ``text.onnx`` alone for a text model), not ``convert_model`` on
the torch module: onnxruntime and OpenVINO then execute the very same graph, so their
differences are the runtimes', and there is one exporter to keep working. The IR is saved with
``compress_to_fp16=False`` (its default would store fp16 weights) and cached like the ONNX
export.

Precisions (always set explicitly: on CPUs with AMX or AVX512-BF16 OpenVINO's *default*
inference precision is bf16, which would silently make "fp32" a bf16 number):

- ``fp32``: ``INFERENCE_PRECISION_HINT=f32``.
- ``bf16``: ``INFERENCE_PRECISION_HINT=bf16`` (AMX/AVX512-BF16 kernels), fp32 weights in the IR.
- ``fp16``: ``INFERENCE_PRECISION_HINT=f16``, only where the CPU supports it (AVX512-FP16 /
  AMX-FP16); both need the CPU to report the capability, and the compiled model must confirm
  the hint, else a :class:`ConfigError` — never a silent fp32 run.
- ``int8``: int8 *weight-only* compression with ``nncf.compress_weights`` (INT8_ASYM,
  per-channel), activations in f32 (hint f32). It shrinks the weights 4x and speeds up
  memory-bound layers; it is not full int8 compute (that needs calibration data). Needs
  ``nncf``.

Only ``--device cpu``. Compile settings: ``INFERENCE_NUM_THREADS`` = ``RuntimeOptions.threads``
or torch's thread count, ``NUM_STREAMS=1``, ``PERFORMANCE_HINT=LATENCY``; recorded in
``runtime_info``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType
from typing import Any

from embedlab.errors import BackendError, ConfigError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.exportable import Arrays
from embedlab.runtimes._deps import require_optional, resolve_threads, version
from embedlab.runtimes.base import RUNTIMES, RuntimeInfo, RuntimeOptions
from embedlab.runtimes.export_cache import cached_export
from embedlab.runtimes.loader import load_exportable
from embedlab.runtimes.onnx_export import onnx_folder, require_exporter, tower_files
from embedlab.runtimes.towers import Executor, build_tower_encoder

HINTS = {"fp32": "f32", "bf16": "bf16", "fp16": "f16", "int8": "f32"}
CAPABILITIES = {"bf16": "BF16", "fp16": "FP16"}
WEIGHTS_SCHEME = "nncf.compress_weights INT8_ASYM (weight-only, per-channel)"


@RUNTIMES.register("openvino")
def openvino_runtime(spec: ModelSpec, options: RuntimeOptions) -> Encoder:
    """Convert (cached), compile for the CPU at the requested precision, wrap."""
    if spec.device != "cpu":
        raise ConfigError(f"--runtime openvino runs on --device cpu only, not {spec.device!r}")
    ov = require_optional("openvino", extra="openvino", purpose="--runtime openvino")
    nncf = None
    if spec.precision == "int8":
        purpose = "--runtime openvino --precision int8 (int8 weight compression)"
        nncf = require_optional("nncf", extra="openvino", purpose=purpose)
    core = ov.Core()
    _check_capability(core, spec)
    require_exporter(options)
    reference = load_exportable(spec)
    folder = _ir_folder(ov, nncf, onnx_folder(reference.encoder, options), options)
    threads = resolve_threads(options.threads)
    config = {
        "INFERENCE_PRECISION_HINT": HINTS[spec.precision],
        "INFERENCE_NUM_THREADS": threads,
        "NUM_STREAMS": 1,
        "PERFORMANCE_HINT": "LATENCY",
    }
    compiled = {
        tower: _compile(core, folder / f"{tower}.xml", config, spec)
        for tower in reference.layout.modalities
    }
    settings = {key: str(value) for key, value in config.items() if key != "INFERENCE_NUM_THREADS"}
    settings |= {"export": str(folder), "openvino": version("openvino")}
    if nncf is not None:
        settings["weights"] = WEIGHTS_SCHEME
    info = RuntimeInfo("openvino", spec.precision, spec.device, threads, settings)
    runners = {tower: _runner(model) for tower, model in compiled.items()}
    return build_tower_encoder(spec, reference, runners, info)


def _check_capability(core: Any, spec: ModelSpec) -> None:
    needed = CAPABILITIES.get(spec.precision)
    if needed is None:
        return
    capabilities = list(core.get_property("CPU", "OPTIMIZATION_CAPABILITIES"))
    if needed not in capabilities:
        instead = "bf16, fp32 or int8" if "BF16" in capabilities else "fp32 or int8"
        raise ConfigError(
            f"--precision {spec.precision} with --runtime openvino needs a CPU with {needed} "
            f"support, which this one lacks (it reports {', '.join(capabilities)}); "
            f"use --precision {instead}"
        )


def _ir_folder(
    ov: ModuleType, nncf: ModuleType | None, onnx_dir: Path, options: RuntimeOptions
) -> Path:
    weights = "int8" if nncf is not None else "fp32"
    parts = {
        "source_export": onnx_dir.name,
        "format": "openvino-ir",
        "precision": weights,
        "openvino": version("openvino"),
        "nncf": version("nncf") if nncf is not None else "unused",
    }

    def build(out: Path) -> None:
        for tower, onnx_file in tower_files(onnx_dir).items():
            ir_file = f"{tower}.xml"
            try:
                model = ov.convert_model(str(onnx_dir / onnx_file))
                if nncf is not None:
                    nncf.set_log_level(logging.WARNING)  # no per-layer statistics on stdout
                    model = nncf.compress_weights(model)
                ov.save_model(model, str(out / ir_file), compress_to_fp16=False)
            except Exception as exc:
                raise BackendError(
                    f"OpenVINO could not convert {onnx_dir / onnx_file} ({weights}): {exc}"
                ) from exc

    folder, _ = cached_export(options.exports_dir(), parts, build)
    return folder


def _compile(core: Any, path: Path, config: dict[str, Any], spec: ModelSpec) -> Any:
    try:
        compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
    except Exception as exc:
        raise BackendError(f"OpenVINO could not compile {path} for the CPU: {exc}") from exc
    hint = config["INFERENCE_PRECISION_HINT"]
    got = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
    if got != hint:
        raise ConfigError(
            f"--precision {spec.precision} with --runtime openvino: the CPU plugin compiled "
            f"{path.name} with inference precision {got}, not {hint}; this CPU cannot run it"
        )
    return compiled


def _runner(compiled: Any) -> Executor:
    request = compiled.create_infer_request()
    names = [port.get_any_name() for port in compiled.inputs]

    def run(arrays: Arrays) -> Any:
        request.infer({name: arrays[name] for name in names})
        return request.get_output_tensor(0).data.copy()

    return run
