"""Build the encoder of an ``arch:`` model: random weights, its processor, a stand-in tokenizer.

The forward pass is the ``hf`` source's own (:class:`~embedlab.models.hf_encoder.HFEncoder`:
same dtype casting, same pooling, same padding policy), so the speed of an ``arch:`` model is
the speed the ``hf`` source would get from the real checkpoint. :class:`ArchEncoder` also
implements the prepared interface of :mod:`embedlab.perf.prepared`, so ``embedlab speed`` times
preprocessing and the model separately; ``encode_*`` is exactly ``forward_prepared(prepare_*)``.

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from embedlab.models._loading import loading
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelSpec, Role
from embedlab.models.hf_encoder import HFEncoder, text_policy

if TYPE_CHECKING:
    from PIL import Image

    from embedlab.models.arch import ArchConfig

_CLASSES = {"clip": "CLIP", "siglip": "Siglip"}


class ArchEncoder(HFEncoder):
    """An :class:`HFEncoder` whose preprocessing and forward pass can be called apart."""

    def prepare_images(self, images: Sequence[Image.Image]) -> dict[str, Any]:
        """Image-processor output (``pixel_values`` on the host) for a batch of PIL images."""
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        return dict(self.image_processor(images=rgb, return_tensors="pt"))

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> dict[str, Any]:
        """Token ids (and the mask, for families that use one) on the host."""
        batch = self.tokenizer(
            list(texts),
            padding=self.policy.padding,
            truncation=True,
            max_length=self.policy.max_length,
            return_tensors="pt",
        )
        inputs = {"input_ids": batch["input_ids"]}
        if self.policy.use_attention_mask:
            inputs["attention_mask"] = batch["attention_mask"]
        return inputs

    def forward_prepared(
        self, modality: Literal["image", "text"], prepared: dict[str, Any]
    ) -> NDArray[np.float32]:
        """Unit float32 embeddings of prepared inputs (copy to device, forward, normalise)."""
        method = "get_image_features" if modality == "image" else "get_text_features"
        return self._run(method, dict(prepared))

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """``forward_prepared("image", prepare_images(images))``."""
        if not images:
            return self._empty()
        return self.forward_prepared("image", self.prepare_images(images))

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        """``forward_prepared("text", prepare_texts(texts))`` (``role`` is ignored)."""
        if not texts:
            return self._empty()
        return self.forward_prepared("text", self.prepare_texts(texts, role))


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
    from embedlab.models.arch_tokenizer import ArchTokenizer

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
