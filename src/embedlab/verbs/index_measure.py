"""Build one index configuration, search with it, and time it: the raw figures of one row set.

Per build (configurations that differ only in query parameters share one, ann-benchmarks
practice) the build is timed once. Per configuration, after ``set_search_params``:

1. **warm-up**: ``WARMUP`` single-query searches (caches, lazy allocations, thread pools);
2. **batched**: one search of all ``Q`` queries at depth ``k``, timed; ``qps = Q / seconds``.
   Its result lists are the ones scored;
3. **single-query latency**: ``LATENCY_QUERIES`` queries (cycled over the query set) searched
   one at a time; p50/p99 over those calls (type-7 percentiles, :mod:`embedlab.perf.stats`);
   the stability verdict (:func:`embedlab.perf.stability.judge`) takes these per-call times
   and the CPU other processes used meanwhile (:mod:`embedlab.perf.machine`).

Peak RSS is the process's (:class:`embedlab.perf.memory.RssSampler`) over build and searches:
it includes the run's embeddings and everything else the process holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.indexes.base import IndexConfig, VectorIndex
from embedlab.perf.machine import cpu_snapshot, interference, machine_state
from embedlab.perf.memory import RssSampler
from embedlab.perf.stability import Verdict, judge
from embedlab.perf.stats import LatencyStats, latency_stats

WARMUP = 10
LATENCY_QUERIES = 200


@dataclass
class Measured:
    """What one configuration produced and cost (see the module docstring)."""

    config: IndexConfig
    ids: NDArray[np.int64]
    scores: NDArray[np.float32]
    build_seconds: float
    nbytes: int
    bytes_per_vector: float
    nbytes_parts: dict[str, int]
    latency: LatencyStats
    verdict: Verdict
    qps: float
    peak_rss_mib: float
    n_vectors: int = 0
    describe: dict[str, str] = field(default_factory=dict)
    machine: dict[str, Any] = field(default_factory=dict)


def timed_build(index: VectorIndex, corpus: NDArray[np.float32]) -> float:
    """Seconds to build ``index`` on ``corpus`` (train + add)."""
    start = time.perf_counter()
    index.build(corpus)
    return time.perf_counter() - start


def measure(
    index: VectorIndex,
    config: IndexConfig,
    queries: NDArray[np.float32],
    k: int,
    build_seconds: float,
    latency_queries: int = LATENCY_QUERIES,
) -> Measured:
    """Search ``queries`` with ``config``'s query parameters; time it (module docstring)."""
    index.set_search_params(config.search_params())
    with RssSampler() as rss:
        for i in range(min(WARMUP, len(queries))):
            index.search(queries[i : i + 1], k)
        start = time.perf_counter()
        scores, ids = index.search(queries, k)
        batched = time.perf_counter() - start
        calls = _single_calls(index, queries, k, latency_queries)
    return Measured(
        config=config,
        ids=np.asarray(ids, dtype=np.int64),
        scores=np.asarray(scores, dtype=np.float32),
        build_seconds=build_seconds,
        nbytes=int(index.nbytes()),
        bytes_per_vector=float(index.bytes_per_vector()),
        nbytes_parts=dict(index.nbytes_parts()),
        latency=latency_stats(calls[0]),
        verdict=calls[1],
        qps=len(queries) / max(batched, 1e-12),
        peak_rss_mib=rss.peak_mib,
        n_vectors=int(index.ntotal),
        describe=dict(index.describe()),
        machine=machine_state(),
    )


def _single_calls(
    index: VectorIndex, queries: NDArray[np.float32], k: int, n_calls: int
) -> tuple[list[float], Verdict]:
    """Per-call seconds of ``n_calls`` one-query searches and their stability verdict."""
    seconds: list[float] = []
    before = cpu_snapshot()
    for call in range(max(1, n_calls)):
        row = call % len(queries)
        start = time.perf_counter()
        index.search(queries[row : row + 1], k)
        seconds.append(time.perf_counter() - start)
    spent = interference(before, cpu_snapshot())
    return seconds, judge(seconds, spent.other_cores)
