"""Matryoshka truncation: first N dims then renormalise; wrappers, warnings, cache identity."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from embedlab.errors import ModelError
from embedlab.models.matryoshka import (
    MatryoshkaEncoder,
    MatryoshkaSource,
    MatryoshkaWarning,
    split_dim,
    truncate_renormalize,
    untrained_message,
    with_dim,
)
from embedlab.models.registry import parse_model
from embedlab.models.sources.fake import FAKE_SOURCE


def test_truncate_then_renormalise_by_hand() -> None:
    vectors = np.array([[3.0, 4.0, 12.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    out = truncate_renormalize(vectors, 2)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])  # a zero prefix stays zero
    np.testing.assert_allclose(truncate_renormalize(vectors, 3)[0], np.array([3, 4, 12]) / 13)


def test_truncating_unit_vectors_matches_the_formula() -> None:
    rng = np.random.default_rng(0)
    full = rng.standard_normal((5, 32))
    full /= np.linalg.norm(full, axis=1, keepdims=True)
    out = truncate_renormalize(full, 8)
    expected = full[:, :8] / np.linalg.norm(full[:, :8], axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)


def test_dim_larger_than_the_model_is_an_error() -> None:
    with pytest.raises(ModelError, match="dim=9 is larger than the model's embedding dimension 4"):
        truncate_renormalize(np.ones((1, 4)), 9)


def test_encoder_wrapper_truncates_every_output() -> None:
    inner = FAKE_SOURCE.load(parse_model("fake:16"))
    wrapped = MatryoshkaEncoder(spec=parse_model("fake:16?dim=4"), inner=inner, dim=4)
    texts = ["a", "b c"]
    full = inner.encode_texts(texts, role="document")
    np.testing.assert_allclose(
        wrapped.encode_texts(texts, role="document"), truncate_renormalize(full, 4)
    )


def test_source_wrapper_strips_dim_and_changes_the_fingerprint() -> None:
    source = MatryoshkaSource(FAKE_SOURCE)
    plain, cut = parse_model("fake:16"), parse_model("fake:16?dim=8")
    assert source.fingerprint(plain) == FAKE_SOURCE.fingerprint(plain)
    assert source.fingerprint(cut) == FAKE_SOURCE.fingerprint(plain) + "+matryoshka:8"
    with pytest.warns(MatryoshkaWarning, match="not known to be trained"):
        encoder = source.load(cut)
    assert encoder.encode_texts(["x"]).shape == (1, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert source.load(plain).encode_texts(["x"]).shape == (1, 16)


def test_split_dim_keeps_the_inner_options_untouched() -> None:
    base, dim = split_dim(parse_model("fake:16?nan&dim=4"))
    assert (base.ref, dim) == ("16?nan", 4)
    with pytest.raises(ModelError, match="dim='x' must be a positive integer"):
        split_dim(parse_model("fake:16?dim=x"))


def test_untrained_messages() -> None:
    assert untrained_message("m", 256, (768, 512, 256, 128)) is None
    assert untrained_message("m", 64, range(32, 1025)) is None
    assert "trained for Matryoshka dims 128, 256, 512, 768, not 100" in str(
        untrained_message("m", 100, (768, 512, 256, 128))
    )
    assert "32..1024, not 16" in str(untrained_message("m", 16, range(32, 1025)))
    assert "was not trained for Matryoshka" in str(untrained_message("m", 64, ()))
    assert "is not known to be trained" in str(untrained_message("m", 64, None))


def test_with_dim() -> None:
    assert with_dim("preset:embeddinggemma-300m", 256) == "preset:embeddinggemma-300m?dim=256"
