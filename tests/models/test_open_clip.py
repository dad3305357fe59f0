"""The ``open_clip`` source against an independent open_clip computation on a tiny local-dir."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models.encoders.open_clip_dual import OpenClipEncoder
from embedlab.models.registry import get_source, parse_model
from tests.models._helpers import TEXTS, assert_unit_rows, row_cosines, sample_images

torch = pytest.importorskip("torch")
open_clip = pytest.importorskip("open_clip")


def _load(folder: Path, precision: str = "fp32") -> OpenClipEncoder:
    spec = parse_model(f"open_clip:local-dir:{folder}", precision=precision)
    encoder = get_source(spec).load(spec)
    assert isinstance(encoder, OpenClipEncoder)
    return encoder


def _reference(folder: Path) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Independent: open_clip's factory, eval transform, tokenizer, encode_* and normalise."""
    name = f"local-dir:{folder}"
    model, _, preprocess = open_clip.create_model_and_transforms(name)
    model.eval()
    tokenizer = open_clip.get_tokenizer(name)
    pixels = torch.stack([preprocess(image) for image in sample_images()])
    with torch.inference_mode():
        images = model.encode_image(pixels, normalize=True).numpy()
        texts = model.encode_text(tokenizer(TEXTS), normalize=True).numpy()
    return images, texts


def test_local_dir_matches_independent_computation(tiny_open_clip_dir: Path) -> None:
    encoder = _load(tiny_open_clip_dir)
    images, texts = encoder.encode_images(sample_images()), encoder.encode_texts(TEXTS)
    assert_unit_rows(images, 3, 16)
    assert_unit_rows(texts, 3, 16)
    expected_images, expected_texts = _reference(tiny_open_clip_dir)
    assert row_cosines(images, expected_images).min() >= 0.99999
    assert row_cosines(texts, expected_texts).min() >= 0.99999


def test_deterministic_and_batch_independent(tiny_open_clip_dir: Path) -> None:
    encoder = _load(tiny_open_clip_dir)
    images = sample_images()
    np.testing.assert_array_equal(encoder.encode_images(images), encoder.encode_images(images))
    alone = np.concatenate([encoder.encode_texts([text]) for text in TEXTS])
    assert row_cosines(alone, encoder.encode_texts(TEXTS)).min() >= 0.99999
    assert encoder.encode_texts([]).shape == (0, 16)


def test_bf16_close_to_fp32(tiny_open_clip_dir: Path) -> None:
    full, half = _load(tiny_open_clip_dir), _load(tiny_open_clip_dir, precision="bf16")
    assert half.input_dtype == torch.bfloat16
    images = sample_images()
    bf16_images = half.encode_images(images)
    assert bf16_images.dtype == np.float32
    assert row_cosines(full.encode_images(images), bf16_images).min() > 0.99
    assert row_cosines(full.encode_texts(TEXTS), half.encode_texts(TEXTS)).min() > 0.99


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("ViT-B-99/openai", r"no architecture 'ViT-B-99'.*close matches: .*ViT-B-"),
        ("ViT-B-32/not-a-tag", r"'not-a-tag' is neither a pretrained tag of ViT-B-32.*openai"),
        ("ViT-B-32", r"needs an architecture and a pretrained tag"),
        ("local-dir:/no/such/folder", r"does not exist"),
    ],
)
def test_bad_refs(ref: str, message: str) -> None:
    spec = parse_model(f"open_clip:{ref}")
    with pytest.raises(ModelError, match=message):
        get_source(spec).load(spec)


def test_local_dir_without_config(tmp_path: Path) -> None:
    spec = parse_model(f"open_clip:local-dir:{tmp_path}")
    with pytest.raises(ModelError, match=r"open_clip_config\.json"):
        get_source(spec).load(spec)
