"""``arch:Qwen/Qwen3-VL-Embedding-2B``: the shipped architecture and its random-weight builder.

The full 2B model is only counted (on torch's meta device); building and encoding run on the
same config shrunk to a few thousand parameters per layer, through the same builder.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from embedlab.errors import ConfigError
from embedlab.models.encoders.mllm_arch import build_arch_mllm, parameter_count
from embedlab.models.registry import parse_model
from embedlab.models.sources.arch import ARCH_SOURCE, arch_config
from embedlab.perf.inputs import synthetic_captions, synthetic_images

HUB_ID = "Qwen/Qwen3-VL-Embedding-2B"


def test_shipped_config_is_the_2b_architecture() -> None:
    import transformers

    config = arch_config(HUB_ID)
    assert (config.family, config.recipe, config.embedding_dim) == (
        "qwen3_vl",
        "qwen3-vl-embedding",
        2048,
    )
    count = parameter_count(transformers, transformers.Qwen3VLConfig(**config.model))
    assert 2.0e9 < count < 2.2e9  # the card: a 2B model; 28 layers, dimension 2048


def _shrunk() -> dict[str, object]:
    model = copy.deepcopy(arch_config(HUB_ID).model)
    model["text_config"].update(  # type: ignore[union-attr]
        hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=1, head_dim=16,
        rope_parameters={"rope_type": "default", "rope_theta": 5000000,
                         "mrope_section": [2, 3, 3], "mrope_interleaved": True},
    )  # fmt: skip
    model["vision_config"].update(  # type: ignore[union-attr]
        depth=1, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=32,
        deepstack_visual_indexes=[0],
    )  # fmt: skip
    return model


def test_builder_encodes_with_qwen_special_ids_and_the_recipe() -> None:
    config = arch_config(HUB_ID)
    spec = parse_model(f"arch:{HUB_ID}")
    encoder = build_arch_mllm(
        spec, _shrunk(), config.image_processor, config.tokenizer, "qwen3-vl-embedding", 0
    )
    tokenizer = encoder.processor.tokenizer
    assert tokenizer.convert_tokens_to_ids("<|image_pad|>") == 151655
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") == 151645
    texts = encoder.encode_texts(synthetic_captions(3))
    before = encoder.tokens
    images = encoder.encode_images(synthetic_images(2))
    assert texts.shape == (3, 32) and images.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, atol=1e-5)
    # 640×480 at 32-px merged patches = 20 × 15 = 300 image tokens, plus the template
    assert 300 < (encoder.tokens - before) / 2 < 330


def test_other_runtimes_are_refused_with_a_message() -> None:
    with pytest.raises(ConfigError, match="runs on torch only"):
        ARCH_SOURCE.load(parse_model(f"arch:{HUB_ID}", runtime="openvino"))
