"""Model source ``mllm``: multimodal-LLM embedders, ``--model mllm:<hub id or folder>[?options]``.

Families (config.json ``model_type``): Qwen2-VL (``qwen2_vl``), Qwen2.5-VL (``qwen2_5_vl``),
Qwen3-VL (``qwen3_vl``), run on transformers' native backbone classes (``Qwen2VLModel``,
``Qwen2_5_VLModel``, ``Qwen3VLModel``) and the checkpoint's own processor; no
``trust_remote_code`` is used or needed (an ``auto_map`` in the config is ignored). The
embedding procedure is the model card's recipe (:mod:`embedlab.models.mllm_recipes`), chosen by
hub id or by ``?recipe=NAME``; the encoder is
:class:`~embedlab.models.encoders.mllm.MLLMEncoder`.

Options: ``recipe=NAME``, ``query_instruction=TEXT`` / ``document_instruction=TEXT`` (override
the recipe's defaults for every task kind; ``--query-instruction`` / ``--document-instruction``
write them), ``min_pixels=N`` / ``max_pixels=N`` (image resolution bounds),
``pixel_budget=N`` (resized pixels per forward pass; default four images at ``max_pixels``),
``revision=SHA|TAG`` (the Hub revision of config, processor and weights; the preset's when
none is given: :mod:`embedlab.models.revision`; part of the fingerprint, in ``describe()``).

Before loading: the runtime must be torch (export of these models is not supported), the
family must be one of the above (one line naming them), and the parameters × dtype bytes must
fit in the available memory (:mod:`embedlab.models.encoders.mllm_memory`). After loading, every
tensor of the backbone must come from the checkpoint (the LM head, unused for embeddings, may
be left over).

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedlab.errors import ConfigError, ModelError
from embedlab.models._loading import loading, require_hub
from embedlab.models._ref_options import REVISION, RefOptions, parse_ref
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelDetails, ModelSpec, SourceDefaults
from embedlab.models.checkpoint_files import read_config
from embedlab.models.encoders.mllm import MLLMEncoder
from embedlab.models.encoders.mllm_memory import (
    available_bytes,
    hub_parameters,
    refuse_if_too_big,
    safetensors_parameters,
)
from embedlab.models.fingerprint import looks_like_path, ref_fingerprint, require_local_path
from embedlab.models.instructions import Instructions, TaskKind
from embedlab.models.mllm_recipes import RECIPES, Recipe, recipe_for_hub_id, recipe_named
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.revision import Pin, resolve_pin
from embedlab.models.weights_check import (
    TRANSFORMERS_WEIGHT_FILES,
    LoadReport,
    refuse_partial_load,
    require_weights_file,
)

#: Bumped when prompting, pooling or preprocessing changes (invalidates cached embeddings).
MLLM_SOURCE_VERSION = 1
#: config.json ``model_type`` → transformers backbone class.
BACKBONES = {
    "qwen2_vl": "Qwen2VLModel",
    "qwen2_5_vl": "Qwen2_5_VLModel",
    "qwen3_vl": "Qwen3VLModel",
}
SUPPORTED = "Qwen2-VL (qwen2_vl), Qwen2.5-VL (qwen2_5_vl), Qwen3-VL (qwen3_vl)"
OPTIONS = frozenset(
    {
        "recipe",
        "query_instruction",
        "document_instruction",
        "min_pixels",
        "max_pixels",
        "pixel_budget",
        REVISION,
    }
)
TORCH_PRECISIONS = ("fp32", "bf16", "fp16")
#: Tensors a backbone may leave unused: the LM head of a ``*ForConditionalGeneration`` save.
IGNORABLE_UNEXPECTED = (r"^lm_head\.",)


def options(spec: ModelSpec) -> RefOptions:
    """The reference's base and options (unknown options refused)."""
    return parse_ref(spec.ref, spec.name, OPTIONS)


def pin_of(spec: ModelSpec) -> Pin:
    """The revision the model loads (``?revision=``, the preset's, or the branch head)."""
    parsed = options(spec)
    return resolve_pin("mllm", parsed.base, parsed.revision, spec.name)


def recipe_of(spec: ModelSpec) -> Recipe:
    """The recipe named by ``?recipe=`` or by the hub id, with the pixel options applied.

    Raises:
        ConfigError: no recipe is known for the checkpoint (names the option and the recipes).
    """
    from dataclasses import replace

    parsed = options(spec)
    name = parsed.options.get("recipe")
    recipe = recipe_named(name) if name is not None else recipe_for_hub_id(parsed.base)
    if recipe is None:
        raise ConfigError(
            f"model {spec.name!r}: no embedding recipe is known for {parsed.base!r}; add "
            f"?recipe=NAME (one of {', '.join(sorted(RECIPES))}) to say which card's "
            "procedure to run"
        )
    low = parsed.integer("min_pixels", spec.name) or recipe.min_pixels
    high = parsed.integer("max_pixels", spec.name) or recipe.max_pixels
    if low > high:
        raise ConfigError(f"model {spec.name!r}: min_pixels={low} exceeds max_pixels={high}")
    return replace(recipe, min_pixels=low, max_pixels=high)


def _location(spec: ModelSpec, base: str) -> str:
    if looks_like_path(base):
        return str(require_local_path(base, spec.name))
    return base


def read_model_type(spec: ModelSpec, location: str) -> tuple[str, str]:
    """``model_type`` and stored dtype of the checkpoint's config.json; the family must be
    supported."""
    config = read_config(location, spec.name, revision=pin_of(spec).revision)
    model_type = str(config.get("model_type", "?"))
    if model_type not in BACKBONES:
        raise ModelError(
            f"model {spec.name!r} is a {model_type!r} checkpoint; the mllm source runs "
            f"{SUPPORTED} embedders (e.g. Qwen/Qwen3-VL-Embedding-2B, "
            "Alibaba-NLP/gme-Qwen2-VL-2B-Instruct)"
        )
    return model_type, str(config.get("torch_dtype") or config.get("dtype") or "bfloat16")


