"""ShardedCorpus: the rows ``texts`` gives, as shards read one at a time (provider, stub, cache)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import embedlab.embedding.provider as provider_module
from embedlab.embedding.cached import CachedEmbedder
from embedlab.embedding.corpus import ShardedCorpus
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.embedding.stub import StubEmbedder
from embedlab.errors import ResultsError
from embedlab.models.registry import parse_model
from embedlab.results.embedding_cache import open_entry

IDS = [f"t{i}" for i in range(11)]
TEXTS = [f"text number {i}" for i in range(11)]


def test_of_array_cuts_consecutive_shards() -> None:
    x = np.arange(22, dtype=np.float32).reshape(11, 2)
    corpus = ShardedCorpus.of_array(x, 4)
    parts = list(corpus.shards())
    assert [offset for offset, _ in parts] == [0, 4, 8]
    assert [len(rows) for _, rows in parts] == [4, 4, 3]
    assert (corpus.n_items, corpus.dim, corpus.nbytes) == (11, 2, 4 * 11 * 2)
    np.testing.assert_array_equal(corpus.array(), x)
    assert list(corpus.shards())[2][0] == 8  # every call is a fresh pass
    empty = ShardedCorpus.of_array(np.zeros((0, 3), np.float32), 4)
    assert empty.array().shape == (0, 3) and empty.nbytes == 0


def test_of_entry_reads_verified_shards_and_names_a_corrupt_one(tmp_path: Path) -> None:
    x = np.random.default_rng(0).standard_normal((7, 3)).astype(np.float32)
    entry = open_entry(tmp_path, {"what": "test"}, 7, 3)
    for shard in range(entry.n_shards):
        lo, hi = entry.shard_range(shard)
        entry.write_shard(shard, x[lo:hi])
    corpus = ShardedCorpus.of_entry(entry)
    assert corpus.dim == 3 and [o for o, _ in corpus.shards()] == [0, 3, 6]
    np.testing.assert_array_equal(corpus.array(), x)
    np.save(entry.shard_path(1), x[3:6] + 1, allow_pickle=False)
    with pytest.raises(ResultsError, match=r"shard-000001.npy does not match its sha256"):
        list(corpus.shards())


def test_provider_text_shards_equal_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provider_module, "SHARD_SIZE", 4)
    spec = parse_model("fake:16")
    cold = EmbeddingProvider(spec, tmp_path / "a").text_shards("set", IDS, TEXTS, "document")
    assert [o for o, _ in cold.shards()] == [0, 4, 8] and cold.dim == 16
    expected = EmbeddingProvider(spec, tmp_path / "b").texts("set", IDS, TEXTS, "document")
    np.testing.assert_array_equal(cold.array(), expected)
    warm = EmbeddingProvider(spec, tmp_path / "a")  # complete entry: nothing computed
    np.testing.assert_array_equal(warm.text_shards("set", IDS, TEXTS, "document").array(), expected)
    assert [(t.n_items, t.n_computed) for t in warm.timings] == [(11, 0)]
    assert warm.model_info["embedding_dim"] == 16
    task_view = EmbeddingProvider(spec, tmp_path / "a").for_task("text-retrieval")
    np.testing.assert_array_equal(
        task_view.text_shards("set", IDS, TEXTS, "document").array(), expected
    )


def test_cache_only_reader_streams_or_refuses(tmp_path: Path) -> None:
    spec = parse_model("fake:16")
    cache = tmp_path / "cache"
    written = EmbeddingProvider(spec, cache).texts("set", IDS, TEXTS, role="document")
    cached = CachedEmbedder(spec, cache, run=tmp_path / "run", recreate="cmd")
    np.testing.assert_array_equal(
        cached.text_shards("set", IDS, TEXTS, "document").array(), written
    )
    with pytest.raises(ResultsError, match=r"text \(query\) embeddings .* not in the cache"):
        cached.text_shards("set", IDS, TEXTS, "query")


def test_stub_text_shards_make_one_request() -> None:
    stub = StubEmbedder(lambda r: np.ones((len(r.ids), 2)), shard_rows=5)
    corpus = stub.text_shards("set", IDS, TEXTS, "document")
    assert [o for o, _ in corpus.shards()] == [0, 5, 10] and len(stub.requests) == 1
    assert stub.requests[0].role == "document"
