"""Export a model's image and text towers to ONNX (``image.onnx``, ``text.onnx``).

Exporter: ``torch.onnx.export(..., dynamo=True)`` by default — the ``torch.export``-based
exporter, torch's default and maintained path since 2.9. It captures the graph symbolically, so a
batch or sequence axis declared dynamic really is dynamic (or the export fails loudly), where the
legacy TorchScript tracer bakes Python control flow taken for the example input into the graph.
It is slower to export (seconds per tower) — exports are cached. ``exporter="torchscript"``
selects the legacy tracer for models ``torch.export`` cannot capture.

Towers: those of the model's :class:`~embedlab.models.exportable.TowerLayout` — both for
image–text models, ``text.onnx`` alone for text-only models (their tower outputs
``last_hidden_state``; pooling runs in numpy after it). The cache key names the graph with the
model's ``export_identity()`` (by default the model string and its weights fingerprint; text
models: prompt-free, see :mod:`embedlab.models.exportable`).

Axes: the batch axis of every input is dynamic; the sequence axis of text inputs is dynamic
unless the model fixes it (SigLIP pads to 64, open_clip to its context length: then the
export keeps it static, which is exactly what the model is always fed). Example inputs come
from the model's own preprocessing, with batch 2 (torch.export specialises sizes 0 and 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from embedlab.errors import BackendError, ConfigError, EmbedlabError
from embedlab.models._torch_utils import require
from embedlab.models.base import Modality
from embedlab.models.exportable import Arrays, Exportable, Preprocessor
from embedlab.runtimes._deps import require_optional, version
from embedlab.runtimes.base import RuntimeOptions
from embedlab.runtimes.export_cache import cached_export

SAMPLE_TEXTS = ("a photo of a cat sitting on a red sofa", "a dog")
OUTPUT_NAME = "features"
IMAGE_FILE, TEXT_FILE = "image.onnx", "text.onnx"
TOWER_FILES: dict[Modality, str] = {"image": IMAGE_FILE, "text": TEXT_FILE}
#: Packages whose versions change the exported graph (part of the cache key).
EXPORT_PACKAGES = ("torch", "onnx", "onnxscript", "transformers", "open_clip_torch")


def sample_images() -> list[Image.Image]:
    """Two small RGB images of different sizes (the processor resizes and crops them)."""
    rng = np.random.default_rng(0)
    return [
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        for h, w in ((48, 64), (64, 40))
    ]


def require_exporter(options: RuntimeOptions) -> None:
    """Fail early with :class:`MissingDependencyError` if the ONNX exporter cannot run."""
    purpose = f"exporting to ONNX ({options.exporter} exporter)"
    require_optional("onnx", extra="onnx", purpose=purpose)
    if options.exporter == "dynamo":
        require_optional("onnxscript", extra="onnx", purpose=purpose)


def onnx_folder(encoder: Exportable, options: RuntimeOptions) -> Path:
    """The cached fp32 ONNX export of ``encoder`` (built on first use).

    It is runtime-neutral: onnxruntime runs it (and quantizes it for int8) and OpenVINO
    converts it, so both execute the same graph.
    """
    parts = {
        **encoder.export_identity(),
        "format": "onnx",
        "precision": "fp32",
        "opset": str(options.opset),
        "exporter": options.exporter,
        **{name: version(name) for name in EXPORT_PACKAGES},
    }
    folder, _ = cached_export(
        options.exports_dir(), parts, lambda out: export_onnx_towers(encoder, out, options)
    )
    return folder


def tower_files(folder: Path) -> dict[Modality, str]:
    """The towers exported in ``folder`` and their file names."""
    return {tower: file for tower, file in TOWER_FILES.items() if (folder / file).is_file()}


def export_onnx_towers(encoder: Exportable, folder: Path, options: RuntimeOptions) -> None:
    """Write the ONNX file of each tower of ``encoder``'s layout into ``folder``.

    Raises:
        ConfigError: the model's image inputs are not a plain ``pixel_values`` tensor.
        BackendError: the exporter failed (the message suggests the other exporter).
    """
    preprocessor = encoder.preprocessor()
    for tower in encoder.tower_layout().modalities:
        if tower == "image":
            inputs, module = _image_inputs(encoder, preprocessor), encoder.image_tower()
        else:
            inputs, module = preprocessor.text_arrays(list(SAMPLE_TEXTS)), encoder.text_tower()
        try:
            _export(module, inputs, folder / TOWER_FILES[tower], options)
        except EmbedlabError:
            raise
        except Exception as exc:
            other = "torchscript" if options.exporter == "dynamo" else "dynamo"
            raise BackendError(
                f"exporting the {tower} tower of {encoder.spec.name!r} to ONNX with the "
                f"{options.exporter} exporter failed ({type(exc).__name__}: {exc}); try "
                f"RuntimeOptions(exporter={other!r}), or --runtime torch"
            ) from exc


def _image_inputs(encoder: Exportable, preprocessor: Preprocessor) -> Arrays:
    inputs = preprocessor.image_arrays(sample_images())
    if list(inputs) != ["pixel_values"]:
        raise ConfigError(
            f"--runtime {encoder.spec.runtime}: model {encoder.spec.name!r} takes image inputs "
            f"{sorted(inputs)}; only models fed plain pixel_values can be exported yet "
            "(use --runtime torch)"
        )
    return inputs


def _export(module: Any, inputs: Arrays, path: Path, options: RuntimeOptions) -> None:
    torch = require("torch", purpose="exporting a model to ONNX")
    names = list(inputs)
    args = tuple(torch.from_numpy(inputs[name]) for name in names)
    common: dict[str, Any] = {
        "input_names": names,
        "output_names": [OUTPUT_NAME],
        "opset_version": options.opset,
    }
    with torch.no_grad():
        if options.exporter == "dynamo":
            torch.onnx.export(
                module,
                args,
                str(path),
                dynamo=True,
                verbose=False,
                external_data=True,
                dynamic_shapes=_dynamic_shapes(torch, names),
                **common,
            )
        else:
            axes = {name: _axes(name) for name in names} | {OUTPUT_NAME: {0: "batch"}}
            torch.onnx.export(module, args, str(path), dynamo=False, dynamic_axes=axes, **common)


def _axes(name: str) -> dict[int, str]:
    return {0: "batch"} if name == "pixel_values" else {0: "batch", 1: "sequence"}


def _dynamic_shapes(torch: Any, names: list[str]) -> tuple[dict[int, Any], ...]:
    dim = torch.export.Dim
    return tuple(
        {0: dim.DYNAMIC} if name == "pixel_values" else {0: dim.DYNAMIC, 1: dim.AUTO}
        for name in names
    )
