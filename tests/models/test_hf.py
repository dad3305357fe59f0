"""The ``hf`` source against an independent transformers computation on tiny saved models."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models.encoders.transformers_dual import HFEncoder
from embedlab.models.registry import get_source, parse_model
from tests.models._helpers import TEXTS, assert_unit_rows, row_cosines, sample_images

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def _load(folder: Path, precision: str = "fp32") -> HFEncoder:
    spec = parse_model(f"hf:{folder}", precision=precision)
    encoder = get_source(spec).load(spec)
    assert isinstance(encoder, HFEncoder)
    return encoder


def _unit(features: Any) -> NDArray[np.float32]:
    array = features.pooler_output.float().numpy()
    return (array / np.linalg.norm(array, axis=1, keepdims=True)).astype(np.float32)


def _reference_images(folder: Path, pil_processor: Any) -> NDArray[np.float32]:
    """Independent: the checkpoint's PIL image processor + get_image_features + normalise."""
    model = transformers.AutoModel.from_pretrained(folder).eval()
    pixels = pil_processor.from_pretrained(folder)(images=sample_images(), return_tensors="pt")
    with torch.inference_mode():
        return _unit(model.get_image_features(**pixels))


def _reference_texts(folder: Path, mask: bool, **tokenizer_kwargs: Any) -> NDArray[np.float32]:
    """Independent: the checkpoint's tokenizer + get_text_features (+ mask?) + normalise."""
    model = transformers.AutoModel.from_pretrained(folder).eval()
    tokens = transformers.AutoTokenizer.from_pretrained(folder)(
        TEXTS, truncation=True, return_tensors="pt", **tokenizer_kwargs
    )
    inputs = dict(tokens) if mask else {"input_ids": tokens["input_ids"]}
    with torch.inference_mode():
        return _unit(model.get_text_features(**inputs))


def test_clip_matches_independent_computation(tiny_clip_dir: Path) -> None:
    encoder = _load(tiny_clip_dir)
    images, texts = encoder.encode_images(sample_images()), encoder.encode_texts(TEXTS)
    assert_unit_rows(images, 3, 16)
    assert_unit_rows(texts, 3, 16)
    expected_images = _reference_images(tiny_clip_dir, transformers.CLIPImageProcessorPil)
    expected_texts = _reference_texts(tiny_clip_dir, True, padding="longest", max_length=77)
    assert row_cosines(images, expected_images).min() >= 0.99999
    assert row_cosines(texts, expected_texts).min() >= 0.99999


def test_clip_text_policy(tiny_clip_dir: Path) -> None:
    policy = _load(tiny_clip_dir).policy
    assert (policy.padding, policy.max_length, policy.use_attention_mask) == ("longest", 77, True)


def test_siglip_matches_independent_computation(tiny_siglip_dir: Path) -> None:
    encoder = _load(tiny_siglip_dir)
    images, texts = encoder.encode_images(sample_images()), encoder.encode_texts(TEXTS)
    assert_unit_rows(images, 3, 32)
    assert_unit_rows(texts, 3, 32)
    expected = _reference_images(tiny_siglip_dir, transformers.SiglipImageProcessorPil)
    assert row_cosines(images, expected).min() >= 0.99999


def test_siglip_text_is_padded_to_max_length(tiny_siglip_dir: Path) -> None:
    encoder = _load(tiny_siglip_dir)
    policy = encoder.policy
    assert (policy.padding, policy.max_length) == ("max_length", 64)
    assert not policy.use_attention_mask
    texts = encoder.encode_texts(TEXTS)
    padded = _reference_texts(tiny_siglip_dir, False, padding="max_length", max_length=64)
    longest = _reference_texts(tiny_siglip_dir, False, padding="longest", max_length=64)
    assert row_cosines(texts, padded).min() >= 0.99999
    assert row_cosines(texts, longest).min() < 0.999


