"""The cache-only Embedder reads exactly what the provider wrote, and never computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedlab.embedding.cached import CachedEmbedder
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ResultsError
from embedlab.models.registry import parse_model


def test_reads_the_providers_entries_and_refuses_missing_ones(tmp_path: Path) -> None:
    spec = parse_model("fake:16")
    cache = tmp_path / "cache"
    provider = EmbeddingProvider(spec, cache)
    ids, texts = ["a", "b", "c"], ["one", "two", "three"]
    written = provider.texts("set", ids, texts, role="document")
    cached = CachedEmbedder(
        spec, cache, run=tmp_path / "run", recreate="embedlab run --model fake:16 ..."
    )
    assert np.array_equal(cached.texts("set", ids, texts, role="document"), written)
    assert cached.model == "fake:16" and cached.provenance()["model"] == "fake:16"
    entries = sorted((cache / "embeddings").iterdir())
    with pytest.raises(ResultsError) as info:  # another role is another entry: not cached
        cached.texts("set", ids, texts, role="query")
    message = str(info.value)
    assert "text (query) embeddings of fake:16 on set are not in the cache" in message
    assert message.endswith("re-create them with: embedlab run --model fake:16 ...")
    assert sorted((cache / "embeddings").iterdir()) == entries  # nothing created


def test_a_corrupt_shard_is_reported_not_recomputed(tmp_path: Path) -> None:
    spec = parse_model("fake:16")
    cache = tmp_path / "cache"
    EmbeddingProvider(spec, cache).texts("set", ["a"], ["one"])
    shard = next((cache / "embeddings").glob("*/shard-000000.npy"))
    shard.write_bytes(b"")
    cached = CachedEmbedder(spec, cache, run=tmp_path / "run", recreate="cmd")
    with pytest.raises(ResultsError, match=r"are unusable .*is empty"):
        cached.texts("set", ["a"], ["one"])
    assert shard.read_bytes() == b""
