"""Fixtures of the runtime tests: the tiny models as source strings, one shared export cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.registry import parse_model
from embedlab.runtimes import load_encoder
from tests.models._helpers import TEXTS, sample_images

#: Fixture name → how its folder is addressed as a ``--model`` string.
TINY_MODELS = {
    "tiny_clip_dir": "hf:{}",
    "tiny_siglip_dir": "hf:{}",
    "tiny_open_clip_dir": "open_clip:local-dir:{}",
}


@pytest.fixture(scope="session")
def exports_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache folder for the whole session, so each tiny model is exported once."""
    return tmp_path_factory.mktemp("runtime_cache")


def tiny_spec(request: pytest.FixtureRequest, fixture: str, **settings: object) -> ModelSpec:
    """The spec of the tiny model built by ``fixture`` (``runtime=``, ``precision=``...)."""
    folder = request.getfixturevalue(fixture)
    return parse_model(TINY_MODELS[fixture].format(folder), **settings)


Pair = tuple[NDArray[np.float32], NDArray[np.float32]]


@pytest.fixture(scope="session")
def torch_reference(request: pytest.FixtureRequest) -> Callable[[str], Pair]:
    """``fixture name → (image, text)`` embeddings of the torch fp32 encoder (computed once)."""
    computed: dict[str, Pair] = {}

    def get(fixture: str) -> Pair:
        if fixture not in computed:
            computed[fixture] = embed(load_encoder(tiny_spec(request, fixture)))
        return computed[fixture]

    return get


def embed(encoder: Encoder) -> Pair:
    """The encoder's embeddings of the shared sample images and texts."""
    return encoder.encode_images(sample_images()), encoder.encode_texts(TEXTS)