@pytest.mark.parametrize("fixture", ["tiny_clip_dir", "tiny_siglip_dir", "tiny_siglip2_dir"])
def test_deterministic_and_batch_independent(fixture: str, request: pytest.FixtureRequest) -> None:
    encoder = _load(request.getfixturevalue(fixture))
    images = sample_images()
    np.testing.assert_array_equal(encoder.encode_images(images), encoder.encode_images(images))
    alone = np.concatenate([encoder.encode_texts([text]) for text in TEXTS])
    assert row_cosines(alone, encoder.encode_texts(TEXTS)).min() >= 0.99999
    assert encoder.encode_images([]).shape == (0, alone.shape[1])


@pytest.mark.parametrize("fixture", ["tiny_clip_dir", "tiny_siglip_dir", "tiny_siglip2_dir"])
def test_bf16_close_to_fp32(fixture: str, request: pytest.FixtureRequest) -> None:
    folder = request.getfixturevalue(fixture)
    full, half = _load(folder), _load(folder, precision="bf16")
    assert half.model.dtype == torch.bfloat16
    images = sample_images()
    bf16_images, bf16_texts = half.encode_images(images), half.encode_texts(TEXTS)
    assert bf16_images.dtype == np.float32
    assert row_cosines(full.encode_images(images), bf16_images).min() > 0.99
    assert row_cosines(full.encode_texts(TEXTS), bf16_texts).min() > 0.99


def test_grayscale_image_is_converted(tiny_clip_dir: Path) -> None:
    encoder = _load(tiny_clip_dir)
    gray = sample_images(1)[0].convert("L")
    np.testing.assert_allclose(
        encoder.encode_images([gray]), encoder.encode_images([gray.convert("RGB")]), atol=1e-6
    )


def test_missing_folder(tmp_path: Path) -> None:
    spec = parse_model(f"hf:{tmp_path / 'nope'}")
    with pytest.raises(ModelError, match="does not exist"):
        get_source(spec).load(spec)
    with pytest.raises(ModelError, match="does not exist"):
        get_source(spec).fingerprint(spec)


def test_folder_without_processor(tiny_clip_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "weights_only"
    folder.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_clip_dir / name, folder / name)
    spec = parse_model(f"hf:{folder}")
    with pytest.raises(ModelError, match=r"processor.*save_pretrained"):
        get_source(spec).load(spec)


def test_not_a_dual_encoder(tiny_clip_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "vision_only"
    shutil.copytree(tiny_clip_dir, folder)
    config = transformers.CLIPConfig.from_pretrained(folder)
    vision = transformers.CLIPVisionModel(config.vision_config)
    for name in ("config.json", "model.safetensors"):
        (folder / name).unlink()
    vision.save_pretrained(folder)
    spec = parse_model(f"hf:{folder}")
    with pytest.raises(ModelError, match="not an image–text dual encoder"):
        get_source(spec).load(spec)


def test_siglip2_matches_independent_computation(tiny_siglip2_dir: Path) -> None:
    encoder = _load(tiny_siglip2_dir)
    default = transformers.AutoTokenizer.from_pretrained(tiny_siglip2_dir).padding_side
    assert (default, encoder.tokenizer.padding_side) == ("left", "right")
    images, texts = encoder.encode_images(sample_images()), encoder.encode_texts(TEXTS)
    assert_unit_rows(images, 3, 32)
    assert_unit_rows(texts, 3, 32)
    expected = _reference_images(tiny_siglip2_dir, transformers.Siglip2ImageProcessorPil)
    assert row_cosines(images, expected).min() >= 0.99999
    right = _reference_texts(
        tiny_siglip2_dir, False, padding="max_length", max_length=64, padding_side="right"
    )
    left = _reference_texts(tiny_siglip2_dir, False, padding="max_length", max_length=64)
    masked = _reference_texts(
        tiny_siglip2_dir, True, padding="max_length", max_length=64, padding_side="right"
    )
    assert row_cosines(texts, right).min() >= 0.99999
    assert row_cosines(texts, left).min() < 0.999
    assert row_cosines(texts, masked).min() < 0.999  # SigLIP text runs without a padding mask