def require_torch_runtime(spec: ModelSpec) -> None:
    """Refuse runtimes other than torch and precisions torch does not run."""
    if spec.runtime != "torch":
        raise ConfigError(
            f"--runtime {spec.runtime}: model {spec.name!r} (mllm) runs on torch only; "
            "exporting MLLM embedders is not supported — use --runtime torch"
        )
    if spec.precision not in TORCH_PRECISIONS:
        raise ConfigError(
            f"--precision {spec.precision} is not a torch precision (model {spec.name!r}); "
            f"choose one of {', '.join(TORCH_PRECISIONS)}"
        )


def pixel_budget(spec: ModelSpec, recipe: Recipe) -> int:
    """``?pixel_budget=`` or four images at the recipe's ``max_pixels``."""
    return options(spec).integer("pixel_budget", spec.name) or 4 * recipe.max_pixels


class MLLMSource(SourceDefaults):
    """The ``mllm`` model source (see the module docstring)."""

    handles_dim = True  # no ?dim=: truncation would bypass the instructed encoding

    def fingerprint(self, spec: ModelSpec) -> str:
        """``mllm/v<version>:<recipe>:<weights>`` (framework-free)."""
        base, revision = options(spec).base, pin_of(spec).revision
        weights = ref_fingerprint(base, spec.name, revision)
        return f"mllm/v{MLLM_SOURCE_VERSION}:{recipe_of(spec).name}:{weights}"

    def describe(self, spec: ModelSpec) -> ModelDetails | None:
        """The recipe and its settings (cheap)."""
        recipe = recipe_of(spec)
        return {
            "recipe": recipe.name,
            "pooling": recipe.pooling,
            "normalize": recipe.normalize,
            "min_pixels": recipe.min_pixels,
            "max_pixels": recipe.max_pixels,
            "max_length": recipe.max_length,
            "revision": pin_of(spec).describe(),
        }

    def instructions(self, spec: ModelSpec, kind: TaskKind | None) -> Instructions:
        """The recipe's instructions for ``kind``, overridden by the options.

        Raises:
            ConfigError: the recipe needs a query instruction for ``kind`` and none is known.
        """
        recipe = recipe_of(spec)
        given = options(spec).options
        origin = f"recipe {recipe.name}"
        document = given.get("document_instruction", recipe.document_instruction)
        document_origin = "--document-instruction" if "document_instruction" in given else origin
        if "query_instruction" in given:
            query, query_origin = given["query_instruction"], "--query-instruction"
        elif kind is not None and kind in recipe.query_instructions:
            query, query_origin = recipe.query_instructions[kind], f"{origin} ({kind})"
        elif recipe.requires_query_instruction:
            raise ConfigError(
                f"model {spec.name!r}: recipe {recipe.name} has no query instruction for "
                f"{kind or 'this kind of'} tasks; pass --query-instruction TEXT"
            )
        else:
            query, query_origin = recipe.document_instruction, f"{origin} (default)"
        return Instructions(query, document, query_origin, document_origin)

    def load(self, spec: ModelSpec) -> MLLMEncoder:
        """Check runtime, family and memory; load processor and backbone; return the encoder.

        Raises:
            ConfigError: a runtime other than torch, an unknown recipe, an unusable device.
            ModelError: an unsupported family, a missing folder or weights file, weights that
                do not match the backbone, or an estimate above the available memory.
            MissingDependencyError: torch or transformers is not installed.
        """
        require_torch_runtime(spec)
        recipe = recipe_of(spec)
        location = _location(spec, options(spec).base)
        pinned = pin_of(spec).kwargs()
        if not Path(location).exists():
            require_hub(spec.name, location, revision=pin_of(spec).revision)
        transformers = require("transformers", purpose=f"loading model {spec.name!r}")
        model_type, stored = read_model_type(spec, location)
        if Path(location).is_dir():
            require_weights_file(Path(location), spec.name, TRANSFORMERS_WEIGHT_FILES)
            parameters = safetensors_parameters(Path(location))
        else:
            parameters = hub_parameters(location, stored)
        if parameters is not None:
            refuse_if_too_big(spec.name, parameters, spec.precision, spec.device, available_bytes())
        hint = "check that the folder holds the checkpoint's processor files and weights"
        with loading(spec.name, "processor", hint):
            processor = transformers.AutoProcessor.from_pretrained(location, **pinned)
        processor.tokenizer.padding_side = "right"
        model = _load_backbone(spec, transformers, location, BACKBONES[model_type], pinned)
        return MLLMEncoder(
            spec=spec,
            model=model,
            processor=processor,
            recipe=recipe,
            pixel_budget=pixel_budget(spec, recipe),
            dtype=torch_dtype(spec.precision),
        )


def _load_backbone(
    spec: ModelSpec, transformers: Any, location: str, class_name: str, pinned: dict[str, str]
) -> Any:
    with loading(spec.name, "weights", "check the hub id or the folder's weights"):
        model, info = getattr(transformers, class_name).from_pretrained(
            location,
            dtype=torch_dtype(spec.precision),
            output_loading_info=True,
            ignore_mismatched_sizes=True,  # reported in ``info`` and refused below
            **pinned,
        )
    report = LoadReport.from_transformers(info)
    refuse_partial_load(spec.name, report.without(unexpected=IGNORABLE_UNEXPECTED))
    return move_to_device(model, spec.device, spec.name).eval()


MLLM_SOURCE = MLLMSource()
MODEL_SOURCES.register("mllm")(MLLM_SOURCE)
