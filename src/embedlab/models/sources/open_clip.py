"""Model source ``open_clip``: models built by open_clip's own factory.

Refs:

- ``<arch>/<pretrained tag>``, e.g. ``open_clip:ViT-B-32/openai``; the tag may also be the path
  of a checkpoint file (``open_clip:ViT-B-32//data/ckpt.pt``);
- ``hf-hub:<repo>[?revision=SHA|TAG]``, e.g. ``open_clip:hf-hub:timm/ViT-B-16-SigLIP``; a
  revision (the option, or the preset's with this hub id: :mod:`embedlab.models.revision`)
  downloads that revision's files with huggingface_hub and builds from the folder as
  ``local-dir:`` (open_clip cannot pass a revision itself: :mod:`embedlab.models.hub_files`);
  it is part of the fingerprint and recorded by ``describe()``;
- ``local-dir:<folder>``: a folder with ``open_clip_config.json`` and weights (open_clip ≥ 2.31
  reads this schema natively).

Preprocessing is open_clip's eval transform for the model (from the tag or the config's
``preprocess_cfg``); tokenisation is ``open_clip.get_tokenizer`` for the same name. Precision
uses open_clip's own ``precision`` argument (``bf16``/``fp16`` keep LayerNorms in fp32, as the
original CLIP does) with inputs cast to the matching dtype. Importing this module imports
neither torch nor open_clip.

No random weights (:mod:`embedlab.models.weights_check`): a ``local-dir:`` folder without a
checkpoint is refused before open_clip is called (open_clip would log a warning and build a
randomly initialised model); open_clip is asked for ``require_pretrained=True``, so a hub
download that yields no weights fails too; and its strict ``load_state_dict`` failure (missing,
unexpected or mis-shaped tensors) becomes a one-line refusal naming the keys. Checkpoints load
with ``weights_only=True`` (safetensors, or ``torch.load`` of tensors only).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError, ModelError
from embedlab.models._loading import loading, require_hub
from embedlab.models._ref_options import split_revision
from embedlab.models._torch_utils import move_to_device, require
from embedlab.models.base import ModelDetails, ModelSpec, SourceDefaults
from embedlab.models.encoders.open_clip_dual import OpenClipEncoder
from embedlab.models.fingerprint import (
    files_fingerprint,
    hub_fingerprint,
    local_path,
    require_local_path,
)
from embedlab.models.hub_files import pinned_open_clip_folder
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.revision import NO_PIN, Pin, resolve_pin
from embedlab.models.weights_check import (
    NO_RANDOM_WEIGHTS,
    parse_torch_incompatible,
    refuse_partial_load,
    require_open_clip_weights,
)

#: Bumped when the way this source preprocesses or pools changes (invalidates cached embeddings).
OPEN_CLIP_SOURCE_VERSION = 1
LOCAL_DIR, HF_HUB = "local-dir:", "hf-hub:"
WEIGHTS_HINT = (
    "check that the checkpoint matches the architecture (open_clip_config.json, or ARCH in "
    f"ARCH/TAG); {NO_RANDOM_WEIGHTS}"
)


@dataclass(frozen=True)
class OpenClipRef:
    """A parsed ref: the ``model_name`` and ``pretrained`` arguments of open_clip's factory."""

    model_name: str
    pretrained: str | None = None
    pin: Pin = NO_PIN


def parse_open_clip_ref(spec: ModelSpec) -> OpenClipRef:
    """Parse ``arch/tag``, ``hf-hub:repo`` or ``local-dir:folder`` (checks local folders exist).

    Raises:
        ModelError: a missing folder or config file, or an ``arch`` without a tag.
        ConfigError: ``?revision=`` on a reference other than ``hf-hub:``.
    """
    ref, revision = split_revision(spec.ref, spec.name)
    if revision is not None and not ref.startswith(HF_HUB):
        raise ConfigError(
            f"model {spec.name!r}: revision= pins a Hugging Face Hub revision and applies to "
            "open_clip:hf-hub:REPO only; a local-dir: folder or an ARCH/TAG release has none"
        )
    if ref.startswith(LOCAL_DIR):
        folder = require_local_path(ref[len(LOCAL_DIR) :], spec.name)
        if not (folder / "open_clip_config.json").is_file():
            raise ModelError(
                f"model {spec.name!r}: {folder} has no open_clip_config.json; a local-dir: model "
                "needs that file (with model_cfg and preprocess_cfg) next to its weights"
            )
        return OpenClipRef(f"{LOCAL_DIR}{folder}")
    if ref.startswith(HF_HUB):
        pin = resolve_pin("open_clip", ref[len(HF_HUB) :], revision, spec.name)
        return OpenClipRef(ref, pin=pin)
    arch, _, pretrained = ref.partition("/")
    if not arch or not pretrained:
        raise ModelError(
            f"model {spec.name!r} needs an architecture and a pretrained tag, written as "
            "open_clip:ARCH/TAG (e.g. open_clip:ViT-B-32/openai), or open_clip:hf-hub:REPO, "
            "or open_clip:local-dir:FOLDER"
        )
    return OpenClipRef(arch, pretrained)


