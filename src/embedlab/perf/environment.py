"""Capture the environment a run happened in: machine, threads, accelerators, package versions.

Package versions come from installed metadata, and framework details (torch threads, CUDA
devices, onnxruntime providers) only from frameworks that are already imported, so capturing
the environment never imports a deep-learning framework.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from embedlab.scoring._fused_pass import kernel_description

PACKAGES = (
    "embedlab",
    "numpy",
    "torch",
    "torchvision",
    "transformers",
    "tokenizers",
    "open_clip_torch",
    "sentence-transformers",
    "onnx",
    "onnxruntime",
    "onnxruntime-gpu",
    "openvino",
    "optimum",
    "faiss-cpu",
    "datasets",
    "pillow",
)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: CPU flags that change which kernels a runtime can use (vector width, bf16/int8 matmul units).
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8", "fma")


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def _field(lines: list[str], name: str) -> list[str]:
    """Values of every ``name : value`` line."""
    pairs = (line.split(":", 1) for line in lines if ":" in line)
    return [value.strip() for key, value in pairs if key.strip() == name]


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, or platform.processor()."""
    names = _field(_cpuinfo(), "model name")
    return names[0] if names else (platform.processor() or "unknown")


def physical_cores() -> int | None:
    """Distinct (physical id, core id) pairs in /proc/cpuinfo, else psutil's count, else None."""
    lines = _cpuinfo()
    pairs = set(zip(_field(lines, "physical id"), _field(lines, "core id"), strict=False))
    if pairs:
        return len(pairs)
    try:
        import psutil
    except ImportError:
        return None
    count = psutil.cpu_count(logical=False)
    return int(count) if count else None


def cpu_flags() -> list[str]:
    """Which of :data:`CPU_FLAGS` the CPU reports."""
    flags = _field(_cpuinfo(), "flags")
    present = set(flags[0].split()) if flags else set()
    return [flag for flag in CPU_FLAGS if flag in present]


def memory_total_mib() -> float | None:
    """Total RAM in MiB from /proc/meminfo."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that affect results (absent ones omitted)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _nvidia_driver() -> str | None:
    try:
        first = Path("/proc/driver/nvidia/version").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return first.strip()


def torch_details(torch: Any) -> dict[str, Any]:
    """Threads, build and CUDA devices of an imported torch."""
    details: dict[str, Any] = {
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "mkldnn": bool(torch.backends.mkldnn.is_available()),
        "cuda": None,
    }
    if torch.cuda.is_available():
        details["cuda"] = {
            "devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
            "cuda_version": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
            "driver": _nvidia_driver(),
        }
    return details


def capture_environment() -> dict[str, Any]:
    """A JSON-ready description of this machine and software."""
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "physical_cores": physical_cores(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_flags": cpu_flags(),
        "memory_mib": memory_total_mib(),
        "packages": package_versions(),
        "thread_env": {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ},
        "exact_ranking": kernel_description(),  # C kernel or numpy: same ranks, other speed
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        env.update(torch_details(torch))
    ort = sys.modules.get("onnxruntime")
    if ort is not None and hasattr(ort, "get_available_providers"):
        env["onnxruntime_providers"] = list(ort.get_available_providers())
    return env
