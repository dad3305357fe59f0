"""The encoder of the ``st`` and ``preset`` sources: a ``SentenceTransformer``, a prompt per role.

:class:`STEncoder` implements the prepared interface of :mod:`embedlab.perf.call_stages`:
``prepare_texts`` is sentence-transformers' own ``preprocess(texts, prompt=...)`` (tokenisation
with the role's prompt, host tensors) and ``forward_prepared`` runs every module of the model
(``Transformer``, ``Pooling``, ``Normalize``, or whatever its config lists) — exactly what
``SentenceTransformer.encode`` does for one batch.

For the exported runtimes (:mod:`embedlab.models.text_towers`) the same ``prepare_texts`` feeds
the token tower, and :func:`st_export_plan` maps the modules to a numpy pooling. Only the
standard ``Transformer`` + ``Pooling`` (+ ``Normalize``) stack qualifies, with a pooling mode
numpy reproduces (``mean``, ``cls``, ``lasttoken``); anything else is a :class:`ConfigError`
pointing to ``--runtime torch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError
from embedlab.models._torch_utils import require
from embedlab.models.base import Modality, ModelSpec, Role
from embedlab.models.pooling import Pooling
from embedlab.models.text_towers import TextExportPlan, TextTowersMixin, text_only_error
from embedlab.models.vectors import l2_normalize

#: sentence-transformers pooling modes with a numpy equivalent in :mod:`embedlab.models.pooling`.
ST_POOLINGS: dict[str, Pooling] = {"mean": "mean", "cls": "cls", "lasttoken": "last"}
STANDARD_STACKS = (("Transformer", "Pooling"), ("Transformer", "Pooling", "Normalize"))


@dataclass
class STEncoder(TextTowersMixin):
    """A loaded ``SentenceTransformer`` with one resolved prompt per role.

    Attributes:
        spec: the resolved model spec.
        model: the ``SentenceTransformer``.
        prompts: the prompt of each role (prepended in tokenisation).
        normalize: L2-normalise outputs (False for ``similarity_fn_name: "dot"`` models).
        weights_id: prompt-free identity of the weights (the export cache key).
    """

    spec: ModelSpec
    model: Any
    prompts: dict[Role, str]
    normalize: bool
    weights_id: str = ""
    _dim: int | None = field(default=None, repr=False)

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> dict[str, Any]:
        """``model.preprocess(texts, prompt=prompts[role])``: token tensors on the host."""
        return dict(self.model.preprocess(list(texts), prompt=self.prompts[role]))

    def forward_prepared(self, modality: Modality, prepared: dict[str, Any]) -> NDArray[np.float32]:
        """Every module of the model on prepared features; float32 (unit rows unless dot)."""
        if modality == "image":
            raise text_only_error(self.spec.name)
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        device = self.spec.device
        features = {k: v.to(device) if hasattr(v, "to") else v for k, v in prepared.items()}
        with torch.inference_mode():
            output = self.model(features)["sentence_embedding"]
        vectors = np.asarray(output.float().cpu().numpy(), dtype=np.float32)
        return self._remember(l2_normalize(vectors) if self.normalize else vectors)

    def export_plan(self) -> TextExportPlan:
        """See :func:`st_export_plan`."""
        return st_export_plan(self.model, self.prompts, self.normalize, self.spec.name)


def st_export_plan(
    model: Any, prompts: dict[Role, str], normalize: bool, name: str
) -> TextExportPlan:
    """The transformers model, numpy pooling and normalisation equivalent to ``model``'s modules.

    Args:
        model: the ``SentenceTransformer``.
        prompts: the prompt of each role.
        normalize: whether the encoder L2-normalises its outputs (a ``Normalize`` module
            normalises in any case).
        name: the model string, for messages.

    Raises:
        ConfigError: the modules are not the standard stack, the pooling mode has no numpy
            equivalent, or the pooling leaves out prompt tokens while a prompt is set.
    """
    modules = list(model)
    kinds = tuple(_standard_name(module) for module in modules)
    transformer = modules[0] if modules else None
    hf_model = getattr(transformer, "auto_model", None) or getattr(transformer, "model", None)
    if kinds not in STANDARD_STACKS or hf_model is None or not uses_token_embeddings(transformer):
        names = ", ".join(type(module).__name__ for module in modules)
        raise _refusal(
            name,
            f"this sentence-transformers model has custom modules; use --runtime torch "
            f"(exported runtimes run Transformer + Pooling [+ Normalize] models; it has {names})",
        )
    pooling = modules[1]
    mode = getattr(pooling, "pooling_mode", None)
    if mode is None and hasattr(pooling, "get_pooling_mode_str"):
        mode = pooling.get_pooling_mode_str()
    if not isinstance(mode, str) or mode not in ST_POOLINGS:
        raise _refusal(
            name,
            f"its pooling mode {mode!r} has no numpy equivalent (supported: "
            f"{', '.join(ST_POOLINGS)}); use --runtime torch",
        )
    if not getattr(pooling, "include_prompt", True) and any(prompts.values()):
        raise _refusal(
            name,
            "its pooling leaves out the prompt tokens (include_prompt: false), which the "
            "exported runtimes do not reproduce; use --runtime torch or drop the prompts",
        )
    return TextExportPlan(hf_model, ST_POOLINGS[mode], normalize or len(modules) == 3)


def _standard_name(module: Any) -> str | None:
    """The class name of a module that is sentence-transformers' own, else None."""
    kind = type(module)
    return kind.__name__ if kind.__module__.startswith("sentence_transformers.") else None


def uses_token_embeddings(transformer: Any) -> bool:
    """Whether the Transformer module outputs the model's ``last_hidden_state`` for text."""
    config = getattr(transformer, "modality_config", None)
    if config is None:  # sentence-transformers < 6: always the last hidden state
        return True
    text = config.get("text") if isinstance(config, dict) else None
    return isinstance(text, dict) and (text.get("method"), text.get("method_output_name")) == (
        "forward",
        "last_hidden_state",
    )


def _refusal(name: str, reason: str) -> ConfigError:
    return ConfigError(f"model {name!r}: {reason}")
