"""``arch:jinaai/jina-clip-v1``: both towers of Jina-CLIP v1 with random weights, for speed.

Built from a shipped config (family ``jina_clip``):

- **vision**: the EVA02-B/16 tower as timm's ``eva02_base_patch16_clip_224`` (the model
  open_clip's ``EVA02-B-16`` config names) with the file's sizes, ``num_classes=0`` (no head:
  Jina-CLIP v1 has ``proj_type`` null), so an image embedding is the final-LayerNorm CLS token,
  ``embed_dim`` wide; 2-D RoPE with a ``pt_hw_seq_len``² reference grid;
- **text**: JinaBERT v2 (:mod:`~embedlab.models.encoders.jinabert`: ALiBi, post-LN, GEGLU) and
  mean pooling over the attention mask, no projection;
- **preprocessing**: a transformers ``CLIPImageProcessor`` (PIL) with the checkpoint's size,
  bicubic resize, centre crop and mean/std; the offline stand-in tokenizer of
  :mod:`~embedlab.models.encoders.hash_tokenizer` with BERT's ids (``[CLS] … [SEP]``, pad 0),
  padded to the longest text with the mask.

:class:`JinaClipArch` exposes ``get_image_features`` / ``get_text_features`` like a transformers
dual encoder, so the encoder is the ``hf`` source's
:class:`~embedlab.models.encoders.transformers_dual.HFEncoder` (same casting, normalisation,
prepared split and exportable towers). Memory is checked (meta-device parameter count) before
building. What is and is not identical to the checkpoint: the config file's ``note``.
"""

from __future__ import annotations

from typing import Any

from embedlab.models._torch_utils import move_to_device, require, torch_dtype
from embedlab.models.base import ModelSpec
from embedlab.models.encoders.hash_tokenizer import ArchTokenizer
from embedlab.models.encoders.jinabert import JinaBertConfig, build_jinabert, mean_pool
from embedlab.models.encoders.mllm_memory import available_bytes, refuse_if_too_big
from embedlab.models.encoders.transformers_dual import HFEncoder, TextPolicy


def build_vision(vision: dict[str, Any]) -> Any:
    """timm's EVA02 CLIP tower with the config's sizes and no head (``(N, width)`` out)."""
    timm = require("timm", purpose="the EVA02 vision tower of Jina-CLIP")
    grid = int(vision["pt_hw_seq_len"])
    return timm.create_model(
        vision["timm_model_name"],
        pretrained=False,
        num_classes=0,
        img_size=int(vision["image_size"]),
        patch_size=int(vision["patch_size"]),
        embed_dim=int(vision["width"]),
        depth=int(vision["layers"]),
        num_heads=int(vision["width"]) // int(vision["head_width"]),
        mlp_ratio=float(vision["mlp_ratio"]),
        ref_feat_shape=(grid, grid),
    )


def build_jina_clip(model: dict[str, Any]) -> Any:
    """:class:`JinaClipArch` (a ``torch.nn.Module``) of a ``jina_clip`` ``model`` section."""
    torch = require("torch", purpose="building Jina-CLIP")

    class JinaClipArch(torch.nn.Module):  # type: ignore[misc, name-defined]
        """Vision + text towers with the transformers dual-encoder feature methods."""

        def __init__(self) -> None:
            super().__init__()
            self.vision_model = build_vision(model["vision_config"])
            self.text_model = build_jinabert(JinaBertConfig(**model["text_config"]))

        def get_image_features(self, pixel_values: Any) -> Any:
            """``(N, embed_dim)`` CLS features of ``pixel_values`` (unnormalised)."""
            return self.vision_model(pixel_values)

        def get_text_features(self, input_ids: Any, attention_mask: Any) -> Any:
            """``(N, embed_dim)`` mean-pooled JinaBERT states (unnormalised)."""
            return mean_pool(self.text_model(input_ids, attention_mask), attention_mask)

    return JinaClipArch()


def parameter_count(model: dict[str, Any]) -> int:
    """Parameters of both towers built on the ``meta`` device (no memory used)."""
    torch = require("torch", purpose="counting parameters")
    with torch.device("meta"):
        built = build_jina_clip(model)
    return int(sum(p.numel() for p in built.parameters()))


def build_arch_jina_clip(
    spec: ModelSpec,
    model: dict[str, Any],
    image_processor: dict[str, Any],
    tokenizer: dict[str, Any],
    seed: int,
) -> HFEncoder:
    """The encoder of the shipped ``jina_clip`` architecture (random weights, see above).

    Raises:
        ModelError: the CPU model would not fit in the available memory (with the estimate).
    """
    torch = require("torch", purpose=f"building model {spec.name!r}")
    transformers = require("transformers", purpose=f"building model {spec.name!r}")
    refuse_if_too_big(
        spec.name, parameter_count(model), spec.precision, spec.device, available_bytes()
    )
    dtype = torch_dtype(spec.precision)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        built = build_jina_clip(model).to(dtype=dtype)
    processor_class = getattr(transformers, "CLIPImageProcessorPil", None)
    if processor_class is None:  # transformers 4.x: the plain class is the PIL one
        processor_class = transformers.CLIPImageProcessor
    settings = dict(tokenizer)
    settings["word_ids"] = tuple(settings["word_ids"])
    words = ArchTokenizer(**settings)
    return HFEncoder(
        spec=spec,
        model=move_to_device(built, spec.device, spec.name).eval(),
        image_processor=processor_class(**image_processor),
        tokenizer=words,
        policy=TextPolicy("longest", words.model_max_length, use_attention_mask=True),
        dtype=dtype,
    )
