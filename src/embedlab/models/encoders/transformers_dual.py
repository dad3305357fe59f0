"""A transformers image–text dual encoder and its preprocessing (``hf``, ``builtin``, ``arch``).

Preprocessing is the model's own: its image processor (image size, resize, crop, mean/std, from
the checkpoint's processor config) and its tokenizer. What differs per family is how text is
padded, decided by :func:`text_policy`:

- **SigLIP / SigLIP 2** were trained on texts padded to a fixed 64 tokens *without* a padding
  mask, and pool the last position; so text is padded with ``padding="max_length"`` to the text
  tower's ``max_position_embeddings`` (64), truncated, and fed as ``input_ids`` only. Padding
  is always on the right (the source sets it at load: transformers 5's ``Siglip2Tokenizer``
  class defaults to the left).
- **CLIP** (and MetaCLIP, same architecture) pools the EOS token under a causal mask: text is
  padded to the longest in the batch and truncated to the model's positions (77), with the mask.

:class:`HFEncoder` implements the prepared interface of :mod:`embedlab.perf.call_stages`:
``encode_*`` is ``forward_prepared(prepare_*)``, so ``embedlab speed`` times preprocessing
(``prepare_*``: processor/tokenizer on the host) apart from the model (``forward_prepared``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models._torch_utils import batch_to, method_module, require, to_unit_numpy
from embedlab.models.base import Modality, ModelSpec, Role
from embedlab.models.exportable import ExportableDefaults
from embedlab.models.prepared_encode import PreparedEncodeMixin

if TYPE_CHECKING:
    from PIL import Image

#: Model types trained on fixed-length, unmasked text (pad to max_length, no attention mask).
FIXED_LENGTH_TEXT_FAMILIES = frozenset({"siglip", "siglip2"})
_UNSET_MAX_LENGTH = 1_000_000  # tokenizers without a limit report a huge model_max_length


@dataclass(frozen=True)
class TextPolicy:
    """How texts are tokenised for one model family."""

    padding: Literal["max_length", "longest"]
    max_length: int
    use_attention_mask: bool


def text_policy(config: Any, tokenizer: Any) -> TextPolicy:
    """The text padding rule of a loaded model, from its config's ``model_type``."""
    text_config = getattr(config, "text_config", None) or config
    positions = getattr(text_config, "max_position_embeddings", None)
    limit = getattr(tokenizer, "model_max_length", None)
    limits = [int(x) for x in (positions, limit) if isinstance(x, int) and x < _UNSET_MAX_LENGTH]
    if getattr(config, "model_type", "") in FIXED_LENGTH_TEXT_FAMILIES:
        return TextPolicy("max_length", int(positions or min(limits, default=64)), False)
    return TextPolicy("longest", min(limits, default=77), True)


def pooled_features(output: Any, model_name: str) -> Any:
    """The projected embedding from ``get_*_features``.

    transformers 4.x returns a tensor; 5.x returns a ``BaseModelOutputWithPooling`` whose
    ``pooler_output`` holds the projected features (or its tuple form when ``return_dict`` is
    off, where ``pooler_output`` is the second item).
    """
    if hasattr(output, "ndim"):
        return output
    pooled = getattr(output, "pooler_output", None)
    if pooled is None and isinstance(output, tuple) and len(output) > 1:
        pooled = output[1]
    if pooled is None or getattr(pooled, "ndim", 0) != 2:
        raise ModelError(
            f"model {model_name!r}: get_*_features returned {type(output).__name__} without a "
            "2-D pooled embedding; this model is not a supported dual encoder for the hf source"
        )
    return pooled


def image_batch(
    image_processor: Any, images: Sequence[Image.Image], tensors: str
) -> dict[str, Any]:
    """The image processor's output for ``images`` (converted to RGB first)."""
    rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
    return dict(image_processor(images=rgb, return_tensors=tensors))


def text_batch(
    tokenizer: Any, policy: TextPolicy, texts: Sequence[str], tensors: str
) -> dict[str, Any]:
    """``input_ids`` (and ``attention_mask`` if the policy uses it) for ``texts``."""
    batch = tokenizer(
        list(texts),
        padding=policy.padding,
        truncation=True,
        max_length=policy.max_length,
        return_tensors=tensors,
    )
    inputs = {"input_ids": batch["input_ids"]}
    if policy.use_attention_mask and "attention_mask" in batch:
        inputs["attention_mask"] = batch["attention_mask"]
    return inputs


@dataclass(frozen=True)
class HFPreprocessor:
    """The model's own preprocessing with numpy outputs (what exported runtimes are fed)."""

    image_processor: Any
    tokenizer: Any
    policy: TextPolicy

    def image_arrays(self, images: Sequence[Image.Image]) -> dict[str, NDArray[Any]]:
        """Processor outputs (``pixel_values`` float32, ``(N, 3, H, W)``)."""
        batch = image_batch(self.image_processor, images, "np")
        return {k: np.ascontiguousarray(v) for k, v in batch.items()}

    def text_arrays(self, texts: Sequence[str], role: Role = "query") -> dict[str, NDArray[Any]]:
        """``input_ids`` (and ``attention_mask``) as int64 ``(N, L)`` (``role`` is ignored)."""
        batch = text_batch(self.tokenizer, self.policy, texts, "np")
        return {k: np.ascontiguousarray(v, dtype=np.int64) for k, v in batch.items()}


@dataclass
class HFEncoder(PreparedEncodeMixin, ExportableDefaults):
    """A transformers dual encoder (CLIP, MetaCLIP, SigLIP, SigLIP 2) behind the Encoder API."""

    spec: ModelSpec
    model: Any
    image_processor: Any
    tokenizer: Any
    policy: TextPolicy
    dtype: Any
    _dim: int | None = field(default=None, repr=False)

    def prepare_images(self, images: Sequence[Image.Image]) -> dict[str, Any]:
        """Image-processor output (``pixel_values``... as host tensors), images made RGB."""
        return image_batch(self.image_processor, images, "pt")

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> dict[str, Any]:
        """Token ids (and the mask, if :class:`TextPolicy` uses it) as host tensors.

        ``role`` is ignored: image–text models have no query/document prompts.
        """
        return text_batch(self.tokenizer, self.policy, texts, "pt")

    def forward_prepared(self, modality: Modality, prepared: dict[str, Any]) -> NDArray[np.float32]:
        """Unit float32 embeddings of prepared inputs (to device and dtype, forward, normalise)."""
        method = "get_image_features" if modality == "image" else "get_text_features"
        return self._run(method, prepared)

    def preprocessor(self) -> HFPreprocessor:
        """This encoder's preprocessing, producing numpy inputs (for exported runtimes)."""
        return HFPreprocessor(self.image_processor, self.tokenizer, self.policy)

    def image_tower(self) -> Any:
        """``pixel_values → (N, D)`` unnormalised features, as a torch module (for export)."""
        return method_module(self.model, "get_image_features", self._pooled)

    def text_tower(self) -> Any:
        """``input_ids[, attention_mask] → (N, D)`` unnormalised features, as a torch module."""
        return method_module(self.model, "get_text_features", self._pooled)

    def _pooled(self, output: Any) -> Any:
        return pooled_features(output, self.spec.name)

    def _run(self, method: str, inputs: dict[str, Any]) -> NDArray[np.float32]:
        torch = require("torch", purpose=f"running model {self.spec.name!r}")
        inputs = batch_to(inputs, self.spec.device, self.dtype)
        with torch.inference_mode():
            output = getattr(self.model, method)(**inputs)
        embeddings = to_unit_numpy(pooled_features(output, self.spec.name))
        return self._remember(embeddings)
