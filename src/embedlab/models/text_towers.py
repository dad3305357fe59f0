"""Text-only encoders as exportable towers: one tokenisation, a token tower, numpy pooling.

A text encoder (``st:``, ``hf-text:``, text presets) is exported as its transformers model
alone: the *token tower* maps the tokenizer's ``input_ids``, ``attention_mask`` (and
``token_type_ids`` when the tokenizer makes them) to ``last_hidden_state`` ``(B, L, H)``. What
follows runs in numpy on every runtime (the layout's ``text_head``):
:func:`~embedlab.models.pooling.pool` with the model's pooling and attention mask, then L2
normalisation unless the model scores raw dot products.

Tokenisation is the encoder's own ``prepare_texts`` (the role's prompt prepended), which
:class:`TextPreprocessor` turns into int64 numpy arrays: torch and the exported runtimes are fed
the same token ids. Prompts never enter the graph, so :meth:`TextTowersMixin.export_identity`
names the export without them (nor ``max_length`` or ``?dim=``): one export per weights.

:class:`TextTowersMixin` gives a text encoder the :class:`~embedlab.models.exportable.Exportable`
methods; the encoder supplies ``prepare_texts`` and :meth:`~TextTowersMixin.export_plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models._torch_utils import require
from embedlab.models.base import ModelSpec, Role
from embedlab.models.exportable import ExportableDefaults, TextHead, TowerLayout
from embedlab.models.pooling import Pooling, pool
from embedlab.models.prepared_encode import PreparedEncodeMixin

if TYPE_CHECKING:
    from PIL import Image

#: Inputs of the token tower, in its ``forward`` order (the first two are required).
TOKEN_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: What the exported text tower of a text model outputs (part of the export key).
TOKEN_TOWER = "text:last_hidden_state"

Tokenize = Callable[[Sequence[str], Role], Mapping[str, Any]]


def text_only_error(model: str) -> ModelError:
    """The error of ``encode_images`` on a text-only model."""
    return ModelError(
        f"model {model!r} is a text-only model: it cannot embed images; "
        "use it with text tasks (e.g. beir), or pick an image–text model for this task"
    )


def token_arrays(batch: Mapping[str, Any], model: str) -> dict[str, NDArray[np.int64]]:
    """The token-tower inputs of a tokenizer output (numpy or CPU tensors) as int64 arrays.

    Keys in :data:`TOKEN_INPUTS` order; anything else (sentence-transformers' ``modality``,
    ``prompt_length``...) is left out.

    Raises:
        ModelError: ``input_ids`` or ``attention_mask`` is missing.
    """
    missing = [name for name in TOKEN_INPUTS[:2] if name not in batch]
    if missing:
        raise ModelError(
            f"model {model!r}: its tokenizer gives no {', '.join(missing)}; the exported "
            "runtimes need input_ids and attention_mask (use --runtime torch)"
        )
    return {
        name: np.ascontiguousarray(_host(batch[name]), dtype=np.int64)
        for name in TOKEN_INPUTS
        if name in batch
    }


def _host(value: Any) -> Any:
    return value.cpu().numpy() if hasattr(value, "cpu") else value


@dataclass(frozen=True)
class TextPreprocessor:
    """A text encoder's own tokenisation with numpy outputs (what exported runtimes are fed)."""

    model: str
    tokenize: Tokenize

    def image_arrays(self, images: Sequence[Image.Image]) -> NoReturn:
        """Always raises :class:`ModelError` (text-only model)."""
        raise text_only_error(self.model)

    def text_arrays(self, texts: Sequence[str], role: Role = "query") -> dict[str, NDArray[Any]]:
        """Token ids, attention mask (and token types) of the prompted texts, int64 ``(N, L)``."""
        return dict(token_arrays(self.tokenize(texts, role), self.model))


def token_tower(model: Any) -> Any:
    """A ``torch.nn.Module`` over a transformers model returning ``last_hidden_state``.

    ``forward(input_ids, attention_mask, token_type_ids=None)``; the module holds ``model`` as
    a submodule (nothing is copied).
    """
    torch = require("torch", purpose="exporting a text tower")

    class TokenTower(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                inputs["token_type_ids"] = token_type_ids
            output = self.model(**inputs, return_dict=True)
            return output.last_hidden_state

    return TokenTower().eval()


def pooling_head(mode: Pooling) -> TextHead:
    """``(last_hidden_state, arrays) -> pool(hidden, arrays["attention_mask"], mode)``."""

    def head(hidden: NDArray[Any], arrays: Mapping[str, NDArray[Any]]) -> NDArray[np.float32]:
        return pool(hidden, arrays["attention_mask"], mode)

    return head


@dataclass(frozen=True)
class TextExportPlan:
    """How a text encoder is exported: the transformers model, its pooling, normalisation."""

    model: Any
    pooling: Pooling
    normalize: bool


class TextTowersMixin(PreparedEncodeMixin, ExportableDefaults):
    """The exportable side of a text-only encoder (see the module docstring).

    Subclasses set ``spec`` and ``weights_id`` (the prompt-free identity of the weights) and
    implement ``prepare_texts`` and :meth:`export_plan`.
    """

    spec: ModelSpec
    weights_id: str

    def export_plan(self) -> TextExportPlan:
        """The model, pooling and normalisation to export (ConfigError if it cannot be)."""
        raise NotImplementedError

    def encode_images(self, images: Sequence[Image.Image]) -> NoReturn:
        """Always raises :class:`ModelError` (text-only model)."""
        raise text_only_error(self.spec.name)

    def prepare_images(self, images: Sequence[Image.Image]) -> NoReturn:
        """Always raises :class:`ModelError` (text-only model)."""
        raise text_only_error(self.spec.name)

    def image_tower(self) -> NoReturn:
        """Always raises :class:`ModelError` (text-only model)."""
        raise text_only_error(self.spec.name)

    def text_tower(self) -> Any:
        """The token tower of the plan's model (``last_hidden_state``, for export)."""
        return token_tower(self.export_plan().model)

    def preprocessor(self) -> TextPreprocessor:
        """``prepare_texts`` (prompt included) with int64 numpy outputs."""
        return TextPreprocessor(self.spec.name, self.prepare_texts)

    def tower_layout(self) -> TowerLayout:
        """Text tower only, pooled in numpy with the plan's pooling, normalised per the plan."""
        plan = self.export_plan()
        return TowerLayout(("text",), pooling_head(plan.pooling), plan.normalize)

    def export_identity(self) -> dict[str, str]:
        """Export key parts without prompts, ``max_length`` or ``dim`` (not in the graph)."""
        base = self.spec.ref.partition("?")[0]
        model = f"{self.spec.source}:{base}"
        return {"model": model, "weights": self.weights_id, "tower": TOKEN_TOWER}
