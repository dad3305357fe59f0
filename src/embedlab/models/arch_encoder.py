"""Build the encoder of an ``arch:`` model: random weights, its processor, a stand-in tokenizer.

The forward pass is the ``hf`` source's own (:class:`~embedlab.models.hf_encoder.HFEncoder`:
same dtype casting, same pooling, same padding policy), so the speed of an ``arch:`` model is
the speed the ``hf`` source would get from the real checkpoint. The prepared interface of
:mod:`embedlab.perf.prepared` (preprocessing and the model timed separately by ``embedlab
speed``) comes with it.

Importing this module imports neither torch nor transformers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embedlab.models._loading import loading
from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelSpec
from embedlab.models.hf_encoder import HFEncoder, text_policy

if TYPE_CHECKING:
    from embedlab.models.arch import ArchConfig

_CLASSES = {"clip": "CLIP", "siglip": "Siglip"}


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
