"""Scaling of the ``ray`` executor and of sharded exact search, against the in-process baseline.

**Encoding.** The same generated shapes images (64 px PNGs, decoded by the worker that encodes
them) are embedded by ``--model`` (default the tiny ``builtin:shapes-clip``) with a fresh cache
each time, by:

- ``local``: the in-process executor (torch's default threads, ``--workers`` decode threads);
- ``ray xA``: a Ray actor pool of ``A`` actors (``--actors``, default 1 and 2), each reserving
  ``--cpus-per-actor`` CPUs (fractional by default; Ray then runs each actor's torch on one
  thread).

Each configuration is timed on ``--images`` items and on one batch per actor (the start-up:
Ray Data planning, actor processes, imports, model load; the driver imports torch once in an
untimed warm-up, so the local start-up is the model load); **steady items/s** =
``(N - n0) / (t_N - t_n0)`` is the throughput once every actor runs, **end-to-end items/s** =
``N / t_N`` includes the start-up. The Ray vectors are checked against the local ones (max
absolute difference). Rounds are interleaved (local, ray x1, ray x2, local, ...) and the best
of ``--rounds`` is kept.

**Sharded search.** Unit vectors (``--docs`` x ``--dim``, seeded) are searched by ``--queries``
queries for the top ``--k``: in memory (``dense_topk``), streamed over ``--shard-rows`` shards
in this process (``sharded_topk``), and as Ray tasks (``ray_sharded_topk``, one per shard); then
the same shards written as an embedding cache entry and read from it, in this process
(``cache_shards``) and by the Ray tasks themselves (``CacheShard``: the path of ``embedlab index
--executor ray`` beyond ``--corpus-memory-mb``; the page cache is warm after the first round).
All results are checked equal. Reported: queries/s and scored pairs/s (Q x N / time).

**What extrapolates to a cluster, and what is assumed.** Measured here: one machine, where the
actors share its cores (and its memory bandwidth) with the driver, so 2 actors on 2 cores can at
best double a 1-thread actor and cannot beat the multi-threaded local baseline by much. On a
cluster, steady throughput scales as ``actors x per-actor steady items/s`` *if* (assumed, not
measured here) each actor has its own cores or GPU, the items are read from storage that
serves every node at that rate, the driver keeps up with gathering ``4 x dim`` bytes per item
and writing shards (it does no model work), and Ray Data's per-block overhead stays small next
to one batch's forward pass (it does at batch >= 32 for models bigger than this tiny one). The
start-up (actors loading the model: seconds to a minute for large models) is paid once per
entry, so end-to-end items/s approaches steady items/s only for large N. For sharded search,
each task costs ``Q x n_shard x dim`` multiply-adds and the driver's merge ``Q x k`` per shard;
the tasks scale with workers as long as each node reads its shards from shared storage and
``Q x k`` lists (not scores) cross the network.

Usage (figures are for an otherwise idle machine; the load average is printed)::

    python benchmarks/bench_ray.py --images 1024 --rounds 3
    python benchmarks/bench_ray.py --images 64 --rounds 1 --docs 20000   # a quick check
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.shapes import generate_shapes
from embedlab.embedding.executors.base import Executor, ExecutorOptions, create_executor
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.models.registry import parse_model
from embedlab.results.embedding_cache import open_entry
from embedlab.scoring.dense_topk import dense_topk
from embedlab.scoring.ray_topk import CacheShard, ray_sharded_topk
from embedlab.scoring.sharded_topk import cache_shards, sharded_topk


def _images(folder: Path, n: int) -> tuple[list[str], list[Path]]:
    """``n`` item ids over generated shapes images (files repeat beyond 1,000 scenes)."""
    generate_shapes(folder, min(n, 1000), seed=7)
    files = sorted((folder / "images").glob("*.png"))
    return [f"img{i}" for i in range(n)], [files[i % len(files)] for i in range(n)]


def _encode(
    model: str, batch: int, executor: Executor, ids: list[str], paths: list[Path]
) -> tuple[float, NDArray[np.float32]]:
    spec = parse_model(model, batch_size=batch)
    with tempfile.TemporaryDirectory(prefix="bench-ray-cache-") as cache:
        provider = EmbeddingProvider(spec, Path(cache), executor=executor)
        start = time.perf_counter()
        vectors = provider.images("bench", ids, paths)
        return time.perf_counter() - start, vectors


def encoding(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ray-images-") as folder:
        _encoding(args, *_images(Path(folder), args.images))


def _encoding(args: argparse.Namespace, ids: list[str], paths: list[Path]) -> None:
    configs: dict[str, Callable[[], Executor]] = {"local": lambda: create_executor("local")}
    for actors in args.actors:
        options = ExecutorOptions(actors=actors, cpus_per_actor=args.cpus_per_actor)
        configs[f"ray x{actors}"] = lambda o=options: create_executor("ray", o)  # type: ignore[misc]
    _encode(args.model, args.batch_size, create_executor("local"), ids[:2], paths[:2])  # imports
    best: dict[str, tuple[float, float]] = {}
    reference: NDArray[np.float32] | None = None
    worst = 0.0
    for _ in range(args.rounds):
        for name, make in configs.items():
            actors = 1 if name == "local" else int(name.split("x")[1])
            n0 = min(args.images, actors * args.batch_size)
            t0, _v = _encode(args.model, args.batch_size, make(), ids[:n0], paths[:n0])
            t, vectors = _encode(args.model, args.batch_size, make(), ids, paths)
            if reference is None:
                reference = vectors
            worst = max(worst, float(np.abs(vectors - reference).max()))
            old = best.get(name)
            if old is None or t < old[1]:
                best[name] = (t0, t)
    print(f"\nencoding {args.images} images, {args.model}, batch {args.batch_size}, "
          f"best of {args.rounds}; Ray actors reserve {args.cpus_per_actor} CPU each")  # fmt: skip
    print(
        f"{'executor':<10} {'start-up s':>10} {'total s':>8} {'end-to-end/s':>13} {'steady/s':>9}"
    )
    n = args.images
    for name, (t0, t) in best.items():
        n0 = min(n, (1 if name == "local" else int(name.split("x")[1])) * args.batch_size)
        steady = (n - n0) / (t - t0) if t > t0 and n > n0 else float("nan")
        print(f"{name:<10} {t0:>10.2f} {t:>8.2f} {n / t:>13.1f} {steady:>9.1f}")
    print(f"max |ray - local| over every vector: {worst:.2e}")


def search(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(0)
    corpus = rng.standard_normal((args.docs, args.dim)).astype(np.float32)
    corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
    queries = corpus[rng.integers(0, args.docs, args.queries)] + np.float32(0.01)
    shards = [
        (lo, corpus[lo : lo + args.shard_rows]) for lo in range(0, args.docs, args.shard_rows)
    ]
    runs: dict[str, Callable[[], object]] = {
        "in memory": lambda: dense_topk(queries, corpus, args.k),
        "sharded, local": lambda: sharded_topk(queries, shards, args.docs, args.k),
        "sharded, Ray tasks": lambda: ray_sharded_topk(queries, shards, args.docs, args.k),
    }
    times: dict[str, float] = {}
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        entry = open_entry(Path(folder), {"bench": "search"}, args.docs, args.shard_rows)
        for shard in range(entry.n_shards):
            lo, hi = entry.shard_range(shard)
            entry.write_shard(shard, corpus[lo:hi])
        cached = [CacheShard(entry, shard) for shard in range(entry.n_shards)]
        runs["cache, local"] = lambda: sharded_topk(queries, cache_shards(entry), args.docs, args.k)
        runs["cache, Ray tasks"] = lambda: ray_sharded_topk(queries, cached, args.docs, args.k)
        for _ in range(args.rounds):
            for name, call in runs.items():
                start = time.perf_counter()
                results[name] = call()
                took = time.perf_counter() - start
                times[name] = min(times.get(name, took), took)
    first = results["in memory"]
    same = all(
        np.array_equal(r.indices, first.indices)  # type: ignore[attr-defined]
        for r in results.values()
    )
    print(
        f"\nexact top-{args.k}: {args.queries} queries x {args.docs} docs x {args.dim} dims, "
        f"shards of {args.shard_rows} rows, best of {args.rounds}; all equal: {same}"
    )
    print(f"{'search':<20} {'s':>7} {'queries/s':>10} {'pairs/s':>10}")
    for name, took in times.items():
        pairs = args.queries * args.docs / took
        print(f"{name:<20} {took:>7.3f} {args.queries / took:>10.1f} {pairs:>10.3g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="builtin:shapes-clip")
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--cpus-per-actor", type=float, default=0.5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--shard-rows", type=int, default=16384)
    args = parser.parse_args()
    import ray

    ray.init(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    from embedlab.core.ray_cluster import quiet_data

    quiet_data()
    print(f"load average before: {os.getloadavg()}, CPUs: {os.cpu_count()}")
    try:
        encoding(args)
        search(args)
    finally:
        ray.shutdown()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
