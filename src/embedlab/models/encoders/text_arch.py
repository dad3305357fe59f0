"""``arch:`` text embedders: random weights in the exact published architecture, for speed.

Built from a shipped config (``models/arch_configs/*.json``, family ``text``): the ``model``
section is the checkpoint's ``config.json`` (``model_type`` picks the transformers class through
``AutoConfig.for_model`` / ``AutoModel.from_config``: ``gemma3_text`` → ``Gemma3TextModel`` with
bidirectional attention, ``qwen3`` → ``Qwen3Model``, ``xlm-roberta`` → ``XLMRobertaModel``),
weights drawn under ``torch.manual_seed``; the ``text`` section is the sentence-transformers
head: ``pooling`` (``mean`` / ``cls`` / ``last``, :mod:`embedlab.models.pooling`), ``dense``
(bias-free linear layers ``[in, out]`` with identity activation, as EmbeddingGemma's
``2_Dense`` / ``3_Dense``), ``max_length`` and the ``prompts`` of each role. The embedding is

    ``e = normalize(W_k … W_1 · pool(last_hidden_state, attention_mask))``

(no ``W`` when ``dense`` is empty). The tokenizer is the offline stand-in of
:mod:`~embedlab.models.encoders.hash_tokenizer` with the checkpoint's special ids and padding
side (left for Qwen3-Embedding, whose last-token pooling reads the final position).

The encoder is the ``hf-text`` source's :class:`~embedlab.models.sources.hf_text.HFTextEncoder`
(tokenise with the role's prompt, forward, pool in numpy, normalise), with the Dense layers
applied in torch between pooling and normalisation; its ``model`` is :class:`TextStack`
(backbone + Dense layers), so the parameter count is the whole model's. The exported runtimes
get the backbone's ``last_hidden_state`` and pool in numpy; the Dense layers join that numpy
head as matrices (:meth:`TextArchEncoder.tower_layout`).

Memory: before building, the model is built on torch's ``meta`` device to count its parameters
and a CPU model that would not fit in the available RAM is refused with the estimate
(:mod:`~embedlab.models.encoders.mllm_memory`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import Modality, ModelSpec, Role
from embedlab.models.encoders.hash_tokenizer import ArchTokenizer
from embedlab.models.encoders.mllm_memory import available_bytes, refuse_if_too_big
from embedlab.models.exportable import Arrays, TowerLayout
from embedlab.models.pooling import check_pooling, pool
from embedlab.models.sources.hf_text import HFTextEncoder
from embedlab.models.text_towers import text_only_error
from embedlab.models.vectors import l2_normalize


def build_stack(model: dict[str, Any], dense: list[list[int]], dtype: Any = None) -> Any:
    """``TextStack(backbone, dense)``: the transformers backbone of ``model`` (a
    ``config.json`` dict with ``model_type``) and the bias-free Dense layers, in ``dtype``."""
    torch = require("torch", purpose="building an arch text model")
    transformers = require("transformers", purpose="building an arch text model")
    settings = dict(model)
    config = transformers.AutoConfig.for_model(settings.pop("model_type"), **settings)

    class TextStack(torch.nn.Module):  # type: ignore[misc, name-defined]
        """The backbone (``forward`` = the backbone's) and its Dense head (``dense``)."""

        def __init__(self) -> None:
            super().__init__()
            self.backbone = transformers.AutoModel.from_config(config)
            self.dense = torch.nn.Sequential(*(torch.nn.Linear(i, o, bias=False) for i, o in dense))

        def forward(self, **inputs: Any) -> Any:
            return self.backbone(**inputs)

    stack = TextStack()
    return stack if dtype is None else stack.to(dtype=dtype)


def parameter_count(model: dict[str, Any], dense: list[list[int]]) -> int:
    """Parameters of backbone + Dense layers built on the ``meta`` device (no memory used)."""
    torch = require("torch", purpose="counting parameters")
    with torch.device("meta"):
        stack = build_stack(model, dense)
    return int(sum(p.numel() for p in stack.parameters()))


@dataclass
class TextArchEncoder(HFTextEncoder):
    """An :class:`HFTextEncoder` over a :class:`TextStack` (see the module docstring)."""

    def forward_prepared(
        self, modality: Modality, prepared: dict[str, NDArray[np.int64]]
    ) -> NDArray[np.float32]:
        """``normalize(dense(pool(forward(prepared))))``; ``image`` raises ModelError."""
        if modality == "image":
            raise text_only_error(self.spec.name)
        pooled = pool(self.forward(prepared), prepared["attention_mask"], self.pooling)
        if len(self.model.dense):
            torch = require("torch", purpose=f"running model {self.spec.name!r}")
            weight = next(self.model.dense.parameters())
            with torch.inference_mode():
                vectors = torch.from_numpy(pooled).to(device=weight.device, dtype=weight.dtype)
                pooled = self.model.dense(vectors).float().cpu().numpy()
        return self._remember(l2_normalize(np.asarray(pooled, dtype=np.float32)))

    def tower_layout(self) -> TowerLayout:
        """Text tower only; numpy head = pooling, then the Dense matrices (float32)."""
        layout = super().tower_layout()
        matrices = [layer.weight.detach().float().cpu().numpy().T for layer in self.model.dense]
        if not matrices or layout.text_head is None:
            return layout
        pooled_head = layout.text_head

        def head(hidden: NDArray[Any], arrays: Arrays) -> NDArray[np.float32]:
            vectors = pooled_head(hidden, arrays)
            for matrix in matrices:
                vectors = vectors @ matrix
            return np.asarray(vectors, dtype=np.float32)

        return TowerLayout(layout.modalities, head, layout.normalize)


def build_arch_text(
    spec: ModelSpec,
    model: dict[str, Any],
    text: dict[str, Any],
    tokenizer: dict[str, Any],
    weights_id: str,
    seed: int,
) -> TextArchEncoder:
    """The encoder of a shipped ``text`` architecture (random weights, see above).

    Raises:
        ModelError: the CPU model would not fit in the available memory (with the estimate).
    """
    torch = require("torch", purpose=f"building model {spec.name!r}")
    dense = [list(pair) for pair in text.get("dense", [])]
    parameters = parameter_count(model, dense)
    refuse_if_too_big(spec.name, parameters, spec.precision, spec.device, available_bytes())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        stack = build_stack(model, dense, torch_dtype(spec.precision))
    settings = dict(tokenizer)
    settings["word_ids"] = tuple(settings["word_ids"])
    prompts: dict[Role, str] = {"query": "", "document": ""}
    prompts.update(text.get("prompts", {}))
    return TextArchEncoder(
        spec=spec,
        model=move_to_device(stack, spec.device, spec.name).eval(),
        tokenizer=ArchTokenizer(**settings),
        pooling=check_pooling(text["pooling"], spec.name),
        prompts=prompts,
        max_length=int(text["max_length"]),
        weights_id=weights_id,
    )
