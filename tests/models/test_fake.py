from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedlab.errors import ModelError
from embedlab.models.base import Encoder
from embedlab.models.registry import get_source, parse_model
from tests.models._helpers import TEXTS, assert_unit_rows, sample_images


def _load(text: str) -> Encoder:
    spec = parse_model(text)
    return get_source(spec).load(spec)


def test_shapes_dtype_and_unit_norm() -> None:
    encoder = _load("fake:16")
    assert isinstance(encoder, Encoder)
    assert_unit_rows(encoder.encode_images(sample_images()), 3, 16)
    assert_unit_rows(encoder.encode_texts(TEXTS), 3, 16)
    assert encoder.encode_texts([]).shape == (0, 16)


def test_deterministic_and_independent_of_batch() -> None:
    images = sample_images()
    first, second = _load("fake:8"), _load("fake:8")
    batch = first.encode_images(images)
    np.testing.assert_array_equal(batch, second.encode_images(images))
    np.testing.assert_array_equal(batch[1:2], first.encode_images(images[1:2]))
    np.testing.assert_array_equal(first.encode_texts(TEXTS)[2], first.encode_texts(["dog"])[0])


def test_embedding_depends_on_pixels_and_text_only() -> None:
    encoder = _load("fake:8")
    image, other = sample_images(1)[0], sample_images(1, seed=1)[0]
    copy = Image.frombytes(image.mode, image.size, image.tobytes())
    vectors = encoder.encode_images([image, copy, other])
    np.testing.assert_array_equal(vectors[0], vectors[1])
    assert not np.allclose(vectors[0], vectors[2])
    texts = encoder.encode_texts(["a cat", "a dog"])
    assert not np.allclose(texts[0], texts[1])


def test_nan_knob() -> None:
    encoder = _load("fake:4?nan")
    assert np.isnan(encoder.encode_images(sample_images(2))).all()
    assert np.isnan(encoder.encode_texts(["x"])).all()


@pytest.mark.parametrize("ref", ["fake:abc", "fake:0", "fake:65537", "fake:16?loud"])
def test_bad_refs(ref: str) -> None:
    spec = parse_model(ref)
    with pytest.raises(ModelError, match="fake"):
        get_source(spec).load(spec)


def test_role_does_not_change_text_vectors() -> None:
    encoder = _load("fake:8")
    np.testing.assert_array_equal(
        encoder.encode_texts(TEXTS, role="query"), encoder.encode_texts(TEXTS, role="document")
    )


def test_every_byte_of_the_input_matters() -> None:
    encoder = _load("fake:32")
    texts = [f"caption {i:03d}" for i in range(60)]  # same length, differ in the last bytes
    vectors = encoder.encode_texts(texts).astype(np.float64)
    cosines = vectors @ vectors.T
    np.fill_diagonal(cosines, 0.0)
    assert np.abs(cosines).max() < 0.99
    image = sample_images(1)[0]
    pixels = np.asarray(image).copy()
    pixels[-1, -1, -1] ^= 1  # one bit of the last pixel
    tweaked = Image.fromarray(pixels)
    a, b = encoder.encode_images([image, tweaked])
    assert not np.allclose(a, b)


_CHILD = """
import sys
from embedlab.models.registry import get_source, parse_model
from tests.models._helpers import TEXTS, sample_images
spec = parse_model("fake:8")
encoder = get_source(spec).load(spec)
sys.stdout.write(encoder.encode_texts(TEXTS).tobytes().hex() + " ")
sys.stdout.write(encoder.encode_images(sample_images()).tobytes().hex())
"""


def test_same_vectors_in_another_process() -> None:
    encoder = _load("fake:8")
    expected = (
        f"{encoder.encode_texts(TEXTS).tobytes().hex()} "
        f"{encoder.encode_images(sample_images()).tobytes().hex()}"
    )
    root = Path(__file__).resolve().parents[2]
    for hash_seed in ("1", "2"):  # str hashes differ between these processes
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        child = subprocess.run(
            [sys.executable, "-c", _CHILD],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert child.stdout == expected


def test_fingerprint_tells_apart_refs_with_different_outputs() -> None:
    refs = ["fake:16", "fake:8", "fake:16?nan", "fake:8?nan"]
    prints = [get_source(parse_model(r)).fingerprint(parse_model(r)) for r in refs]
    assert len(set(prints)) == len(refs)
    again = parse_model("fake:16")
    assert get_source(again).fingerprint(again) == prints[0]
    bad = parse_model("fake:0")
    with pytest.raises(ModelError, match="fake"):
        get_source(bad).fingerprint(bad)
