"""Model source ``hf``: transformers dual encoders, ``--model hf:<hub id or local folder>``.

Supported families: CLIP (incl. MetaCLIP), SigLIP, SigLIP 2 — any checkpoint whose AutoModel has
``get_image_features`` and ``get_text_features``. The weights load with ``AutoModel``; the
preprocessing is the checkpoint's own image processor (PIL backend, which resizes like the
original CLIP/open_clip pipelines) and tokenizer; text padding follows the family. The encoder
is :class:`~embedlab.models.encoders.transformers_dual.HFEncoder`. ``trust_remote_code`` is
passed only when the user set it.

``?revision=SHA|TAG`` (or the revision of the preset with this hub id) pins the Hub revision
of config, processor, tokenizer and weights (:mod:`embedlab.models.revision`); it is part of
the fingerprint and recorded by ``describe()``.

Before anything is loaded, the checkpoint's ``config.json`` is read (the folder's, or the hub
file, cached by huggingface_hub): a ``model_type`` whose transformers model is not such a dual
encoder (a text model, ColPali, ...) is refused in one line naming what it is, the families this
source runs and, for a text model, the ``hf-text:`` / ``st:`` sources. A local folder must hold
a weights file, and a checkpoint that leaves tensors of the model unloaded, or has tensors the
model lacks, is refused (:mod:`embedlab.models.weights_check`): no random weights are evaluated.

Multi-vector checkpoints. A reference whose ``config.json`` ``model_type`` is ``colpali`` or
``colqwen2`` is a late-interaction model (``late_interaction`` True, decided from that file
alone: :func:`~embedlab.models.encoders.colvision_checkpoint.late_interaction_family`); it loads
with ``load_tokens`` (:func:`~embedlab.models.encoders.colpali.load_colpali`, transformers'
native ``ColPaliForRetrieval`` / ``ColQwen2ForRetrieval``), and ``load`` refuses it in one line,
as ``load`` returns a dense encoder. The fingerprint is the same function for both forms (the
embedding cache keys multi-vector entries apart by their form).

Repository code. A ``config.json`` with ``auto_map`` whose ``model_type`` transformers does not
know is refused without ``--trust-remote-code`` in one line naming the ``auto_map`` classes and
pointing at the ``remote:`` source (:mod:`embedlab.models.sources.remote_code`), which drives
such models (Jina-CLIP-v1) the way their card does. (Before, transformers' own refusal surfaced
as a failure to load "the image processor".) With the flag, ``hf`` loads it as any dual encoder.

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from embedlab.errors import ModelError
from embedlab.models._loading import loading, require_hub
from embedlab.models._ref_options import split_revision
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelDetails, ModelSpec, SourceDefaults
from embedlab.models.checkpoint_files import checkpoint_location, read_config, where_hint
from embedlab.models.encoders.colpali import ColVisionEncoder, load_colpali
from embedlab.models.encoders.colvision_checkpoint import FAMILIES, late_interaction_family
from embedlab.models.encoders.transformers_dual import HFEncoder, text_policy
from embedlab.models.fingerprint import (
    ref_fingerprint,
)
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.revision import Pin, resolve_pin
from embedlab.models.weights_check import (
    DUAL_ENCODER_IGNORABLE_MISSING,
    TRANSFORMERS_WEIGHT_FILES,
    LoadReport,
    refuse_partial_load,
    require_weights_file,
)

#: Bumped when the way this source preprocesses or pools changes (invalidates cached embeddings).
HF_SOURCE_VERSION = 1
IMAGE_PROCESSOR_BACKEND = "pil"
#: The families this source is built and tested for (by config.json ``model_type``).
SUPPORTED_FAMILIES = "CLIP/MetaCLIP (clip, metaclip_2), SigLIP (siglip), SigLIP 2 (siglip2)"


def hf_ref(spec: ModelSpec) -> tuple[str, Pin]:
    """The hub id or folder of ``spec.ref`` and the revision it loads (``?revision=``, preset)."""
    base, option = split_revision(spec.ref, spec.name)
    return base, resolve_pin("hf", base, option, spec.name)


def _where(spec: ModelSpec) -> str:
    return where_hint(hf_ref(spec)[0])


def _location(spec: ModelSpec) -> str:
    """What to pass to ``from_pretrained``: the expanded local folder, or the hub id."""
    return checkpoint_location(hf_ref(spec)[0], spec.name)


def _read_config(spec: ModelSpec, location: str) -> dict[str, Any]:
    """The checkpoint's ``config.json`` (a local folder's, or the hub file via the HF cache)."""
    return read_config(location, spec.name, revision=hf_ref(spec)[1].revision)


def refuse_repository_code(spec: ModelSpec, config: dict[str, Any], known: Any) -> None:
    """Refuse, without ``--trust-remote-code``, a config whose ``auto_map`` brings code for a
    ``model_type`` transformers does not know (``known``: its config mapping names).

    Raises:
        ModelError: one line: the ``auto_map`` classes, the flag and the ``remote:`` source.
    """
    auto_map = config.get("auto_map")
    model_type = config.get("model_type")
    if spec.trust_remote_code or not isinstance(auto_map, dict) or model_type in known:
        return
    classes = ", ".join(f"{key} → {value}" for key, value in sorted(auto_map.items()))
    base = hf_ref(spec)[0]
    what = f"a {model_type!r} checkpoint" if model_type else "a checkpoint without model_type"
    raise ModelError(
        f"model {spec.name!r} is {what} whose modelling code ships with the repository "
        f"(config.json auto_map: {classes}), unknown to transformers; such code runs "
        f"only by flag: use remote:{base} --trust-remote-code (an image–text model driven as its "
        "card does, revision pinned and recorded)"
    )


def _is_text_only(config: dict[str, Any]) -> bool:
    """No vision part in the config (no key naming ``vision``/``image``, no ``vlm_config``)."""
    return not any("vision" in key or "image" in key or key == "vlm_config" for key in config)


def check_architecture(spec: ModelSpec, config: dict[str, Any], transformers: Any) -> None:
    """Refuse a ``model_type`` whose transformers model is not an image–text dual encoder.

    Decided from ``config.json`` alone: the ``model_type``'s ``AutoModel`` class must have
    ``get_image_features`` and ``get_text_features``. A config with its own code (``auto_map``)
    or without a ``model_type`` is left to the load (checked after it).

    Raises:
        ModelError: one line: the checkpoint's ``model_type`` and ``architectures``, the
            families this source runs, and the source that fits a text model.
    """
    model_type = config.get("model_type")
    auto = "transformers.models.auto."
    config_names = importlib.import_module(auto + "configuration_auto").CONFIG_MAPPING_NAMES
    refuse_repository_code(spec, config, config_names)
    if not isinstance(model_type, str) or "auto_map" in config:
        return
    model_names = importlib.import_module(auto + "modeling_auto").MODEL_MAPPING_NAMES
    names = model_names.get(model_type)
    class_name = names if isinstance(names, str) else (names[0] if names else None)
    model_class = getattr(transformers, class_name, None) if class_name else None
    if model_class is not None and all(
        hasattr(model_class, method) for method in ("get_image_features", "get_text_features")
    ):
        return
    architectures = ", ".join(str(a) for a in config.get("architectures") or []) or "?"
    what = f"a {model_type!r} checkpoint ({architectures})"
    if model_type not in config_names:
        what += f", unknown to transformers {transformers.__version__}"
    advice = "pick an image–text checkpoint"
    if _is_text_only(config):
        ref = hf_ref(spec)[0]
        advice = f"for a text model use hf-text:{ref}?pooling=mean|cls|last or st:{ref}"
    raise ModelError(
        f"model {spec.name!r} is {what}, not an image–text dual encoder; hf runs "
        f"{SUPPORTED_FAMILIES} (any model with get_image_features/get_text_features); {advice}"
    )


def _load_model(spec: ModelSpec, transformers: Any, location: str) -> Any:
    with loading(spec.name, "weights", _where(spec)):
        model, info = transformers.AutoModel.from_pretrained(
            location,
            dtype=torch_dtype(spec.precision),
            trust_remote_code=spec.trust_remote_code,
            output_loading_info=True,
            ignore_mismatched_sizes=True,  # reported in ``info`` and refused below
            **hf_ref(spec)[1].kwargs(),
        )
    report = LoadReport.from_transformers(info)
    refuse_partial_load(spec.name, report.without(missing=DUAL_ENCODER_IGNORABLE_MISSING))
    if not (hasattr(model, "get_image_features") and hasattr(model, "get_text_features")):
        raise ModelError(
            f"model {spec.name!r} loaded as {type(model).__name__}, which is not an image–text "
            "dual encoder (no get_image_features/get_text_features); the hf source supports "
            f"{SUPPORTED_FAMILIES} checkpoints — use another source for this model"
        )
    return move_to_device(model, spec.device, spec.name).eval()


def _load_preprocessing(spec: ModelSpec, transformers: Any, location: str) -> tuple[Any, Any]:
    hint = (
        f"{_where(spec)}; a checkpoint needs its processor files (image processor config and "
        "tokenizer): save them next to the weights with processor.save_pretrained(folder)"
    )
    remote = spec.trust_remote_code
    revision = hf_ref(spec)[1].kwargs()
    with loading(spec.name, "image processor", hint):
        image_processor = transformers.AutoImageProcessor.from_pretrained(
            location, trust_remote_code=remote, **_pil_backend(transformers), **revision
        )
    with loading(spec.name, "tokenizer", hint):
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            location, trust_remote_code=remote, **revision
        )
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

        A local folder hashes its files' names, sizes and mtimes; a hub id gives the pinned
        revision, else the commit of the locally cached ``main`` if present, else the id itself.
        """
        base, pin = hf_ref(spec)
        return f"hf/v{HF_SOURCE_VERSION}:{ref_fingerprint(base, spec.name, pin.revision)}"

    def describe(self, spec: ModelSpec) -> ModelDetails:
        """The revision loaded (cheap): pinned by ``?revision=`` or a preset, unpinned, or a
        local folder."""
        pin = hf_ref(spec)[1]
        text = "local folder (files fingerprinted)" if pin.origin == "local" else pin.describe()
        return {"revision": text}

    def load(self, spec: ModelSpec) -> HFEncoder:
        """Check config.json, load image processor, tokenizer and weights; return the encoder.

        Raises:
            ModelError: the folder/hub id is missing, is not a dual encoder with a processor,
                has no weights file, or its weights do not match the model (missing,
                unexpected or mis-shaped tensors).
            MissingDependencyError: torch or transformers is not installed.
            ConfigError: ``spec.device`` is not usable.
        """
        location = _location(spec)
        if not Path(location).exists():
            require_hub(spec.name, location, revision=hf_ref(spec)[1].revision)
        transformers = require("transformers", purpose=f"loading model {spec.name!r}")
        config = _read_config(spec, location)
        if config.get("model_type") in FAMILIES:
            architectures = ", ".join(str(a) for a in config.get("architectures") or []) or "?"
            raise ModelError(
                f"model {spec.name!r} is a {config['model_type']!r} checkpoint ({architectures}), "
                "a multi-vector (late-interaction) model, not a dense encoder: it runs on tasks "
                f"that score MaxSim, on --runtime torch; hf's dense encoders: {SUPPORTED_FAMILIES}"
            )
        check_architecture(spec, config, transformers)
        if Path(location).is_dir():
            require_weights_file(Path(location), spec.name, TRANSFORMERS_WEIGHT_FILES)
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

    def late_interaction(self, spec: ModelSpec) -> bool:
        """True for a ColPali / ColQwen2 checkpoint (reads its config.json only)."""
        base, pin = hf_ref(spec)
        return late_interaction_family(base, spec.name, pin.revision) is not None

    def load_tokens(self, spec: ModelSpec) -> ColVisionEncoder:
        """The ColPali / ColQwen2 checkpoint as a multi-vector encoder.

        Raises:
            ModelError: not such a checkpoint (one line naming what is supported), missing
                files or weights that do not match the model.
            ConfigError: a precision torch cannot run (int8), or an unusable device.
        """
        base, pin = hf_ref(spec)
        return load_colpali(
            base,
            revision=pin.revision,
            precision=spec.precision,
            device=spec.device,
            batch_size=spec.batch_size,
            source=spec.source,
        )


HF_SOURCE = HFSource()
MODEL_SOURCES.register("hf")(HF_SOURCE)
