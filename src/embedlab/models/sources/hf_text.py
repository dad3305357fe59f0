"""Model source ``hf-text``: text encoders through transformers with an explicit pooling.

``--model hf-text:<hub id or folder>?pooling=mean|cls|last`` loads ``AutoModel`` and
``AutoTokenizer`` (no sentence-transformers needed) and embeds a text as
``normalize(pool(last_hidden_state, attention_mask))`` with the pooling of
:mod:`embedlab.models.pooling`. ``pooling`` is required: there is no safe default (BERT-style
sentence models use mean or CLS, decoder embedders the last token). The ``hf:`` source stays the
image–text dual-encoder source.

Other options: ``query_prompt=``, ``document_prompt=`` (prepended to the text), ``max_length=N``
(default: the smaller of the tokenizer's ``model_max_length`` and the model's
``max_position_embeddings``), ``dim=N`` (Matryoshka). Padding follows the tokenizer's own
``padding_side``; the pooling handles either side. Output: float32, L2-normalised.

No random weights (:mod:`embedlab.models.weights_check`): a local folder needs a weights file,
and missing, unexpected or mis-shaped tensors are refused, except a missing ``pooler`` (the
embedding is pooled from ``last_hidden_state``) and the task head of a head checkpoint (e.g. the
``cls.*`` tensors of a ``BertForMaskedLM`` loaded as ``BertModel``).

For other runtimes: :meth:`HFTextEncoder.tokenize` (numpy inputs), :meth:`HFTextEncoder.forward`
(the only torch step, returns ``last_hidden_state`` as numpy) and
:func:`embedlab.models.pooling.pool` are separate; ONNX Runtime / OpenVINO reuse tokenisation
and pooling and replace only ``forward`` by the exported token tower
(:mod:`embedlab.models.text_towers`).

:class:`HFTextEncoder` implements the prepared interface of :mod:`embedlab.perf.call_stages`:
``prepare_texts`` is :meth:`~HFTextEncoder.tokenize` (prompt included), ``forward_prepared``
is forward + pooling + normalisation, so ``embedlab speed`` times tokenisation apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.models._loading import loading, require_hub
from embedlab.models._ref_options import PROMPT_OPTIONS, REVISION, parse_ref
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import Encoder, Modality, ModelDetails, ModelSpec, Role, SourceDefaults
from embedlab.models.matryoshka import MatryoshkaEncoder, warn_untrained
from embedlab.models.pooling import Pooling, check_pooling, pool
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.revision import option_pin
from embedlab.models.text_settings import TextSettings, describe, resolve_prompts, settings_digest
from embedlab.models.text_towers import TextExportPlan, TextTowersMixin, text_only_error
from embedlab.models.text_weights import load_hint, locate, verify_bundle
from embedlab.models.vectors import l2_normalize
from embedlab.models.weights_check import (
    TRANSFORMERS_WEIGHT_FILES,
    LoadReport,
    refuse_partial_load,
    require_weights_file,
    text_model_report,
)

HF_TEXT_SOURCE_VERSION = 1
HF_TEXT_OPTIONS = frozenset({"pooling", "dim", "max_length", REVISION, *PROMPT_OPTIONS})
_UNSET_MAX_LENGTH = 1_000_000


@dataclass
class HFTextEncoder(TextTowersMixin):
    """A transformers text model + tokenizer + pooling (see the module docstring)."""

    spec: ModelSpec
    model: Any
    tokenizer: Any
    pooling: Pooling
    prompts: dict[Role, str]
    max_length: int
    weights_id: str = ""
    _dim: int | None = field(default=None, repr=False)

    def prepare_texts(
        self, texts: Sequence[str], role: Role = "query"
    ) -> dict[str, NDArray[np.int64]]:
        """:meth:`tokenize` (numpy tokenizer output, the role's prompt prepended)."""
        return self.tokenize(texts, role)

    def forward_prepared(
        self, modality: Modality, prepared: dict[str, NDArray[np.int64]]
    ) -> NDArray[np.float32]:
        """``normalize(pool(forward(prepared)))``; ``image`` raises :class:`ModelError`."""
        if modality == "image":
            raise text_only_error(self.spec.name)
        hidden = self.forward(prepared)
        return self._remember(l2_normalize(pool(hidden, prepared["attention_mask"], self.pooling)))

    def export_plan(self) -> TextExportPlan:
        """The model itself, its ``pooling``, normalised (what :meth:`forward_prepared` does)."""
        return TextExportPlan(self.model, self.pooling, normalize=True)

    def tokenize(self, texts: Sequence[str], role: Role) -> dict[str, NDArray[np.int64]]:
        """Tokenizer output (numpy) for the texts with the role's prompt prepended."""
        prompt = self.prompts[role]
        batch = self.tokenizer(
            [prompt + text for text in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="np",
        )
        return {key: np.asarray(value) for key, value in batch.items()}

    def forward(self, inputs: dict[str, NDArray[np.int64]]) -> NDArray[np.float32]:
        """``last_hidden_state`` ``(B, L, H)`` as float32 numpy (the torch step)."""
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        tensors = {k: torch.from_numpy(v).to(self.spec.device) for k, v in inputs.items()}
        with torch.inference_mode():
            output = self.model(**tensors)
        hidden = getattr(output, "last_hidden_state", None)
        if hidden is None:
            hidden = output[0]
        return np.asarray(hidden.float().cpu().numpy(), dtype=np.float32)


def hf_text_settings(spec: ModelSpec) -> TextSettings:
    """Parse the options of an ``hf-text:`` spec and locate its weights (cheap)."""
    options = parse_ref(spec.ref, spec.name, HF_TEXT_OPTIONS)
    return TextSettings(
        source="hf-text",
        where=locate(options.base, spec.name, None, option_pin(options.revision), "hf-text"),
        overrides=options.prompts(),
        dim=options.integer("dim", spec.name),
        max_length=options.integer("max_length", spec.name),
        pooling=check_pooling(options.options.get("pooling"), spec.name),
    )


def _max_length(model: Any, tokenizer: Any, override: int | None) -> int:
    if override is not None:
        return override
    limits = [
        int(x)
        for x in (
            getattr(model.config, "max_position_embeddings", None),
            getattr(tokenizer, "model_max_length", None),
        )
        if isinstance(x, int) and x < _UNSET_MAX_LENGTH
    ]
    return min(limits, default=512)


def load_hf_text(spec: ModelSpec, settings: TextSettings) -> Encoder:
    """Load tokenizer and model for ``settings`` (also used by presets with an hf-text loader).

    Raises:
        ModelError: the model cannot be loaded, a local folder has no weights file, or the
            weights do not match the model (see the module docstring).
        MissingDependencyError: transformers (or torch) is not installed.
        ConfigError: ``spec.device`` is not usable.
    """
    if settings.where.kind == "hub" and settings.where.hub_id:
        hint = load_hint(settings.where)
        require_hub(spec.name, settings.where.hub_id, hint, settings.where.pin.revision)
    transformers = require("transformers", purpose=f"loading model {spec.name!r}")
    verify_bundle(settings.where, spec.name)
    if settings.where.kind in ("path", "bundle") and Path(settings.where.location).is_dir():
        folder = Path(settings.where.location)
        require_weights_file(folder, spec.name, TRANSFORMERS_WEIGHT_FILES)
    hint = load_hint(settings.where)
    remote = spec.trust_remote_code
    revision = settings.where.revision_kwargs()
    with loading(spec.name, "tokenizer", hint):
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            settings.where.location, trust_remote_code=remote, **revision
        )
    with loading(spec.name, "weights", hint):
        model, info = transformers.AutoModel.from_pretrained(
            settings.where.location,
            dtype=torch_dtype(spec.precision),
            trust_remote_code=remote,
            output_loading_info=True,
            ignore_mismatched_sizes=True,  # reported in ``info`` and refused below
            **revision,
        )
    report = LoadReport.from_transformers(info)
    refuse_partial_load(spec.name, text_model_report(report, model, pooled_from_hidden=True))
    model = move_to_device(model, spec.device, spec.name).eval()
    prompts = {role: value[0] for role, value in resolve_prompts(settings, None).items()}
    encoder: Encoder = HFTextEncoder(
        spec=spec,
        model=model,
        tokenizer=tokenizer,
        pooling=check_pooling(settings.pooling, spec.name),
        prompts=prompts,
        max_length=_max_length(model, tokenizer, settings.max_length),
        weights_id=f"hf-text:{settings.where.fingerprint}",
    )
    if settings.dim is None:
        return encoder
    warn_untrained(spec.name, settings.dim, settings.trained_dims)
    return MatryoshkaEncoder(spec=spec, inner=encoder, dim=settings.dim)


class HFTextSource(SourceDefaults):
    """The ``hf-text`` model source (see the module docstring)."""

    handles_dim = True

    def fingerprint(self, spec: ModelSpec) -> str:
        """Weights identity plus a digest of pooling/prompts/dim/max_length (no framework)."""
        settings = hf_text_settings(spec)
        digest = settings_digest(settings)
        return f"hf-text/v{HF_TEXT_SOURCE_VERSION}:{settings.where.fingerprint}:{digest}"

    def load(self, spec: ModelSpec) -> Encoder:
        """Load the model; see :func:`load_hf_text`."""
        return load_hf_text(spec, hf_text_settings(spec))

    def describe(self, spec: ModelSpec) -> ModelDetails:
        """Provenance for the results (no model load)."""
        return describe(hf_text_settings(spec), None, spec.name)


HF_TEXT_SOURCE = HFTextSource()
MODEL_SOURCES.register("hf-text")(HF_TEXT_SOURCE)
