"""The prepared split (``prepare_*`` / ``forward_prepared``) of the torch model encoders.

For ``hf`` (tiny CLIP and SigLIP), ``open_clip`` and ``hf-text`` (a tiny BERT built here),
``encode_*`` must be exactly ``forward_prepared(prepare_*)``, and ``embedlab speed`` must time
the two parts as separate ``preprocess`` and ``model`` regions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from embedlab.errors import ModelError
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources.hf_text import HFTextEncoder
from embedlab.perf.call_stages import END_TO_END, PreparedEncoder, call_stages
from embedlab.perf.measure import SpeedInputs, measure_case
from embedlab.perf.runner import TimingPlan
from embedlab.perf.timer import Timer
from tests.models._helpers import TEXTS, sample_images

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

#: Fixture name → how its folder is addressed as a ``--model`` string.
SOURCES = {
    "tiny_clip_dir": "hf:{}",
    "tiny_siglip_dir": "hf:{}",
    "tiny_open_clip_dir": "open_clip:local-dir:{}",
}
PLAN = TimingPlan(warmup_iterations=1, warmup_seconds=0, min_iterations=3, min_seconds=0)


def _load(request: pytest.FixtureRequest, fixture: str) -> Any:
    if fixture == "tiny_open_clip_dir":
        pytest.importorskip("open_clip")
    folder = request.getfixturevalue(fixture)
    spec = parse_model(SOURCES[fixture].format(folder), batch_size=2)
    return get_source(spec).load(spec)


@pytest.fixture(scope="module", params=list(SOURCES))
def encoder(request: pytest.FixtureRequest) -> Any:
    """Each image–text encoder, loaded once for the module."""
    return _load(request, request.param)


def test_image_text_encoders_are_prepared_encoders(encoder: Any) -> None:
    stages = call_stages(encoder, "image", [])
    assert isinstance(encoder, PreparedEncoder)
    assert [name for name, _ in stages] == ["preprocess", "model"]


def test_encode_images_is_forward_of_prepared(encoder: Any) -> None:
    images = sample_images()
    split = encoder.forward_prepared("image", encoder.prepare_images(images))
    assert split.dtype == np.float32
    np.testing.assert_array_equal(encoder.encode_images(images), split)


@pytest.mark.parametrize("role", ["query", "document"])
def test_encode_texts_is_forward_of_prepared(encoder: Any, role: str) -> None:
    split = encoder.forward_prepared("text", encoder.prepare_texts(TEXTS, role))
    assert split.dtype == np.float32
    np.testing.assert_array_equal(encoder.encode_texts(TEXTS, role=role), split)


def test_siglip_texts_are_fixed_length_ids_without_mask(
    request: pytest.FixtureRequest,
) -> None:
    siglip = _load(request, "tiny_siglip_dir")
    prepared = siglip.prepare_texts(TEXTS)
    assert set(prepared) == {"input_ids"}
    assert tuple(prepared["input_ids"].shape) == (len(TEXTS), siglip.policy.max_length)


@pytest.mark.parametrize("modality", ["image", "text"])
def test_speed_times_preprocess_and_model_apart(
    request: pytest.FixtureRequest, modality: Any
) -> None:
    clip = _load(request, "tiny_clip_dir")
    case = measure_case(clip, modality, 2, SpeedInputs(max_batch=2), PLAN, Timer())
    latency = {r.timed_region for r in case.rows if r.metric == "latency_p50"}
    assert latency == {"preprocess", "model", END_TO_END}
    assert {r.timed_region for r in case.rows if r.metric == "throughput"} == {END_TO_END}
    assert all(len(case.raw["seconds"][name]) == case.raw["iterations"] for name in latency)
    assert all(r.value > 0 for r in case.rows if r.metric == "latency_p50")


WORDS = ["a", "photo", "of", "cat", "dog", "query", "passage", ":", "two", "red"]


@pytest.fixture(scope="module")
def tiny_text_encoder(tmp_path_factory: pytest.TempPathFactory) -> HFTextEncoder:
    """An ``HFTextEncoder`` over a tiny random BERT and a word-level tokenizer, with prompts."""
    vocab = tmp_path_factory.mktemp("tiny_bert") / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = transformers.BertTokenizer(vocab_file=str(vocab))
    config = transformers.BertConfig(vocab_size=len(WORDS) + 5, hidden_size=16,
                                     num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=32)  # fmt: skip
    torch.manual_seed(0)
    model = transformers.BertModel(config).eval()
    spec = parse_model(f"hf-text:{Path(vocab).parent}?pooling=mean")
    prompts: dict[Any, str] = {"query": "query : ", "document": "passage : "}
    return HFTextEncoder(spec, model, tokenizer, "mean", prompts, max_length=32)


@pytest.mark.parametrize("role", ["query", "document"])
def test_hf_text_encode_is_forward_of_prepared(tiny_text_encoder: HFTextEncoder, role: Any) -> None:
    encoder = tiny_text_encoder
    assert isinstance(encoder, PreparedEncoder)
    prepared = encoder.prepare_texts(TEXTS, role)
    prompt_id = encoder.tokenizer.convert_tokens_to_ids("query" if role == "query" else "passage")
    assert (prepared["input_ids"][:, 1] == prompt_id).all()  # after [CLS]: the role's prompt
    split = encoder.forward_prepared("text", prepared)
    np.testing.assert_array_equal(encoder.encode_texts(TEXTS, role=role), split)
    assert split.shape == (len(TEXTS), 16)


def test_hf_text_refuses_images_in_both_halves(tiny_text_encoder: HFTextEncoder) -> None:
    with pytest.raises(ModelError, match="text-only"):
        tiny_text_encoder.prepare_images(sample_images(1))
    with pytest.raises(ModelError, match="text-only"):
        tiny_text_encoder.forward_prepared("image", {})
