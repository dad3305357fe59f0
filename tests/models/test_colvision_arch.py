"""``arch:`` ColPali-v1.3 and ColQwen2-v1.0: the shipped configs and their builder.

The full-size models are only counted (torch's meta device) and checked against the published
architecture numbers; building and encoding run on the same configs shrunk to width 32 and one
layer (the vocabulary, special ids, image sizes and prompts stay the real ones), through the
same builder the ``arch`` source uses.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.errors import ConfigError, ModelError
from embedlab.models.encoders import colvision_arch
from embedlab.models.encoders.colvision_arch import (
    build_arch_colvision,
    model_config,
    parameter_count,
)
from embedlab.models.multivector import MultiVectorEncoder
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources.arch import arch_config
from embedlab.perf.inputs import synthetic_captions, synthetic_images

transformers = pytest.importorskip("transformers")

COLPALI = "vidore/colpali-v1.3-hf"
COLQWEN2 = "vidore/colqwen2-v1.0-hf"
#: The model cards' parameter counts ("Model size" of the -hf repositories).
PUBLISHED_PARAMETERS = {COLPALI: 2.92e9, COLQWEN2: 2.21e9}


@pytest.fixture(scope="module")
def full_configs() -> dict[str, Any]:
    return {
        hub: model_config(transformers, arch_config(hub).family, arch_config(hub).model)
        for hub in (COLPALI, COLQWEN2)
    }


def test_colpali_config_is_paligemma_3b_at_448_px(full_configs: dict[str, Any]) -> None:
    config = full_configs[COLPALI]
    vlm, shipped = config.vlm_config, arch_config(COLPALI)
    assert (shipped.family, shipped.embedding_dim, shipped.image_size) == ("colpali", 128, 448)
    assert config.embedding_dim == 128 and vlm.model_type == "paligemma"
    text, vision = vlm.text_config, vlm.vision_config
    assert (text.hidden_size, text.num_hidden_layers, text.intermediate_size) == (2048, 18, 16384)
    assert (text.num_attention_heads, text.num_key_value_heads, text.head_dim) == (8, 1, 256)
    assert text.vocab_size == 257216 and vlm.image_token_id == 257152
    assert (vision.hidden_size, vision.num_hidden_layers, vision.intermediate_size) == (
        1152, 27, 4304,
    )  # fmt: skip
    assert (vision.image_size // vision.patch_size) ** 2 == 1024 == text.num_image_tokens


def test_colqwen2_config_is_qwen2_vl_2b(full_configs: dict[str, Any]) -> None:
    config = full_configs[COLQWEN2]
    text, vision = config.vlm_config.text_config, config.vlm_config.vision_config
    assert config.embedding_dim == 128 and config.vlm_config.model_type == "qwen2_vl"
    assert (text.hidden_size, text.num_hidden_layers, text.intermediate_size) == (1536, 28, 8960)
    assert (text.num_attention_heads, text.num_key_value_heads, text.vocab_size) == (
        12, 2, 151936,
    )  # fmt: skip
    assert (vision.depth, vision.embed_dim, vision.num_heads, vision.patch_size) == (
        32, 1280, 16, 14,
    )  # fmt: skip
    assert arch_config(COLQWEN2).image_processor["size"]["longest_edge"] == 768 * 28 * 28


@pytest.mark.parametrize("hub_id", [COLPALI, COLQWEN2])
def test_parameter_count_is_the_published_one(hub_id: str, full_configs: dict[str, Any]) -> None:
    count = parameter_count(transformers, arch_config(hub_id).family, full_configs[hub_id])
    assert abs(count / PUBLISHED_PARAMETERS[hub_id] - 1) < 0.01


def _shrunk(hub_id: str) -> dict[str, Any]:
    """The shipped ``model`` section at width 32, one layer (vocabulary and ids unchanged)."""
    model = copy.deepcopy(arch_config(hub_id).model)
    vlm = model["vlm_config"]
    small = {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2}
    if hub_id == COLPALI:
        vlm.update(hidden_size=32, projection_dim=32)
        vlm["text_config"].update(small, num_hidden_layers=1, head_dim=16)
        vlm["vision_config"].update(small, num_hidden_layers=1, projection_dim=32)
    else:
        rope = {"rope_type": "default", "rope_theta": 1e6, "mrope_section": [2, 3, 3]}
        vlm["text_config"].update(small, num_hidden_layers=1, num_key_value_heads=1,
                                  rope_parameters=rope)  # fmt: skip
        vlm["vision_config"].update(depth=1, embed_dim=32, hidden_size=32, num_heads=2)
    return model


def _build(hub_id: str, **settings: Any) -> Any:
    config = arch_config(hub_id)
    spec = parse_model(f"arch:{hub_id}", **settings)
    return build_arch_colvision(
        spec, config.family, _shrunk(hub_id), config.image_processor, config.tokenizer, seed=0
    )


def test_colpali_builds_offline_with_the_real_prompt_lengths_and_ids() -> None:
    encoder = _build(COLPALI)
    assert isinstance(encoder, MultiVectorEncoder) and encoder.token_dim == 128
    tokenizer = encoder.processor.tokenizer
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<pad>", "<bos>", "<image>", "\n")}
    assert ids == {"<pad>": 0, "<bos>": 2, "<image>": 257152, "\n": 108}
    prepared = encoder.prepare_images(synthetic_images(2))
    row = prepared["input_ids"][0].tolist()
    # 1024 image tokens, <bos>, "Describe the image ." and "\n": 1030, as the issue states
    assert row[:1024] == [257152] * 1024 and row[1024] == 2 and row[-1] == 108
    assert tuple(prepared["pixel_values"].shape) == (2, 3, 448, 448)
    images = encoder.encode_images(synthetic_images(2))
    assert images.counts.tolist() == [1030, 1030]
    np.testing.assert_allclose(np.linalg.norm(images.tokens, axis=1), 1.0, atol=1e-5)
    captions = ["a small dog on a bench", "the old train"]
    texts = encoder.encode_texts(captions)
    # <bos> Question : + one token per word + 10 augmentation <pad> + "\n"
    assert texts.counts.tolist() == [3 + 6 + 10 + 1, 3 + 3 + 10 + 1]


def test_colqwen2_builds_with_qwen_ids_and_dynamic_resolution() -> None:
    encoder = _build(COLQWEN2)
    tokenizer = encoder.processor.tokenizer
    assert tokenizer.convert_tokens_to_ids("<|image_pad|>") == 151655
    assert tokenizer.convert_tokens_to_ids("\n") == 198
    images = encoder.encode_images(synthetic_images(1))
    # 640x480 -> 644x476 (multiples of 28) -> 23 x 17 = 391 merged patches, + 11 prompt tokens
    assert images.counts.tolist() == [402] and images.dim == 128
    texts = encoder.encode_texts(synthetic_captions(2))
    words = [len(c.split()) for c in synthetic_captions(2)]
    assert texts.counts.tolist() == [2 + n + 10 + 1 for n in words]  # Query : words pads \n


def test_weights_are_seeded() -> None:
    a, b = _build(COLPALI), _build(COLPALI)
    name, tensor = next(iter(a.model.state_dict().items()))
    assert np.array_equal(tensor.numpy(), b.model.state_dict()[name].numpy())


def test_the_source_routes_multi_vector_architectures() -> None:
    spec = parse_model(f"arch:{COLPALI}")
    source = get_source(spec)
    assert source.late_interaction(spec)
    assert not source.late_interaction(parse_model("arch:openai/clip-vit-base-patch16"))
    with pytest.raises(ConfigError, match="multi-vector"):
        source.load(spec)
    with pytest.raises(ConfigError, match="dense model"):
        source.load_tokens(parse_model("arch:openai/clip-vit-base-patch16"))
    with pytest.raises(ConfigError, match="int8"):
        source.load_tokens(parse_model(f"arch:{COLPALI}", precision="int8"))


def test_too_little_memory_is_refused_with_the_estimate(
    monkeypatch: pytest.MonkeyPatch, full_configs: dict[str, Any]
) -> None:
    monkeypatch.setattr(colvision_arch, "available_bytes", lambda: 4 * 1024**3)
    spec = parse_model(f"arch:{COLPALI}")
    # 2.92e9 parameters × 4 bytes × 1.2 = 13.1 GiB; bf16 halves it (6.5 GiB)
    with pytest.raises(ModelError, match=r"needs about 13\.1 GiB \(2\.92 B parameters × 4 bytes"):
        get_source(spec).load_tokens(spec)
    bf16 = parse_model(f"arch:{COLPALI}", precision="bf16")
    with pytest.raises(ModelError, match=r"about 6\.5 GiB .* only 4\.0 GiB is available"):
        get_source(bf16).load_tokens(bf16)


def test_a_checkpoint_folder_is_refused_before_loading_when_memory_is_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from embedlab.models.encoders import colpali
    from tests.fixtures.tiny_colpali import save_tiny_colpali

    folder = save_tiny_colpali(tmp_path / "colpali")
    monkeypatch.setattr(colpali, "available_bytes", lambda: 1024)
    with pytest.raises(ModelError, match=r"needs about .* GiB .* but only 0\.0 GiB"):
        colpali.load_colpali(str(folder))
