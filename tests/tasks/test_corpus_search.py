"""Streaming a BEIR corpus shard by shard (``--corpus-memory-mb``) equals the in-memory search.

Data with many exact ties (duplicate documents, integer word-count vectors) whose tie groups
cross shard borders; compared against the in-memory path and an independent lexsort.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import embedlab.embedding.provider as provider_module
import embedlab.tasks.corpus_search as corpus_search
from embedlab.data.beir import write_beir_files
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.models.registry import parse_model
from embedlab.scoring.dense_topk import descending_id_order
from embedlab.tasks.base import TASKS, TaskContext, TaskResult
from embedlab.tasks.beir import BeirParams
from embedlab.tasks.beir_search import beir_problems

TINY_MB = 1e-6  # below any corpus: always streamed
N_DOCS = 30


def word_counts(request: EmbedRequest) -> NDArray[np.float32]:
    """Integer vectors (counts of w0..w3): dot products are exact, ties are everywhere."""
    return np.array([[t.split().count(f"w{j}") for j in range(4)] for t in request.items], "f4")


def tied_beir(folder: Path) -> Path:
    """30 documents drawn from 5 texts (ids out of row order), 8 judged queries."""
    texts = ["w0", "w1", "w0 w1", "w2 w3", "w0 w0 w3"]
    corpus = [{"_id": f"d{(7 * i) % N_DOCS:02d}", "text": texts[i % 5]} for i in range(N_DOCS)]
    queries = [{"_id": f"q{j}", "text": ["w0", "w1", "w3", "w0 w1"][j % 4]} for j in range(8)]
    qrels = [(f"q{j}", f"d{(3 * j + r) % N_DOCS:02d}", 1 + r % 2) for j in range(8) for r in (0, 5)]
    write_beir_files(folder, corpus, queries, qrels)
    return folder


def count_streams(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts calls of sharded_topk made by corpus_search (proves the streamed path ran)."""
    calls: list[int] = []
    real = corpus_search.sharded_topk

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus_search, "sharded_topk", spy)
    return calls


def run_beir(ctx: TaskContext, data_dir: Path) -> TaskResult:
    params = BeirParams(data_dir=data_dir, protocols=("q2d", "q2d-ignore-identical-ids"))
    return TASKS.get("beir").build("beir", params).run(ctx)


def assert_same(a: TaskResult, b: TaskResult) -> None:
    assert [(m.metric, m.protocol, m.value) for m in a.metrics] == [
        (m.metric, m.protocol, m.value) for m in b.metrics
    ]
    for x, y in zip(a.outcomes, b.outcomes, strict=True):
        assert x.query_ids == y.query_ids
        for name in x.values:
            np.testing.assert_array_equal(x.values[name], y.values[name])


def test_corpus_topk_streamed_equals_in_memory_and_lexsort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_streams(monkeypatch)
    ids = [f"d{(7 * i) % N_DOCS:02d}" for i in range(N_DOCS)]
    docs = [["w0", "w1", "w0 w1", "w2 w3"][i % 4] for i in range(N_DOCS)]
    queries = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]], np.float32)
    tiebreak = descending_id_order(ids)
    got = {}
    for budget in (None, 1.0, TINY_MB):
        stub = StubEmbedder(word_counts, shard_rows=4)
        ctx = TaskContext(stub, tmp_path, chunk_mb=1, corpus_memory_mb=budget)
        got[budget] = corpus_search.corpus_topk(ctx, "d", ids, docs, lambda: queries, 12, tiebreak)
    assert calls == [1]  # only the tiny budget streamed; 1 MB holds the corpus
    stub_docs = word_counts(EmbedRequest("text", "d", tuple(ids), tuple(docs), "document"))
    scores = queries @ stub_docs.T
    for q, row in enumerate(scores):  # independent: score descending, then id descending
        order = np.lexsort((np.arange(N_DOCS), tiebreak, -row))[:12]
        for top in got.values():
            np.testing.assert_array_equal(top.indices[q], order)
            np.testing.assert_array_equal(top.scores[q], row[order])
    tied = [row[order][11] == row[order][12] for row, order in zip(
        scores, (np.lexsort((tiebreak, -r)) for r in scores), strict=True)]  # fmt: skip
    assert any(tied)  # the cut at k falls inside a tie group: the tie rule decides


def test_beir_task_with_stub_equal_streamed_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_streams(monkeypatch)
    data_dir = tied_beir(tmp_path / "beir")
    results = [
        run_beir(
            TaskContext(StubEmbedder(word_counts, shard_rows=4), tmp_path, 1, None, 100, b),
            data_dir,
        )
        for b in (None, TINY_MB)
    ]
    assert calls == [1]
    assert_same(*results)


def test_beir_task_with_provider_streams_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real provider (fake:16) with 7-row cache shards: computed-while-streaming, streamed
    from a complete cache, and in memory all give the same results."""
    monkeypatch.setattr(provider_module, "SHARD_SIZE", 7)
    calls = count_streams(monkeypatch)
    data_dir = tied_beir(tmp_path / "beir")

    def run(cache: str, budget: float | None) -> TaskResult:
        provider = EmbeddingProvider(parse_model("fake:16", batch_size=4), tmp_path / cache)
        return run_beir(TaskContext(provider, tmp_path, 1, corpus_memory_mb=budget), data_dir)

    streamed_cold = run("a", TINY_MB)  # the corpus is computed, then streamed
    streamed_warm = run("a", TINY_MB)  # streamed from the complete cache
    in_memory = run("b", None)
    assert len(calls) == 2
    assert len(list((tmp_path / "a" / "embeddings").glob("*/shard-*.npy"))) >= 5
    assert_same(streamed_cold, in_memory)
    assert_same(streamed_warm, in_memory)


def test_index_study_exact_baseline_equal_streamed_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_streams(monkeypatch)
    data_dir = tied_beir(tmp_path / "beir")
    params = BeirParams(data_dir=data_dir, protocols=("q2d", "q2d-ignore-identical-ids"))
    task = TASKS.get("beir").build("beir", params)

    def first_two(x: NDArray[np.float32]) -> NDArray[np.float32]:
        return np.ascontiguousarray(x[:, :2])

    columns = {}
    for budget in (None, TINY_MB):
        stub = StubEmbedder(word_counts, shard_rows=4)
        ctx = TaskContext(stub, tmp_path, 1, corpus_memory_mb=budget)
        for problem in beir_problems(task, ctx):  # type: ignore[arg-type]
            for name, transform in (("all", lambda x: x), ("first two", first_two)):
                columns[budget, problem.protocol, name] = problem.exact_columns(transform)
    assert len(calls) == 4
    for (budget, protocol, name), values in columns.items():
        if budget is None:
            continue
        reference = columns[None, protocol, name]
        for column in reference:
            np.testing.assert_array_equal(values[column], reference[column])
