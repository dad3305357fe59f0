"""Out-of-memory risk of an MLLM before it is loaded: parameters × bytes per parameter.

``estimate = parameters × bytes(dtype) × (1 + OVERHEAD)``. The parameters are counted from the
checkpoint's safetensors headers (the shape of every tensor, no tensor read: a local folder, or
a hub model's snapshot in the local HF cache), from a hub model's
``model.safetensors.index.json`` (``total_size`` bytes ÷ the stored dtype's bytes), or, for
``arch:``, from the model built on torch's ``meta`` device. The available memory is
``MemAvailable`` of ``/proc/meminfo`` (else psutil's ``virtual_memory().available``); unknown →
no check. A CPU model whose estimate exceeds the available memory is refused with both figures.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

from embedlab.core.ram import available_ram_bytes
from embedlab.errors import ModelError

#: Activations, buffers and the allocator's slack on top of the weights.
OVERHEAD = 0.2
BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
_GIB = 1024**3


def safetensors_parameters(folder: Path) -> int | None:
    """Elements of every tensor in the folder's ``*.safetensors`` (from headers), or None."""
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        return None
    total = 0
    for file in files:
        with file.open("rb") as handle:
            (size,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(size))
        for name, entry in header.items():
            if name != "__metadata__":
                count = 1
                for dim in entry["shape"]:
                    count *= int(dim)
                total += count
    return total


def hub_parameters(repo_id: str, stored_dtype: str) -> int | None:
    """Parameters of a hub checkpoint before its weights are downloaded, or None if unknown."""
    import huggingface_hub

    cached = huggingface_hub.try_to_load_from_cache(repo_id, "config.json")
    if isinstance(cached, str):
        count = safetensors_parameters(Path(cached).parent)
        if count is not None:
            return count
    try:
        index = huggingface_hub.hf_hub_download(repo_id, "model.safetensors.index.json")
        total = int(json.loads(Path(index).read_text(encoding="utf-8"))["metadata"]["total_size"])
    except (OSError, ValueError, KeyError, TypeError, huggingface_hub.errors.HfHubHTTPError):
        return None  # no index, offline, malformed: no estimate
    return total // _STORED_BYTES.get(stored_dtype, 2)


_STORED_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


# Re-exported under this module's name (callers and tests look it up here).
available_bytes = available_ram_bytes


def estimate_bytes(parameters: int, precision: str) -> int:
    """``parameters × bytes(precision) × (1 + OVERHEAD)``."""
    return int(parameters * BYTES[precision] * (1 + OVERHEAD))


def refuse_if_too_big(
    model: str, parameters: int, precision: str, device: str, available: int | None
) -> None:
    """Raise :class:`ModelError` when a CPU model's estimate exceeds ``available``."""
    if not device.startswith("cpu") or available is None:
        return
    need = estimate_bytes(parameters, precision)
    if need > available:
        raise ModelError(
            f"model {model!r} needs about {need / _GIB:.1f} GiB ({parameters / 1e9:.2f} B "
            f"parameters × {BYTES[precision]} bytes in {precision} + {OVERHEAD:.0%}) but only "
            f"{available / _GIB:.1f} GiB is available; use --precision bf16, a smaller model, "
            "or free memory"
        )
