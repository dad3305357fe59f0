"""Tiny Qwen2-VL and Qwen3-VL checkpoint folders for the ``mllm`` source tests (offline).

A word-level tokenizer (``tokenizers``) wrapped as ``Qwen2TokenizerFast`` with the vision
special tokens, the family's image processor with a small patch grid, a video processor (the
processors want one even for images) and a chat template in the Qwen style; the model is the
family's ``*ForConditionalGeneration`` with 1–2 layers of width 32–64 and seeded random weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embedlab.models.encoders.mllm_arch import CHAT_TEMPLATE
from tests.fixtures.tiny_qwen_vl import (
    QWEN2_VL_ROPE,
    QWEN2_VL_VISION,
    QWEN_SPECIALS,
    tiny_text_config,
    vision_token_ids,
)

SEED = 0
SENTENCE = (
    "a photo of the cat dog on grass two red squares and blue circle small green "
    "triangle next to large yellow star find an image that matches given text "
    "represent user's input query retrieve images or relevant document you are "
    "helpful assistant passage answer question shape shapes with colour picture"
)


def _tokenizer() -> Any:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import Qwen2TokenizerFast

    vocab = {tok: i for i, tok in enumerate(QWEN_SPECIALS + sorted(set(SENTENCE.split())))}
    for piece in ("\n", "system", "user", "assistant", "'", ".", ",", "?", ":"):
        vocab.setdefault(piece, len(vocab))
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()]
    )
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=core,
        unk_token="<unk>",
        pad_token="<|endoftext|>",
        eos_token="<|im_end|>",
        additional_special_tokens=QWEN_SPECIALS[2:],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def _ids(tokenizer: Any) -> dict[str, int]:
    return {
        "bos_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        **vision_token_ids(tokenizer),
    }


def save_tiny_qwen2_vl(path: Path) -> None:
    """A Qwen2-VL checkpoint (patch 4, merge 2: an image of 16×16 px is 4 tokens)."""
    import torch
    from transformers import (
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    tokenizer = _tokenizer()
    text = tiny_text_config(tokenizer, rope_parameters=QWEN2_VL_ROPE)
    config = Qwen2VLConfig(text_config=text, vision_config=QWEN2_VL_VISION, **_ids(tokenizer))
    torch.manual_seed(SEED)
    Qwen2VLForConditionalGeneration(config).eval().save_pretrained(path)
    pixels = {"min_pixels": 16 * 16, "max_pixels": 32 * 32}
    image_processor = Qwen2VLImageProcessor(patch_size=4, merge_size=2, **pixels)
    video_processor = Qwen2VLVideoProcessor(patch_size=4, merge_size=2, **pixels)
    processor = Qwen2VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=CHAT_TEMPLATE,
    )
    processor.save_pretrained(path)


def save_tiny_qwen3_vl(path: Path) -> None:
    """A Qwen3-VL checkpoint (patch 4, merge 2, one deepstack layer)."""
    import torch
    from transformers import (
        Qwen2VLImageProcessor,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
        Qwen3VLVideoProcessor,
    )

    tokenizer = _tokenizer()
    vision = {
        "depth": 2,
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_heads": 2,
        "patch_size": 4,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
        "out_hidden_size": 32,
        "num_position_embeddings": 64,
        "deepstack_visual_indexes": [0],
    }
    rope = {
        "rope_type": "default",
        "mrope_section": [2, 3, 3],
        "rope_theta": 10000.0,
        "mrope_interleaved": True,
    }
    text = tiny_text_config(tokenizer, head_dim=16, rope_parameters=rope)
    config = Qwen3VLConfig(text_config=text, vision_config=vision, **_ids(tokenizer))
    torch.manual_seed(SEED)
    Qwen3VLForConditionalGeneration(config).eval().save_pretrained(path)
    pixels = {"size": {"shortest_edge": 16 * 16, "longest_edge": 32 * 32}}
    image_processor = Qwen2VLImageProcessor(patch_size=4, merge_size=2, **pixels)
    video_processor = Qwen3VLVideoProcessor(patch_size=4, merge_size=2, **pixels)
    processor = Qwen3VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=CHAT_TEMPLATE,
    )
    processor.save_pretrained(path)
