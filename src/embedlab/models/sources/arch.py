"""Model source ``arch``: random weights in the exact architecture of a known model (speed only).

``--model arch:<hub id>`` (e.g. ``arch:openai/clip-vit-base-patch16``) builds a transformers
CLIP or SigLIP model from a config that ships with embedlab (``models/arch_configs/*.json``),
with seeded random weights and no download. Its preprocessing has the architecture's image
size, resize/crop and mean/std (a PIL image processor built from the same file); its tokenizer
is the offline stand-in of :mod:`embedlab.models.encoders.hash_tokenizer` (valid ids,
realistic lengths). The forward pass is the ``hf`` source's own
(:class:`~embedlab.models.encoders.transformers_dual.HFEncoder`: same dtype casting, pooling and
padding policy, and the prepared split timed by ``embedlab speed``), so the speed is the same
as the real model's on the same runtime and precision (the compute does not depend on weight
values); the embeddings mean nothing, so quality tasks refuse these models (``speed_only``).

Family ``qwen3_vl`` (``arch:Qwen/Qwen3-VL-Embedding-2B``) builds an MLLM embedder instead
(:mod:`embedlab.models.encoders.mllm_arch`): the card's backbone with random weights, run by the
``mllm`` source's encoder under the card's recipe (named by the file's ``recipe``).

Families ``colpali`` and ``colqwen2`` (``arch:vidore/colpali-v1.3-hf``,
``arch:vidore/colqwen2-v1.0-hf``) build a multi-vector (late-interaction) encoder
(:mod:`embedlab.models.encoders.colvision_arch`): ``ColPaliConfig`` around PaliGemma-3B /
``ColQwen2Config`` around Qwen2-VL-2B with the checkpoint's numbers (``model`` holds
``embedding_dim`` and ``vlm_config``), run by the ``hf`` source's ColPali encoder; memory is
checked against the available RAM before building.

Family ``text`` (``arch:google/embeddinggemma-300m``, ``arch:Qwen/Qwen3-Embedding-0.6B``,
``arch:BAAI/bge-m3``) builds a text-only embedder
(:mod:`embedlab.models.encoders.text_arch`): the checkpoint's transformers backbone (``model``
holds its ``config.json`` with ``model_type``) and its sentence-transformers head (``text``:
pooling, Dense layers, prompts, ``max_length``). ``embedlab speed`` times its text modality only.

Family ``jina_clip`` (``arch:jinaai/jina-clip-v1``) builds both towers of Jina-CLIP v1
(:mod:`embedlab.models.encoders.jina_clip_arch`): timm's EVA02-B/16 and embedlab's JinaBERT
(:mod:`embedlab.models.encoders.jinabert`; transformers has no JinaBERT).

The text, Jina-CLIP, MLLM and multi-vector families check the memory (meta-device parameter
count × bytes per precision) against the available RAM before building, and refuse with the
estimate.

Each config file records the hub id, the family, the transformers config values (hidden size,
layers, heads, intermediate size, patch, image size, projection dim, vocabulary, positions),
the image-processor and tokenizer settings, and in ``sources`` where the values come from
(the checkpoint's ``config.json`` and the matching open_clip model config).

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

from embedlab.errors import ConfigError, UnknownNameError
from embedlab.models._loading import loading
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import Encoder, ModelSpec, SourceDefaults
from embedlab.models.encoders.hash_tokenizer import ArchTokenizer
from embedlab.models.encoders.transformers_dual import HFEncoder, text_policy
from embedlab.models.registry import MODEL_SOURCES

if TYPE_CHECKING:
    from embedlab.models.multivector import MultiVectorEncoder

#: Bumped when building, initialising or preprocessing an arch model changes.
ARCH_SOURCE_VERSION = 1
CONFIG_FOLDER = "arch_configs"
SEED = 0
TORCH_PRECISIONS = ("fp32", "bf16", "fp16")
_CLASSES = {"clip": "CLIP", "siglip": "Siglip"}
MULTI_VECTOR_FAMILIES = ("colpali", "colqwen2")
FAMILIES = ("clip", "siglip", "qwen3_vl", "text", "jina_clip", *MULTI_VECTOR_FAMILIES)
Family = Literal["clip", "siglip", "qwen3_vl", "text", "jina_clip", "colpali", "colqwen2"]


@dataclass(frozen=True)
class ArchConfig:
    """One shipped architecture (see the module docstring)."""

    hub_id: str
    family: Family
    model: dict[str, Any]
    image_processor: dict[str, Any]
    tokenizer: dict[str, Any]
    sources: tuple[str, ...]
    digest: str
    #: MLLM families: the embedding recipe of the card (``models/mllm_recipes.py``).
    recipe: str | None = None
    #: Family ``text``: the sentence-transformers head (pooling, dense, prompts, max_length).
    text: dict[str, Any] = field(default_factory=dict)
    #: The published parameter count the file cites (None when it records none).
    published_parameters: int | None = None

    @property
    def embedding_dim(self) -> int:
        """Output dimension: CLIP's ``projection_dim``, SigLIP's (and an MLLM's) text
        ``hidden_size``; for a multi-vector family the width of each token vector; a text
        model's last Dense output (else ``hidden_size``); Jina-CLIP's ``embed_dim``."""
        if self.family == "clip":
            return int(self.model["projection_dim"])
        if self.family == "text":
            dense = self.text.get("dense") or [[0, self.model["hidden_size"]]]
            return int(dense[-1][1])
        if self.family == "jina_clip":
            return int(self.model["embed_dim"])
        if self.family in MULTI_VECTOR_FAMILIES:
            return int(self.model["embedding_dim"])
        text = self.model["text_config"]
        return int(text.get("projection_size", text["hidden_size"]))

    @property
    def image_size(self) -> int:
        """Side of the square image the vision tower takes (ColQwen2: the side of its largest
        square input, ``sqrt(max_pixels)`` rounded down to whole 28 px merged patches).

        Raises:
            ConfigError: a text-only architecture (no vision tower).
        """
        if self.family == "text":
            raise ConfigError(f"arch:{self.hub_id} is a text-only model: it has no image size")
        if self.family == "colqwen2":
            longest = int(self.image_processor["size"]["longest_edge"])
            return int(longest**0.5) // 28 * 28
        vision = self.model.get("vlm_config", self.model)["vision_config"]
        return int(vision["image_size"])

    @property
    def multi_vector(self) -> bool:
        """A late-interaction model (one token matrix per item)."""
        return self.family in MULTI_VECTOR_FAMILIES


def parse_arch_config(text: str, origin: str) -> ArchConfig:
    """Parse one config file's text.

    Raises:
        ConfigError: the file is not valid JSON or lacks a required field.
    """
    try:
        data = json.loads(text)
        family = data["family"]
        if family not in FAMILIES:
            raise ValueError(f"family {family!r} is not one of {', '.join(FAMILIES)}")
        return ArchConfig(
            hub_id=str(data["hub_id"]),
            family=family,
            model=dict(data["model"]),
            image_processor=dict(data.get("image_processor", {})),
            tokenizer=dict(data["tokenizer"]),
            sources=tuple(data.get("sources", ())),
            digest=hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
            recipe=data.get("recipe"),
            text=dict(data.get("text", {})),
            published_parameters=data.get("published_parameters"),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"architecture config {origin} is invalid: {exc}") from None


@cache
def shipped_configs() -> dict[str, ArchConfig]:
    """Every shipped architecture, by hub id."""
    folder = resources.files("embedlab.models").joinpath(CONFIG_FOLDER)
    configs = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            config = parse_arch_config(entry.read_text(encoding="utf-8"), entry.name)
            configs[config.hub_id] = config
    return configs


def arch_config(hub_id: str) -> ArchConfig:
    """The shipped config of ``hub_id``; :class:`UnknownNameError` lists the shipped ones."""
    configs = shipped_configs()
    if hub_id not in configs:
        raise UnknownNameError("arch model", hub_id, configs)
    return configs[hub_id]


class ArchEncoder(HFEncoder):
    """An :class:`HFEncoder` built from a shipped architecture (see :func:`build_arch_encoder`).

    Encoding, including the prepared split, is the ``hf`` source's own; only construction
    differs (random weights, the family's processor, the stand-in tokenizer).
    """


def build_model(transformers: Any, config: ArchConfig, seed: int) -> Any:
    """The transformers model of ``config`` with weights drawn under ``torch.manual_seed``."""
    torch = require("torch", purpose=f"building arch:{config.hub_id}")
    prefix = _CLASSES[config.family]
    model_config = getattr(transformers, f"{prefix}Config")(**config.model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return getattr(transformers, f"{prefix}Model")(model_config)


def build_image_processor(transformers: Any, config: ArchConfig) -> Any:
    """The family's PIL image processor (``*ImageProcessorPil`` in transformers 5)."""
    prefix = _CLASSES[config.family]
    cls = getattr(transformers, f"{prefix}ImageProcessorPil", None)
    if cls is None:  # transformers 4.x: the plain class is the PIL one
        cls = getattr(transformers, f"{prefix}ImageProcessor")
    return cls(**config.image_processor)


def build_arch_encoder(spec: ModelSpec, config: ArchConfig, seed: int) -> ArchEncoder:
    """Model (on ``spec.device`` in ``spec.precision``), processor and tokenizer as an encoder."""
    transformers = require("transformers", purpose=f"building model {spec.name!r}")
    hint = "the shipped architecture config may not match this transformers version"
    with loading(spec.name, "architecture", hint):
        model = build_model(transformers, config, seed)
        image_processor = build_image_processor(transformers, config)
    settings = dict(config.tokenizer)
    settings["word_ids"] = tuple(settings["word_ids"])
    tokenizer = ArchTokenizer(**settings)
    dtype = torch_dtype(spec.precision)
    model = move_to_device(model.to(dtype=dtype), spec.device, spec.name).eval()
    return ArchEncoder(
        spec=spec,
        model=model,
        image_processor=image_processor,
        tokenizer=tokenizer,
        policy=text_policy(model.config, tokenizer),
        dtype=dtype,
    )


def _check_precision(spec: ModelSpec) -> None:
    if spec.precision not in TORCH_PRECISIONS:
        raise ConfigError(
            f"--precision {spec.precision} is not a torch precision (model {spec.name!r}); "
            f"choose one of {', '.join(TORCH_PRECISIONS)}"
        )


def _load_new_family(spec: ModelSpec, config: ArchConfig, weights_id: str) -> Encoder:
    """Build a ``text`` or ``jina_clip`` architecture (memory checked first)."""
    hint = "the shipped config may not match transformers or timm"
    if config.family == "text":
        from embedlab.models.encoders.text_arch import build_arch_text

        with loading(spec.name, "architecture", hint):
            return build_arch_text(
                spec, config.model, config.text, config.tokenizer, weights_id, SEED
            )
    from embedlab.models.encoders.jina_clip_arch import build_arch_jina_clip

    with loading(spec.name, "architecture", hint):
        return build_arch_jina_clip(
            spec, config.model, config.image_processor, config.tokenizer, SEED
        )


class ArchSource(SourceDefaults):
    """The ``arch`` model source (random weights: ``speed_only``)."""

    speed_only = True

    def fingerprint(self, spec: ModelSpec) -> str:
        """``arch/v<version>:<hub id>:<config digest>:seed<seed>`` (weights are seeded)."""
        config = arch_config(spec.ref)
        return f"arch/v{ARCH_SOURCE_VERSION}:{config.hub_id}:{config.digest}:seed{SEED}"

    def load(self, spec: ModelSpec) -> Encoder:
        """Build the random-weight model, its image processor and stand-in tokenizer.

        Raises:
            UnknownNameError: no shipped config for ``spec.ref``.
            ConfigError: a precision torch cannot run (int8), or an unusable device.
            MissingDependencyError: torch or transformers is not installed.
        """
        config = arch_config(spec.ref)
        _check_precision(spec)
        if config.family == "qwen3_vl":
            from embedlab.models.encoders.mllm_arch import build_arch_mllm
            from embedlab.models.sources.mllm import require_torch_runtime

            require_torch_runtime(spec)
            with loading(
                spec.name, "architecture", "the shipped config may not match transformers"
            ):
                return build_arch_mllm(
                    spec,
                    config.model,
                    config.image_processor,
                    config.tokenizer,
                    config.recipe or "",
                    SEED,
                )
        if config.family in ("text", "jina_clip"):
            return _load_new_family(spec, config, self.fingerprint(spec))
        if config.multi_vector:
            raise ConfigError(
                f"model {spec.name!r} is a multi-vector (late-interaction) architecture, not a "
                "dense encoder; it is timed by embedlab speed on --runtime torch"
            )
        return build_arch_encoder(spec, config, seed=SEED)

    def late_interaction(self, spec: ModelSpec) -> bool:
        """True for a ColPali / ColQwen2 architecture (reads the shipped config only)."""
        return arch_config(spec.ref).multi_vector

    def load_tokens(self, spec: ModelSpec) -> MultiVectorEncoder:
        """Build a ColPali / ColQwen2 architecture with random weights (multi-vector).

        Raises:
            UnknownNameError: no shipped config for ``spec.ref``.
            ConfigError: a dense architecture, or a precision torch cannot run.
            ModelError: the model would not fit in the available memory (with the estimate).
        """
        config = arch_config(spec.ref)
        if not config.multi_vector:
            return super().load_tokens(spec)
        _check_precision(spec)
        from embedlab.models.encoders.colvision_arch import build_arch_colvision

        with loading(spec.name, "architecture", "the shipped config may not match transformers"):
            return build_arch_colvision(
                spec, config.family, config.model, config.image_processor, config.tokenizer, SEED
            )


ARCH_SOURCE = ArchSource()
MODEL_SOURCES.register("arch")(ARCH_SOURCE)
