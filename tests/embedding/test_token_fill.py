"""The multi-vector embedding path: provider token methods over the ragged cache, tiny ColVision.

The tiny ColPali / ColQwen2 checkpoints are built and saved once per session
(``tiny_colpali_dir`` / ``tiny_colqwen2_dir``); the reference is :func:`load_colpali` on the same
folder, run on the same batches, so the provider's tokens must equal it exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from embedlab.core.multivector import MultiVectors
from embedlab.data.images import load_image
from embedlab.embedding import token_fill
from embedlab.embedding.cached import CachedEmbedder
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.embedding.token_fill import check_batch
from embedlab.errors import CacheWarning, ConfigError, ModelError, ResultsError
from embedlab.models.encoders.colpali import ColVisionEncoder, load_colpali
from embedlab.models.registry import parse_model

pytest.importorskip("torch")
pytest.importorskip("transformers")

TEXTS = ["which region had the highest sales", "total", "how many students were in the table"]
TEXT_IDS = ["q0", "q1", "q2"]
BATCH = 2


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[Path]]:
    """Five PNG pages of different heights (ColQwen2 gives them different token counts)."""
    root = tmp_path_factory.mktemp("pages")
    ids, paths = [], []
    for i in range(5):
        rng = np.random.default_rng(i)
        pixels = rng.integers(0, 256, (16 + 4 * i, 32, 3), dtype=np.uint8)
        paths.append(root / f"page{i}.png")
        Image.fromarray(pixels).save(paths[-1])
        ids.append(f"p{i}")
    return ids, paths


@pytest.fixture(scope="module", params=["colpali", "colqwen2"])
def folder(request: pytest.FixtureRequest) -> Path:
    path: Path = request.getfixturevalue(f"tiny_{request.param}_dir")
    return path


@pytest.fixture(scope="module")
def direct(folder: Path) -> ColVisionEncoder:
    return load_colpali(str(folder))


@dataclass
class Counting:
    """The real encoder, counting the items it encodes."""

    inner: ColVisionEncoder
    encoded: list[str]

    @property
    def token_dim(self) -> int:
        return self.inner.token_dim

    def encode_images(self, batch: Sequence[Image.Image]) -> MultiVectors:
        self.encoded.extend("image" for _ in batch)
        return self.inner.encode_images(batch)

    def encode_texts(self, batch: Sequence[str], role: str = "query") -> MultiVectors:
        self.encoded.extend(batch)
        return self.inner.encode_texts(batch)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, direct: ColVisionEncoder) -> list[str]:
    """Loading returns the (already loaded) encoder behind a counter; returns the item log."""
    encoded: list[str] = []
    monkeypatch.setattr(token_fill, "load_token_encoder", lambda *a: Counting(direct, encoded))
    return encoded


@pytest.fixture
def no_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(token_fill, "load_token_encoder", refuse)


def _provider(folder: Path, cache: Path, **settings: Any) -> EmbeddingProvider:
    return EmbeddingProvider(parse_model(f"hf:{folder}", batch_size=BATCH, **settings), cache)


def _batched(encode: Any, items: list[Any]) -> MultiVectors:
    parts = [encode(items[i : i + BATCH]) for i in range(0, len(items), BATCH)]
    return MultiVectors.from_items([p.item(j) for p in parts for j in range(p.n_items)])


def _same(a: MultiVectors, b: MultiVectors) -> None:
    np.testing.assert_array_equal(a.offsets, b.offsets)
    np.testing.assert_array_equal(a.tokens, b.tokens)


def test_tokens_equal_the_encoder_then_come_from_the_cache(
    folder: Path,
    direct: ColVisionEncoder,
    images: tuple[list[str], list[Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids, paths = images
    provider = _provider(folder, tmp_path)
    assert provider.late_interaction and provider.for_task(None).late_interaction
    pages = provider.for_task(None).image_tokens("pages", ids, paths)
    queries = provider.text_tokens("pages", TEXT_IDS, TEXTS)
    _same(pages, _batched(direct.encode_images, [load_image(p) for p in paths]))
    _same(queries, _batched(direct.encode_texts, TEXTS))
    info = provider.model_info
    mean_image = pages.counts.mean()
    assert info["token_dim"] == direct.token_dim == 16
    assert info["image_tokens_per_item"] == round(mean_image)
    assert info["image_bytes_per_item"] == round(4 * 16 * mean_image)
    overall = (pages.counts.sum() + queries.counts.sum()) / 8
    assert info["tokens_per_item"] == round(overall)
    assert info["bytes_per_item"] == round(4 * 16 * overall)
    assert info["parameters"] > 0
    assert [(t.modality, t.n_items, t.n_computed) for t in provider.timings] == [
        ("image", 5, 5),
        ("text", 3, 3),
    ]

    def refuse(*args: Any) -> Any:
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(token_fill, "load_token_encoder", refuse)
    again = _provider(folder, tmp_path)
    _same(again.image_tokens("pages", ids, paths), pages)
    _same(again.text_tokens("pages", TEXT_IDS, TEXTS), queries)
    assert [t.n_computed for t in again.timings] == [0, 0]
    assert again.model_info["image_tokens_per_item"] == info["image_tokens_per_item"]
    # The cache-only reader of the index study reads the same entries.
    cached = CachedEmbedder(parse_model(f"hf:{folder}", batch_size=BATCH), tmp_path)
    _same(cached.image_tokens("pages", ids, paths), pages)
    with pytest.raises(ResultsError, match="not in the cache"):
        cached.text_tokens("other", TEXT_IDS, TEXTS)


def test_deleted_shard_is_recomputed_alone(
    folder: Path,
    images: tuple[list[str], list[Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    counted: list[str],
) -> None:
    ids, paths = images
    monkeypatch.setattr(token_fill, "SHARD_ITEMS", 2)  # shards of items 0-1, 2-3, 4
    first = _provider(folder, tmp_path).image_tokens("pages", ids, paths)
    assert len(counted) == 5
    (entry,) = {p.parent for p in tmp_path.glob("embeddings/*/shard-000001.tokens.npy")}
    (entry / "shard-000001.tokens.npy").unlink()
    counted.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)  # a missing shard is not a warning
        second = _provider(folder, tmp_path)
        _same(second.image_tokens("pages", ids, paths), first)
    assert len(counted) == 2 and second.timings[0].n_computed == 2


def test_interrupted_fill_keeps_its_finished_shards(
    folder: Path,
    images: tuple[list[str], list[Path]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    direct: ColVisionEncoder,
) -> None:
    ids, paths = images
    monkeypatch.setattr(token_fill, "SHARD_ITEMS", 2)
    encoded: list[str] = []

    @dataclass
    class Interrupted(Counting):
        def encode_images(self, batch: Sequence[Image.Image]) -> MultiVectors:
            if len(self.encoded) >= 4:
                raise KeyboardInterrupt
            return super().encode_images(batch)

    monkeypatch.setattr(token_fill, "load_token_encoder", lambda *a: Interrupted(direct, encoded))
    with pytest.raises(KeyboardInterrupt):
        _provider(folder, tmp_path).image_tokens("pages", ids, paths)
    assert len(list(tmp_path.glob("embeddings/*/shard-*.tokens.npy"))) == 2
    encoded.clear()
    monkeypatch.setattr(token_fill, "load_token_encoder", lambda *a: Counting(direct, encoded))
    resumed = _provider(folder, tmp_path).image_tokens("pages", ids, paths)
    assert len(encoded) == 1  # the last page only
    _same(resumed, _batched(direct.encode_images, [load_image(p) for p in paths]))


def test_corrupt_shard_warns_once_and_is_recomputed(
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    counted: list[str],
) -> None:
    monkeypatch.setattr(token_fill, "SHARD_ITEMS", 2)
    first = _provider(folder, tmp_path).text_tokens("q", TEXT_IDS, TEXTS)
    (path,) = tmp_path.glob("embeddings/*/shard-000000.tokens.npy")
    tokens = np.load(path)
    tokens[3, 1] += 0.5
    np.save(path, tokens, allow_pickle=False)
    counted.clear()
    with pytest.warns(CacheWarning, match=r"shard-000000\.tokens\.npy.*recomputing") as caught:
        again = _provider(folder, tmp_path).text_tokens("q", TEXT_IDS, TEXTS)
    assert len(caught) == 1
    _same(again, first)
    assert counted == TEXTS[:2]  # shard 0 only


@pytest.mark.parametrize("runtime", ["onnxruntime", "openvino"])
def test_other_runtimes_refused_before_any_work(
    folder: Path, tmp_path: Path, runtime: str, no_load: None
) -> None:
    provider = _provider(folder, tmp_path, runtime=runtime)
    with pytest.raises(ConfigError, match=f"--runtime {runtime}: .*runs on --runtime torch only"):
        provider.text_tokens("q", TEXT_IDS, TEXTS)
    assert not list(tmp_path.glob("embeddings/*"))


def test_dim_option_and_int8_refused(folder: Path, tmp_path: Path, no_load: None) -> None:
    provider = EmbeddingProvider(parse_model(f"hf:{folder}?dim=8"), tmp_path)
    assert provider.late_interaction
    with pytest.raises(ConfigError, match=r"dim= \(Matryoshka truncation\) applies to dense"):
        provider.text_tokens("q", TEXT_IDS, TEXTS)
    int8 = EmbeddingProvider(parse_model(f"hf:{folder}", precision="int8"), tmp_path)
    with pytest.raises(ConfigError, match="--precision int8 is not supported by --runtime torch"):
        int8.text_tokens("q", TEXT_IDS, TEXTS)
    assert not list(tmp_path.glob("embeddings/*"))


def test_dense_methods_refuse_a_multi_vector_model(
    folder: Path, images: tuple[list[str], list[Path]], tmp_path: Path, no_load: None
) -> None:
    ids, paths = images
    embed = _provider(folder, tmp_path).for_task(None)
    with pytest.raises(ConfigError, match=r"is a multi-vector .* not one vector"):
        embed.images("pages", ids, paths)
    with pytest.raises(ConfigError, match="is a multi-vector"):
        embed.texts("q", TEXT_IDS, TEXTS)


def test_token_methods_refuse_a_dense_model(tmp_path: Path) -> None:
    provider = EmbeddingProvider(parse_model("fake:8"), tmp_path)
    assert not provider.late_interaction
    with pytest.raises(ConfigError, match="'fake:8' is a dense model"):
        provider.for_task(None).text_tokens("q", TEXT_IDS, TEXTS)


def _tokens(*counts: int, dim: int = 4) -> MultiVectors:
    return MultiVectors.from_items([np.ones((n, dim)) for n in counts])


def test_batch_checks_name_the_items() -> None:
    check_batch(_tokens(2, 3), ["a", "b"], "m", 4)
    with pytest.raises(ModelError, match="2 token matrices for a batch of 3"):
        check_batch(_tokens(2, 3), ["a", "b", "c"], "m", 4)
    with pytest.raises(ModelError, match="4-wide token vectors, but its token_dim is 8"):
        check_batch(_tokens(2, 3), ["a", "b"], "m", 8)
    with pytest.raises(ModelError, match="not token vectors"):
        check_batch(np.ones((2, 4)), ["a", "b"], "m", 4)
    bad = _tokens(2, 3, 1)
    bad.tokens[3, 0] = np.nan  # the second item's second token
    with pytest.raises(ModelError, match=r"NaN/inf token embeddings for items \['b'\] \(1 in"):
        check_batch(bad, ["a", "b", "c"], "m", 4)
