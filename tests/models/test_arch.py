"""Architecture-only models: shipped configs, offline building, tokenizer, quality refusal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from embedlab.errors import ConfigError, UnknownNameError
from embedlab.models.encoders.hash_tokenizer import ArchTokenizer
from embedlab.models.registry import parse_model
from embedlab.models.sources.arch import (
    ARCH_SOURCE,
    arch_config,
    parse_arch_config,
    shipped_configs,
)
from embedlab.perf.call_stages import PreparedEncoder
from tests.models._helpers import TEXTS, sample_images

SHIPPED = {
    # hub id: (family, embedding dim, image size, vision layers, vision width)
    "openai/clip-vit-base-patch16": ("clip", 512, 224, 12, 768),
    "openai/clip-vit-large-patch14-336": ("clip", 768, 336, 24, 1024),
    "google/siglip-base-patch16-224": ("siglip", 768, 224, 12, 768),
    "google/siglip-so400m-patch14-384": ("siglip", 1152, 384, 27, 1152),
    "laion/CLIP-ViT-H-14-laion2B-s32B-b79K": ("clip", 1024, 224, 32, 1280),
    "facebook/metaclip-h14-fullcc2.5b": ("clip", 1024, 224, 32, 1280),
    "apple/DFN5B-CLIP-ViT-H-14-378": ("clip", 1024, 378, 32, 1280),
}
SMALL = ["openai/clip-vit-base-patch16", "google/siglip-base-patch16-224"]
#: MLLM architectures, checked in test_mllm_arch.py.
MLLM_SHIPPED = {"Qwen/Qwen3-VL-Embedding-2B"}
#: Multi-vector architectures, checked in test_colvision_arch.py.
MULTI_VECTOR_SHIPPED = {"vidore/colpali-v1.3-hf", "vidore/colqwen2-v1.0-hf"}
#: Text-only and Jina-CLIP architectures, checked in test_text_arch.py / test_jina_clip_arch.py.
TEXT_SHIPPED = {"google/embeddinggemma-300m", "Qwen/Qwen3-Embedding-0.6B", "BAAI/bge-m3"}
JINA_SHIPPED = {"jinaai/jina-clip-v1"}
OTHER_SHIPPED = MLLM_SHIPPED | MULTI_VECTOR_SHIPPED | TEXT_SHIPPED | JINA_SHIPPED


def test_every_expected_architecture_ships_with_its_dimensions() -> None:
    configs = shipped_configs()
    assert set(configs) == set(SHIPPED) | OTHER_SHIPPED
    for hub_id, (family, dim, size, layers, width) in SHIPPED.items():
        config = configs[hub_id]
        vision = config.model["vision_config"]
        assert (config.family, config.embedding_dim, config.image_size) == (family, dim, size)
        assert (vision["num_hidden_layers"], vision["hidden_size"]) == (layers, width)
        assert config.sources, f"{hub_id} cites no source"


@pytest.mark.parametrize("hub_id", sorted(SHIPPED))
def test_every_config_parses_into_a_transformers_config(hub_id: str) -> None:
    transformers = pytest.importorskip("transformers")
    config = arch_config(hub_id)
    prefix = "CLIP" if config.family == "clip" else "Siglip"
    built = getattr(transformers, f"{prefix}Config")(**config.model)
    assert built.vision_config.image_size == config.image_size
    assert built.text_config.vocab_size == config.tokenizer["vocab_size"]
    assert built.text_config.max_position_embeddings == config.tokenizer["model_max_length"]
    vision = built.vision_config
    assert vision.hidden_size % vision.num_attention_heads == 0


def test_unknown_ids_list_the_shipped_ones() -> None:
    spec = parse_model("arch:openai/clip-vit-base-patch32")
    with pytest.raises(UnknownNameError, match=re.escape("openai/clip-vit-base-patch16")) as info:
        ARCH_SOURCE.load(spec)
    assert set(info.value.valid) == set(SHIPPED) | OTHER_SHIPPED
    with pytest.raises(UnknownNameError):
        ARCH_SOURCE.fingerprint(spec)


def test_fingerprint_and_int8_checks_do_not_build_anything() -> None:
    spec = parse_model("arch:google/siglip-base-patch16-224")
    assert ARCH_SOURCE.fingerprint(spec).startswith("arch/v1:google/siglip-base-patch16-224:")
    with pytest.raises(ConfigError, match="int8"):
        ARCH_SOURCE.load(parse_model("arch:google/siglip-base-patch16-224", precision="int8"))


def test_a_broken_config_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"broken\.json"):
        parse_arch_config(json.dumps({"hub_id": "x", "family": "vit"}), "broken.json")


def test_the_stand_in_tokenizer_gives_valid_ids_of_caption_length() -> None:
    tok = ArchTokenizer(vocab_size=100, model_max_length=8, eos_token_id=99, pad_token_id=0,
                        word_ids=(10, 98), bos_token_id=98)  # fmt: skip
    batch = tok(["A dog, running", "cat"], return_tensors="np")
    ids, mask = batch["input_ids"], batch["attention_mask"]
    assert ids.shape == (2, 6) and ids[0, 0] == 98 and ids[0, 5] == 99 and ids[1, 2] == 99
    assert ((ids[:, 1:-1] >= 10) | (ids[:, 1:-1] == 0) | (ids[:, 1:-1] == 99)).all()
    assert mask.tolist() == [[1] * 6, [1, 1, 1, 0, 0, 0]]
    assert ids[0, 1] == tok.word_id("a")  # lower-cased, stable
    long = tok(["one two three four five six seven eight nine"], padding="max_length")
    assert long["input_ids"].shape == (1, 8) and int(long["input_ids"][0, -1]) == 99


@pytest.fixture(scope="module", params=SMALL)
def small_encoder(request: pytest.FixtureRequest) -> object:
    pytest.importorskip("transformers")
    return ARCH_SOURCE.load(parse_model(f"arch:{request.param}", batch_size=2))


def test_small_architectures_build_offline_and_embed(small_encoder: object) -> None:
    encoder = small_encoder
    assert isinstance(encoder, PreparedEncoder)
    expected = SHIPPED[encoder.spec.ref][1]  # type: ignore[attr-defined]
    images = encoder.encode_images(sample_images(2))  # type: ignore[attr-defined]
    texts = encoder.encode_texts(TEXTS)  # type: ignore[attr-defined]
    assert images.shape == (2, expected) and texts.shape == (len(TEXTS), expected)
    assert images.dtype == np.float32 and np.allclose(np.linalg.norm(texts, axis=1), 1, atol=1e-5)
    prepared = encoder.prepare_images(sample_images(2))
    size = SHIPPED[encoder.spec.ref][2]  # type: ignore[attr-defined]
    assert tuple(prepared["pixel_values"].shape) == (2, 3, size, size)
    again = encoder.forward_prepared("image", prepared)
    assert np.allclose(again, images, atol=1e-5)


def test_weights_are_seeded() -> None:
    pytest.importorskip("transformers")
    spec = parse_model("arch:openai/clip-vit-base-patch16")
    import transformers

    from embedlab.models.sources.arch import build_model

    a = build_model(transformers, arch_config(spec.ref), seed=0)
    b = build_model(transformers, arch_config(spec.ref), seed=0)
    name, tensor = next(iter(a.state_dict().items()))
    assert np.array_equal(tensor.numpy(), b.state_dict()[name].numpy())


def test_quality_runs_refuse_random_weights(tmp_path: Path) -> None:
    from embedlab.config.run import RunConfig
    from embedlab.verbs.run import run

    config = RunConfig(models=["arch:openai/clip-vit-base-patch16"], tasks=["shapes"],
                       out=tmp_path, cache_dir=tmp_path / "cache")  # fmt: skip
    with pytest.raises(ConfigError, match="random weights: speed only"):
        run(config)
