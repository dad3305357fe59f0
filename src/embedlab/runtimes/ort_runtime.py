"""Runtime ``onnxruntime``: the exported ONNX towers in onnxruntime sessions.

Precisions: ``fp32`` (the export as is) and ``int8`` (dynamic quantization, see
:mod:`embedlab.runtimes.ort_quantize`; CPU only). ``bf16``/``fp16`` are refused: onnxruntime's
CPU provider has no reduced-precision kernels for most ops of these models (a converted graph
would run mostly in fp32 between casts, so its numbers would mislead); use ``--runtime
openvino`` (bf16 through an inference precision hint) or ``--runtime torch``.

Devices: ``cpu`` → ``CPUExecutionProvider``; ``cuda[:N]`` → ``CUDAExecutionProvider`` (device
N, CPU provider as fallback for ops it lacks), which needs ``onnxruntime-gpu``; without it the
error says so. Sessions: ``intra_op_num_threads`` = ``RuntimeOptions.threads`` or torch's thread
count, one inter-op thread, sequential execution, all graph optimizations, and intra-op
threads that do not spin while waiting for work (``session.intra_op.allow_spinning=0``): with
another process on one core, spinning threads take CPU from the thread doing the work (measured
in docs/measurements.md, "contention experiment"); the settings are recorded in the encoder's
``runtime_info``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from embedlab.errors import BackendError, ConfigError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.exportable import Arrays
from embedlab.runtimes._deps import (
    require_optional,
    resolve_threads,
    version,
    waiting_threads_spin,
)
from embedlab.runtimes.base import RUNTIMES, RuntimeInfo, RuntimeOptions
from embedlab.runtimes.loader import load_exportable, unsupported_precision
from embedlab.runtimes.onnx_export import OUTPUT_NAME, TOWER_FILES, onnx_folder, require_exporter
from embedlab.runtimes.ort_quantize import SCHEME, quantized_folder
from embedlab.runtimes.towers import Executor, build_tower_encoder

SUPPORTED = ("fp32", "int8")
CPU, CUDA = "CPUExecutionProvider", "CUDAExecutionProvider"


def allow_spinning() -> str:
    """``session.intra_op.allow_spinning`` of every session: "0" (waiting threads sleep) unless
    ``EMBEDLAB_WAIT_POLICY=active`` (see :func:`embedlab.runtimes._deps.waiting_threads_spin`)."""
    return "1" if waiting_threads_spin() else "0"


@RUNTIMES.register("onnxruntime")
def onnxruntime_runtime(spec: ModelSpec, options: RuntimeOptions) -> Encoder:
    """Export (cached), optionally quantize (cached), and open one session per tower."""
    if spec.precision not in SUPPORTED:
        raise unsupported_precision(
            spec,
            SUPPORTED,
            "for reduced precision on CPU use --precision bf16 with --runtime openvino or "
            "--runtime torch (fp16 is emulated on most CPUs)",
        )
    ort = require_optional("onnxruntime", extra="onnx", purpose="--runtime onnxruntime")
    providers = _providers(spec, ort)
    require_exporter(options)
    reference = load_exportable(spec)
    folder = onnx_folder(reference.encoder, options)
    if spec.precision == "int8":
        folder = quantized_folder(folder, options)
    threads = resolve_threads(options.threads)
    sessions = {
        tower: _session(ort, folder / TOWER_FILES[tower], providers, threads)
        for tower in reference.layout.modalities
    }
    settings = {
        "providers": ",".join(sessions["text"].get_providers()),
        "intra_op_threads": str(threads),
        "inter_op_threads": "1",
        "allow_spinning": allow_spinning(),
        "execution_mode": "sequential",
        "graph_optimization": "all",
        "export": str(folder),
        "exporter": options.exporter,
        "opset": str(options.opset),
        "onnxruntime": version("onnxruntime"),
    }
    if spec.precision == "int8":
        settings["quantization"] = SCHEME
    info = RuntimeInfo("onnxruntime", spec.precision, spec.device, threads, settings)
    runners = {tower: _runner(session) for tower, session in sessions.items()}
    return build_tower_encoder(spec, reference, runners, info)


def _providers(spec: ModelSpec, ort: ModuleType) -> list[Any]:
    """Execution providers for ``spec.device`` (a clear error when it cannot be served)."""
    if spec.device == "cpu":
        return [CPU]
    if not spec.device.startswith("cuda"):
        raise ConfigError(
            f"--runtime onnxruntime runs on --device cpu or cuda[:N], not {spec.device!r}"
        )
    if spec.precision == "int8":
        raise ConfigError(
            "--runtime onnxruntime --precision int8 runs on --device cpu only (dynamic "
            "quantization has no CUDA kernels); use --precision fp32 on cuda"
        )
    available = list(ort.get_available_providers())
    if CUDA not in available:
        raise ConfigError(
            f"--device {spec.device} with --runtime onnxruntime needs the {CUDA}, which this "
            f"onnxruntime lacks (available: {', '.join(available)}); install onnxruntime-gpu"
        )
    _, _, index = spec.device.partition(":")
    return [(CUDA, {"device_id": int(index or 0)}), CPU]


def _session(ort: ModuleType, path: Path, providers: list[Any], threads: int) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", allow_spinning())
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:
        raise BackendError(f"onnxruntime could not load {path}: {exc}") from exc
    wanted = providers[0][0] if isinstance(providers[0], tuple) else providers[0]
    if session.get_providers()[0] != wanted:
        raise BackendError(
            f"onnxruntime did not enable {wanted} for {path} (got {session.get_providers()}); "
            "check the CUDA/cuDNN libraries onnxruntime-gpu needs"
        )
    return session


def _runner(session: Any) -> Executor:
    names = [node.name for node in session.get_inputs()]

    def run(arrays: Arrays) -> Any:
        return session.run([OUTPUT_NAME], {name: arrays[name] for name in names})[0]

    return run
