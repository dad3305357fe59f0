"""BEIR's exact top-k as Ray tasks (``TaskContext.search`` of kind ``ray``) equals the local one.

On a local Ray (session fixture ``ray_local``). The data is the tied word-count corpus of
``test_corpus_search`` (integer vectors: every dot product exact, tie groups crossing block and
shard borders), searched in memory (row blocks shipped to the tasks), beyond the budget from a
stub's in-memory shards, and beyond the budget from a real provider's cache shards read by the
tasks themselves; each with and without a truncating transform applied inside the tasks.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import embedlab.embedding.provider as provider_module
import embedlab.tasks.corpus_search as corpus_search
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.embedding.stub import EmbedRequest, StubEmbedder
from embedlab.models.registry import parse_model
from embedlab.scoring.dense_topk import descending_id_order
from embedlab.scoring.search_executor import SearchExecutor
from embedlab.tasks.base import TASKS, TaskContext
from embedlab.tasks.beir import BeirParams
from embedlab.tasks.beir_search import beir_problems
from embedlab.verbs.index_quality import matryoshka
from tests.fixtures.ray_local import spy_ray
from tests.tasks.test_corpus_search import (
    N_DOCS,
    TINY_MB,
    assert_same,
    run_beir,
    tied_beir,
    word_counts,
)

RAY = SearchExecutor("ray", cpus_per_task=0.5)


def first_two(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """Truncation without renormalisation: integer rows stay integer (exact scores)."""
    return np.ascontiguousarray(x[:, :2])


@pytest.fixture(autouse=True)
def _workers_unpickle_this_module(ray_local: Any) -> None:
    ray_local.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def test_ray_corpus_topk_equals_local_in_memory_and_beyond_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = spy_ray(monkeypatch)
    ids = [f"d{(7 * i) % N_DOCS:02d}" for i in range(N_DOCS)]
    docs = [["w0", "w1", "w0 w1", "w2 w3", "w0 w0 w3"][i % 5] for i in range(N_DOCS)]
    queries = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [2, 1, 0, 1]], np.float32)
    tiebreak = descending_id_order(ids)
    stub_docs = word_counts(EmbedRequest("text", "d", tuple(ids), tuple(docs), "document"))
    cut_in_tie: list[bool] = []
    for budget in (None, 1.0, TINY_MB):
        for transform in (lambda x: x, first_two):
            got = {}
            for search in (TaskContext.search, RAY):
                stub = StubEmbedder(word_counts, shard_rows=4)
                ctx = TaskContext(stub, tmp_path, chunk_mb=1, corpus_memory_mb=budget,
                                  search=search)  # fmt: skip
                got[search.kind] = corpus_search.corpus_topk(
                    ctx, "d", ids, docs, lambda: queries, 12, tiebreak, transform
                )
            np.testing.assert_array_equal(got["ray"].indices, got["local"].indices)
            np.testing.assert_array_equal(got["ray"].scores, got["local"].scores)
            scores = transform(queries) @ transform(stub_docs).T
            for q, row in enumerate(scores):  # independent: score desc, then id desc
                order = np.lexsort((np.arange(N_DOCS), tiebreak, -row))
                np.testing.assert_array_equal(got["ray"].indices[q], order[:12])
                cut_in_tie.append(bool(row[order[11]] == row[order[12]]))
    assert sum(cut_in_tie) >= 6  # the cut at k falls inside a tie group: the tie rule decides
    assert len(calls) == 6 and all(kinds and set(kinds) == {"rows"} for kinds in calls)
    assert len(calls[0]) == 8  # in memory: MIN_BLOCKS row blocks of 4 rows (the last 2)


def test_ray_streams_the_cache_shards_with_truncation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real provider (fake:16, 7-row cache shards) beyond the budget: the tasks read the
    cache shards and truncate them (Matryoshka, renormalised); equal to the local search."""
    monkeypatch.setattr(provider_module, "SHARD_SIZE", 7)
    calls = spy_ray(monkeypatch)
    data_dir = tied_beir(tmp_path / "beir")
    provider = EmbeddingProvider(parse_model("fake:16", batch_size=4), tmp_path / "cache")
    params = BeirParams(data_dir=data_dir, protocols=("q2d", "q2d-ignore-identical-ids"))
    task = TASKS.get("beir").build("beir", params)
    columns = {}
    results = {}
    for search in (TaskContext.search, RAY):
        ctx = TaskContext(provider, tmp_path, 1, corpus_memory_mb=TINY_MB, search=search)
        for problem in beir_problems(task, ctx):  # type: ignore[arg-type]
            for dim in (None, 8):
                columns[search.kind, problem.protocol, dim] = problem.exact_columns(matryoshka(dim))
        results[search.kind] = run_beir(ctx, data_dir)
    assert len(calls) == 5 and all(kinds == ["cache"] * 5 for kinds in calls)  # 30 rows / 7
    assert_same(results["ray"], results["local"])
    for (kind, protocol, dim), values in columns.items():
        if kind == "ray":
            reference = columns["local", protocol, dim]
            assert set(values) == set(reference)
            for name in reference:
                np.testing.assert_array_equal(values[name], reference[name])
