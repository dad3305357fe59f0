"""Sharded exact top-k equals in-memory ``dense_topk`` and a full sort, ties included.

Vectors are small integers, so every float32 dot product is exact whatever the blocking and
scores tie often (and four documents are exact duplicates); shards have uneven sizes (one
empty, one of a single row) and arrive out of order, and ``k`` spans shard boundaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from embedlab.errors import DataError
from embedlab.results.embedding_cache import open_entry
from embedlab.scoring.dense_topk import dense_topk, descending_id_order
from embedlab.scoring.ray_topk import CacheShard, ray_sharded_topk
from embedlab.scoring.sharded_topk import cache_shards, sharded_topk

N_DOCS = 103
SIZES = [7, 1, 30, 0, 40, 25]  # offsets 0, 7, 8, 38, 38, 78


def _data(seed: int = 0) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    rng = np.random.default_rng(seed)
    q = rng.integers(-2, 3, size=(19, 5)).astype(np.float32)
    c = rng.integers(-2, 3, size=(N_DOCS, 5)).astype(np.float32)
    c[60:64] = c[3]  # exact duplicates across shards
    return q, c


def _shards(c: NDArray[np.float32]) -> list[tuple[int, NDArray[np.float32]]]:
    offsets = np.concatenate([[0], np.cumsum(SIZES)[:-1]]).astype(int)
    shards = [(int(o), c[o : o + n]) for o, n in zip(offsets, SIZES, strict=True)]
    return shards[::-1]  # out of order on purpose


def _full_sort(scores: NDArray[np.float32], k: int, tb: NDArray[np.int64]) -> NDArray[np.int64]:
    """Independent reference: per query, lexsort by (score desc, tiebreak asc, index asc)."""
    index = np.arange(scores.shape[1])
    return np.asarray([np.lexsort((index, tb, -row))[:k] for row in scores], dtype=np.int64)


TIEBREAKS: dict[str, Any] = {
    "row order": None,
    "trec ids": descending_id_order([f"doc{i % 37}-{i}" for i in range(N_DOCS)]),
    "with repeats": np.random.default_rng(3).integers(0, 9, N_DOCS),
}


@pytest.mark.parametrize("tiebreak", list(TIEBREAKS))
@pytest.mark.parametrize("k", [1, 6, 8, 31, 50, 103, 500])
def test_sharded_equals_dense_topk_and_full_sort(k: int, tiebreak: str) -> None:
    q, c = _data()
    tb = TIEBREAKS[tiebreak]
    ours = sharded_topk(q, _shards(c), N_DOCS, k, tiebreak=tb)
    memory = dense_topk(q, c, k, tiebreak=tb)
    np.testing.assert_array_equal(ours.indices, memory.indices)
    np.testing.assert_array_equal(ours.scores, memory.scores)
    order = np.arange(N_DOCS) if tb is None else np.asarray(tb)
    expected = _full_sort(q @ c.T, min(k, N_DOCS), order)
    np.testing.assert_array_equal(ours.indices, expected)


def test_ties_really_cross_shards() -> None:
    """The data is a real test: the k-th score ties with rows in other shards."""
    q, c = _data()
    scores = q @ c.T
    kth = np.sort(scores, axis=1)[:, ::-1][:, 30]
    assert all(int((row == t).sum()) > 3 for row, t in zip(scores, kth, strict=True))


@pytest.mark.parametrize(
    ("shards", "message"),
    [
        ([(0, np.zeros((5, 5))), (4, np.zeros((6, 5)))], "overlap"),
        ([(0, np.zeros((5, 5))), (6, np.zeros((4, 5)))], "leave rows 5..6 out"),
        ([(0, np.zeros((5, 5)))], "end at row 5, expected 10"),
        ([(8, np.zeros((5, 5)))], "outside 0..10"),
    ],
)
def test_shards_must_cover_the_corpus_once(shards: list[Any], message: str) -> None:
    with pytest.raises(DataError, match=message):
        sharded_topk(np.zeros((2, 5)), shards, 10, 3)


def test_streamed_from_cache_shards(tmp_path: Path) -> None:
    q, c = _data(1)
    entry = open_entry(tmp_path, {"model": "m"}, N_DOCS, shard_size=16)
    for shard in range(entry.n_shards):
        lo, hi = entry.shard_range(shard)
        entry.write_shard(shard, c[lo:hi])
    ours = sharded_topk(q, cache_shards(entry), N_DOCS, 20)
    np.testing.assert_array_equal(ours.indices, dense_topk(q, c, 20).indices)


def test_ray_tasks_equal_dense_topk(tmp_path: Path, ray_local: Any) -> None:
    q, c = _data(2)
    entry = open_entry(tmp_path, {"model": "m"}, 48, shard_size=16)
    for shard in range(entry.n_shards):
        entry.write_shard(shard, c[shard * 16 : shard * 16 + 16])
    shards: list[Any] = [CacheShard(entry, s) for s in range(entry.n_shards)]
    shards += [(48, c[48:70]), (70, c[70:])]  # read by the tasks, and shipped
    tb = TIEBREAKS["trec ids"]
    for k in (5, 40):
        ours = ray_sharded_topk(q, shards, N_DOCS, k, tiebreak=tb, max_in_flight=2)
        memory = dense_topk(q, c, k, tiebreak=tb)
        np.testing.assert_array_equal(ours.indices, memory.indices)
        np.testing.assert_array_equal(ours.scores, memory.scores)
