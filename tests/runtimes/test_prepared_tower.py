"""The prepared split of :class:`TowerEncoder`: preprocessor arrays, then executor + normalise.

With onnxruntime on the tiny models, ``encode_*`` must be exactly
``forward_prepared(prepare_*)``; with a recording preprocessor and fake executors, the text
role must reach ``Preprocessor.text_arrays`` and each modality its own tower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import BackendError
from embedlab.models.base import ModelSpec, Role
from embedlab.perf.prepared import PreparedEncoder
from embedlab.runtimes import RuntimeOptions, load_encoder
from embedlab.runtimes.base import Arrays, Preprocessor, RuntimeInfo
from embedlab.runtimes.towers import TowerEncoder
from tests.models._helpers import TEXTS, sample_images
from tests.runtimes.conftest import TINY_MODELS, tiny_spec


@dataclass
class RecordingPreprocessor:
    """Arrays that encode the batch and the role, and a log of the roles asked for."""

    roles: list[Role] = field(default_factory=list)

    def image_arrays(self, images: Sequence[Any]) -> Arrays:
        return {"pixel_values": np.ones((len(images), 3), dtype=np.float32)}

    def text_arrays(self, texts: Sequence[str], role: Role = "query") -> Arrays:
        self.roles.append(role)
        first = 1.0 if role == "query" else -1.0
        rows = [[first, float(len(text))] for text in texts]
        return {"input_ids": np.asarray(rows, dtype=np.float32)}


def _image_tower(arrays: Arrays) -> NDArray[np.float32]:
    return 2 * arrays["pixel_values"]


def _text_tower(arrays: Arrays) -> NDArray[np.float32]:
    return arrays["input_ids"]


def _fake_encoder(preprocessor: Preprocessor) -> TowerEncoder:
    spec = ModelSpec(source="fake", ref="3", runtime="fake")
    info = RuntimeInfo("fake", "fp32", "cpu", 1)
    return TowerEncoder(spec, preprocessor, _image_tower, _text_tower, info)


def test_tower_encoder_is_a_prepared_encoder() -> None:
    assert isinstance(_fake_encoder(RecordingPreprocessor()), PreparedEncoder)


@pytest.mark.parametrize("role", ["query", "document"])
def test_role_reaches_the_preprocessor(role: Role) -> None:
    preprocessor = RecordingPreprocessor()
    encoder = _fake_encoder(preprocessor)
    prepared = encoder.prepare_texts(TEXTS, role)
    assert preprocessor.roles == [role]
    embeddings = encoder.encode_texts(TEXTS, role=role)
    assert preprocessor.roles == [role, role]
    np.testing.assert_array_equal(embeddings, encoder.forward_prepared("text", prepared))
    assert np.sign(embeddings[:, 0]).tolist() == [1.0 if role == "query" else -1.0] * len(TEXTS)


def test_each_modality_runs_its_own_tower() -> None:
    encoder = _fake_encoder(RecordingPreprocessor())
    images = encoder.forward_prepared("image", encoder.prepare_images(sample_images(2)))
    np.testing.assert_allclose(images, np.full((2, 3), 1 / np.sqrt(3)), rtol=1e-6)
    texts = encoder.forward_prepared("text", encoder.prepare_texts(["ab"]))
    assert texts.shape == (1, 2)


def test_executor_failures_stay_backend_errors() -> None:
    encoder = _fake_encoder(RecordingPreprocessor())
    with pytest.raises(BackendError, match="image tower"):
        encoder.forward_prepared("image", {"wrong": np.zeros((1, 3), dtype=np.float32)})


@pytest.fixture(scope="module", params=list(TINY_MODELS))
def ort_encoder(request: pytest.FixtureRequest, exports_cache: Path) -> Any:
    """Each tiny model under onnxruntime fp32 (exports shared with the other runtime tests)."""
    for package in ("torch", "onnxruntime", "onnxscript"):
        pytest.importorskip(package)
    if request.param == "tiny_open_clip_dir":
        pytest.importorskip("open_clip")
    spec = tiny_spec(request, request.param, runtime="onnxruntime")
    return load_encoder(spec, RuntimeOptions(cache_dir=exports_cache, threads=1))


def test_ort_encoder_is_prepared_and_split_exactly(ort_encoder: Any) -> None:
    assert isinstance(ort_encoder, TowerEncoder)
    assert isinstance(ort_encoder, PreparedEncoder)
    images = sample_images()
    prepared = ort_encoder.prepare_images(images)
    assert all(isinstance(array, np.ndarray) for array in prepared.values())
    split = ort_encoder.forward_prepared("image", prepared)
    np.testing.assert_array_equal(ort_encoder.encode_images(images), split)
    for role in ("query", "document"):
        texts = ort_encoder.forward_prepared("text", ort_encoder.prepare_texts(TEXTS, role))
        np.testing.assert_array_equal(ort_encoder.encode_texts(TEXTS, role=role), texts)
