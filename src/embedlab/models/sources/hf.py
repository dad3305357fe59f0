"""Model source ``hf``: transformers dual encoders, ``--model hf:<hub id or local folder>``.

Supported families: CLIP (incl. MetaCLIP), SigLIP, SigLIP 2 — any checkpoint whose AutoModel has
``get_image_features`` and ``get_text_features``. The weights load with ``AutoModel``; the
preprocessing is the checkpoint's own image processor (PIL backend, which resizes like the
original CLIP/open_clip pipelines) and tokenizer; text padding follows the family. The encoder
is :class:`~embedlab.models.encoders.transformers_dual.HFEncoder`. ``trust_remote_code`` is
passed only when the user set it.

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

from typing import Any

from embedlab.errors import ModelError
from embedlab.models._loading import loading
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelSpec, SourceDefaults
from embedlab.models.encoders.transformers_dual import HFEncoder, text_policy
from embedlab.models.fingerprint import (
    local_path,
    looks_like_path,
    ref_fingerprint,
    require_local_path,
)
from embedlab.models.registry import MODEL_SOURCES

#: Bumped when the way this source preprocesses or pools changes (invalidates cached embeddings).
HF_SOURCE_VERSION = 1
IMAGE_PROCESSOR_BACKEND = "pil"


def _where(spec: ModelSpec) -> str:
    if looks_like_path(spec.ref) or local_path(spec.ref) is not None:
        return "check that the folder holds a complete transformers checkpoint"
    return (
        "check the hub id, your network, or that the model is in the local HF cache "
        "(HF_HUB_OFFLINE=1 uses cached files only)"
    )


def _location(spec: ModelSpec) -> str:
    """What to pass to ``from_pretrained``: the expanded local folder, or the hub id."""
    if looks_like_path(spec.ref):
        return str(require_local_path(spec.ref, spec.name))
    path = local_path(spec.ref)
    return str(path) if path is not None else spec.ref


def _load_model(spec: ModelSpec, transformers: Any, location: str) -> Any:
    with loading(spec.name, "weights", _where(spec)):
        model = transformers.AutoModel.from_pretrained(
            location, dtype=torch_dtype(spec.precision), trust_remote_code=spec.trust_remote_code
        )
    if not (hasattr(model, "get_image_features") and hasattr(model, "get_text_features")):
        raise ModelError(
            f"model {spec.name!r} loaded as {type(model).__name__}, which is not an image–text "
            "dual encoder (no get_image_features/get_text_features); the hf source supports "
            "CLIP, MetaCLIP, SigLIP and SigLIP 2 checkpoints — use another source for this model"
        )
    return move_to_device(model, spec.device, spec.name).eval()


def _load_preprocessing(spec: ModelSpec, transformers: Any, location: str) -> tuple[Any, Any]:
    hint = (
        f"{_where(spec)}; a checkpoint needs its processor files (image processor config and "
        "tokenizer): save them next to the weights with processor.save_pretrained(folder)"
    )
    remote = spec.trust_remote_code
    with loading(spec.name, "image processor", hint):
        image_processor = transformers.AutoImageProcessor.from_pretrained(
            location, trust_remote_code=remote, **_pil_backend(transformers)
        )
    with loading(spec.name, "tokenizer", hint):
        tokenizer = transformers.AutoTokenizer.from_pretrained(location, trust_remote_code=remote)
    tokenizer.padding_side = "right"  # CLIP and SigLIP were trained right-padded
    return image_processor, tokenizer


def _pil_backend(transformers: Any) -> dict[str, Any]:
    """Keyword arguments selecting the PIL image processor.

    ``backend="pil"`` in transformers 5, ``use_fast=False`` in 4.x. PIL resizes exactly like
    the original CLIP and open_clip pipelines (PIL bicubic); the torchvision backend,
    transformers 5's default, differs from them by up to ~0.015 per normalised pixel value.
    """
    major = int(str(transformers.__version__).split(".")[0])
    return {"backend": IMAGE_PROCESSOR_BACKEND} if major >= 5 else {"use_fast": False}


class HFSource(SourceDefaults):
    """The ``hf`` model source (see the module docstring)."""

    def fingerprint(self, spec: ModelSpec) -> str:
        """Identify the weights without importing torch/transformers.

        A local folder hashes its files' names, sizes and mtimes; a hub id gives the commit of
        the locally cached ``main`` if present, else the id itself.
        """
        return f"hf/v{HF_SOURCE_VERSION}:{ref_fingerprint(spec.ref, spec.name)}"

    def load(self, spec: ModelSpec) -> HFEncoder:
        """Load weights, image processor and tokenizer, and return the encoder.

        Raises:
            ModelError: the folder/hub id is missing or is not a dual encoder with a processor.
            MissingDependencyError: torch or transformers is not installed.
            ConfigError: ``spec.device`` is not usable.
        """
        location = _location(spec)
        transformers = require("transformers", purpose=f"loading model {spec.name!r}")
        image_processor, tokenizer = _load_preprocessing(spec, transformers, location)
        model = _load_model(spec, transformers, location)
        return HFEncoder(
            spec=spec,
            model=model,
            image_processor=image_processor,
            tokenizer=tokenizer,
            policy=text_policy(model.config, tokenizer),
            dtype=torch_dtype(spec.precision),
        )


HF_SOURCE = HFSource()
MODEL_SOURCES.register("hf")(HF_SOURCE)