def _check_pretrained(spec: ModelSpec, parsed: OpenClipRef, open_clip: Any) -> None:
    """Reject an unknown architecture or tag before open_clip tries to download anything."""
    if parsed.pretrained is None:
        return
    arch, tag = parsed.model_name, parsed.pretrained
    archs = open_clip.list_models()
    if arch not in archs:
        close = difflib.get_close_matches(arch, archs, n=5, cutoff=0.5)
        suggestion = f"close matches: {', '.join(close)}" if close else "none is close"
        raise ModelError(
            f"model {spec.name!r}: open_clip has no architecture {arch!r} ({suggestion}); "
            "open_clip.list_models() lists them all"
        )
    tags = open_clip.list_pretrained_tags_by_model(arch)
    checkpoint = local_path(tag)
    if tag not in tags and (checkpoint is None or not checkpoint.is_file()):
        raise ModelError(
            f"model {spec.name!r}: {tag!r} is neither a pretrained tag of {arch} nor a checkpoint "
            f"file; valid tags: {', '.join(tags) or '(none)'}"
        )


def _create(spec: ModelSpec, parsed: OpenClipRef, open_clip: Any, hint: str) -> tuple[Any, Any]:
    """open_clip's factory with pretrained weights required; refusals in one line.

    Raises:
        ModelError: open_clip loaded no weights, or its strict load found missing, unexpected
            or mis-shaped tensors.
    """
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            parsed.model_name,
            pretrained=parsed.pretrained,
            precision=spec.precision,
            require_pretrained=True,
            weights_only=True,
        )
    except RuntimeError as exc:
        report = parse_torch_incompatible(str(exc))
        if report is not None:
            refuse_partial_load(spec.name, report, WEIGHTS_HINT)
        if "Required pretrained weights" in str(exc):
            raise ModelError(
                f"model {spec.name!r}: open_clip found no weights file for it; {hint}; "
                f"{NO_RANDOM_WEIGHTS}"
            ) from exc
        raise
    return model, preprocess


class OpenClipSource(SourceDefaults):
    """The ``open_clip`` model source (see the module docstring)."""

    def fingerprint(self, spec: ModelSpec) -> str:
        """Identify the weights without importing torch/open_clip.

        ``local-dir:`` (and a checkpoint-file tag) hash file names, sizes and mtimes;
        ``hf-hub:`` gives the locally cached commit if present; a tag gives ``arch/tag``.
        """
        parsed = parse_open_clip_ref(spec)
        if parsed.model_name.startswith(LOCAL_DIR):
            folder = require_local_path(parsed.model_name[len(LOCAL_DIR) :], spec.name)
            identity = files_fingerprint(folder)
        elif parsed.model_name.startswith(HF_HUB):
            identity = hub_fingerprint(parsed.model_name[len(HF_HUB) :], parsed.pin.revision)
        else:
            checkpoint = local_path(parsed.pretrained or "")
            tag = files_fingerprint(checkpoint) if checkpoint else f"tag:{parsed.pretrained}"
            identity = f"{parsed.model_name}/{tag}"
        return f"open_clip/v{OPEN_CLIP_SOURCE_VERSION}:{identity}"

    def describe(self, spec: ModelSpec) -> ModelDetails | None:
        """The revision an ``hf-hub:`` model loads (cheap); None for other references."""
        parsed = parse_open_clip_ref(spec)
        return {"revision": parsed.pin.describe()} if parsed.model_name.startswith(HF_HUB) else None

    def load(self, spec: ModelSpec) -> OpenClipEncoder:
        """Build model, eval transform and tokenizer with open_clip's factory.

        Raises:
            ModelError: unknown architecture/tag, missing folder or weights file, or weights
                that do not load completely (missing, unexpected or mis-shaped tensors).
            MissingDependencyError: torch or open_clip_torch is not installed.
        """
        parsed = parse_open_clip_ref(spec)
        if parsed.model_name.startswith(LOCAL_DIR):
            require_open_clip_weights(Path(parsed.model_name[len(LOCAL_DIR) :]), spec.name)
        elif parsed.model_name.startswith(HF_HUB):
            repo_id, revision = parsed.model_name[len(HF_HUB) :], parsed.pin.revision
            require_hub(spec.name, repo_id, revision=revision)
            if revision is not None:
                folder = pinned_open_clip_folder(repo_id, revision, spec.name)
                require_open_clip_weights(folder, spec.name)
                parsed = OpenClipRef(f"{LOCAL_DIR}{folder}", pin=parsed.pin)
        open_clip = require("open_clip", purpose=f"loading model {spec.name!r}")
        _check_pretrained(spec, parsed, open_clip)
        hint = "check the ref, your network, or that the weights are in the local cache"
        with loading(spec.name, "weights", hint):
            model, preprocess = _create(spec, parsed, open_clip, hint)
        with loading(spec.name, "tokenizer", hint):
            tokenizer = open_clip.get_tokenizer(parsed.model_name)
        model = move_to_device(model, spec.device, spec.name).eval()
        input_dtype = open_clip.get_input_dtype(spec.precision)
        return OpenClipEncoder(spec, model, preprocess, tokenizer, input_dtype)


OPEN_CLIP_SOURCE = OpenClipSource()
MODEL_SOURCES.register("open_clip")(OPEN_CLIP_SOURCE)
