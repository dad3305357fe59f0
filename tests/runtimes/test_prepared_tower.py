"""The prepared split of :class:`TowerEncoder`: preprocessor arrays, then executor + normalise.

With onnxruntime on the tiny models, ``encode_*`` must be exactly
``forward_prepared(prepare_*)`` and agree with the torch encoder; with a recording
preprocessor and fake executors, the speed harness's ``preprocess`` stage must run only the
preprocessor and its ``model`` stage only the tower, the text role must reach
``Preprocessor.text_arrays`` and each modality its own tower.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import BackendError
from embedlab.models.base import ModelSpec, Role
from embedlab.models.exportable import Arrays, Preprocessor
from embedlab.perf.call_stages import call_stages
from embedlab.runtimes import RuntimeOptions, load_encoder
from embedlab.runtimes.base import RuntimeInfo
from embedlab.runtimes.towers import TowerEncoder
from tests.models._helpers import TEXTS, row_cosines, sample_images
from tests.runtimes.conftest import TINY_MODELS, Pair, tiny_spec


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


def _fake_encoder(preprocessor: Preprocessor, *, normalize: bool = True) -> TowerEncoder:
    spec = ModelSpec(source="fake", ref="3", runtime="fake")
    info = RuntimeInfo("fake", "fp32", "cpu", 1)
    return TowerEncoder(spec, preprocessor, _image_tower, _text_tower, info, normalize=normalize)


def _unit_rows(rows: list[list[float]]) -> NDArray[np.float64]:
    array = np.asarray(rows, dtype=np.float64)
    return np.asarray(array / np.linalg.norm(array, axis=1, keepdims=True), dtype=np.float64)


@pytest.mark.parametrize("modality", ["image", "text"])
def test_speed_stages_run_the_preprocessor_then_the_tower(modality: Any) -> None:
    preprocessor = RecordingPreprocessor()
    towers: list[str] = []

    def logged(name: str, tower: Callable[[Arrays], NDArray[np.float32]]) -> Any:
        def run(arrays: Arrays) -> NDArray[np.float32]:
            towers.append(name)
            return tower(arrays)

        return run

    spec = ModelSpec(source="fake", ref="3", runtime="fake")
    info = RuntimeInfo("fake", "fp32", "cpu", 1)
    encoder = TowerEncoder(
        spec, preprocessor, logged("image", _image_tower), logged("text", _text_tower), info
    )
    batch: list[Any] = sample_images(2) if modality == "image" else ["ab", "abcd"]
    stages = call_stages(encoder, modality, batch)
    assert [name for name, _ in stages] == ["preprocess", "model"]
    (_, preprocess), (_, model) = stages
    prepared = preprocess(None)
    assert towers == []  # preprocessing alone runs no tower
    assert preprocessor.roles == ([] if modality == "image" else ["query"])
    embeddings = model(prepared)
    assert towers == [modality] and len(preprocessor.roles) <= 1  # the model stage: tower only
    expected = [[1.0] * 3] * 2 if modality == "image" else [[1.0, 2.0], [1.0, 4.0]]
    np.testing.assert_allclose(embeddings, _unit_rows(expected), rtol=1e-6)


def test_dot_product_models_keep_raw_tower_outputs() -> None:
    encoder = _fake_encoder(RecordingPreprocessor(), normalize=False)
    texts = encoder.forward_prepared("text", encoder.prepare_texts(["ab", "abcd"], "document"))
    np.testing.assert_array_equal(texts, [[-1.0, 2.0], [-1.0, 4.0]])
    images = encoder.forward_prepared("image", encoder.prepare_images(sample_images(1)))
    np.testing.assert_array_equal(images, [[2.0, 2.0, 2.0]])
    assert texts.dtype == images.dtype == np.float32


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
    encoder = load_encoder(spec, RuntimeOptions(cache_dir=exports_cache, threads=1))
    assert isinstance(encoder, TowerEncoder)  # the class under test, not a wrapper around it
    return request.param, encoder


def test_ort_prepared_path_is_encode_exactly_and_matches_torch(
    ort_encoder: Any, torch_reference: Callable[[str], Pair]
) -> None:
    fixture, encoder = ort_encoder
    reference_images, reference_texts = torch_reference(fixture)
    images = sample_images()
    prepared = encoder.prepare_images(images)
    assert all(isinstance(array, np.ndarray) for array in prepared.values())
    kept = {name: array.copy() for name, array in prepared.items()}
    split = encoder.forward_prepared("image", prepared)
    for name, array in kept.items():  # the speed loop may feed the same arrays again
        np.testing.assert_array_equal(prepared[name], array)
    np.testing.assert_array_equal(encoder.forward_prepared("image", prepared), split)
    np.testing.assert_array_equal(encoder.encode_images(images), split)
    assert split.shape == reference_images.shape
    assert row_cosines(reference_images, split).min() >= 0.9999
    for role in ("query", "document"):
        texts = encoder.forward_prepared("text", encoder.prepare_texts(TEXTS, role))
        np.testing.assert_array_equal(encoder.encode_texts(TEXTS, role=role), texts)
        assert texts.shape == reference_texts.shape
        assert row_cosines(reference_texts, texts).min() >= 0.9999
    (_, preprocess), (_, model) = call_stages(encoder, "text", TEXTS)
    np.testing.assert_array_equal(model(preprocess(None)), encoder.encode_texts(TEXTS))
