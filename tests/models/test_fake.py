from __future__ import annotations

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


@pytest.mark.parametrize("ref", ["fake:abc", "fake:0", "fake:16?loud"])
def test_bad_refs(ref: str) -> None:
    spec = parse_model(ref)
    with pytest.raises(ModelError, match="fake"):
        get_source(spec).load(spec)


def test_fingerprint_names_the_ref() -> None:
    spec = parse_model("fake:16?nan")
    assert get_source(spec).fingerprint(spec) == "fake/v1:16?nan"
