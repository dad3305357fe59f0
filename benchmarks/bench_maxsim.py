"""Exact MaxSim throughput against this machine's fp32 GEMM, and MUVERA's recall/work trade.

Part 1 — exact MaxSim (:func:`embedlab.scoring.maxsim.maxsim_scores`): ``--queries`` queries x
``--query-tokens`` tokens against ``--docs`` documents x ``--doc-tokens`` tokens at ``--dim``
(seeded random unit vectors; defaults 100 x 20 against 2,000 x 1,030 at D = 128, ColPali's
shape). Its useful work is ``2 * Tq * Td * D`` FLOPs (one multiply-add per dimension per token
pair); the script divides that by the wall time and compares it with two GEMM references timed
in the same process, interleaved with it (best of ``--repeats``): a square ``4096^3`` float32
GEMM (this machine's fp32 GEMM FLOP/s) and the bare GEMM of the same query tokens against the
same document tokens in the same blocks, without the max/sum reductions. Peak extra memory is
tracemalloc's peak during one MaxSim call (numpy reports its buffers to tracemalloc).

Part 2 — MUVERA (:func:`embedlab.scoring.late_search.muvera_topk`) on a synthetic clustered
corpus: ``--centres`` random unit centres; each document picks 8 centres (its "topics") and its
``--m-doc-tokens`` tokens are topic centres plus Gaussian noise (sigma 0.5 / sqrt(D) per
coordinate), unit-normalised; each query copies the topics of one random document and draws
``--m-query-tokens`` tokens the same way. Defaults: 10,000 documents x 64 tokens x 128 dims,
100 queries x 20 tokens, seed 0. Reported per setting: fraction of the exact-MaxSim top-10
recovered, candidates K, FDE dimension and bytes per document (float32), token-level dot products
relative to exact MaxSim, and wall times.

Machine state: the load average and other processes' CPU (cores, from /proc/stat minus our own
CPU time, :mod:`embedlab.perf.machine`) over each timed part; a part with other processes above
0.25 cores is marked UNSTABLE and should not be quoted.

Usage::

    python benchmarks/bench_maxsim.py [--repeats 3] [--skip-muvera] [--skip-maxsim]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from embedlab.core.multivector import MultiVectors
from embedlab.perf.machine import cpu_snapshot, interference, load_average
from embedlab.scoring.late_search import exact_topk, muvera_topk, recovered_fraction
from embedlab.scoring.maxsim import DEFAULT_CHUNK_MB, maxsim_scores
from embedlab.scoring.muvera import Muvera, MuveraSettings


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--query-tokens", type=int, default=20)
    p.add_argument("--docs", type=int, default=2_000)
    p.add_argument("--doc-tokens", type=int, default=1_030)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--chunk-mb", type=float, default=DEFAULT_CHUNK_MB)
    p.add_argument("--m-docs", type=int, default=10_000)
    p.add_argument("--m-doc-tokens", type=int, default=64)
    p.add_argument("--m-queries", type=int, default=100)
    p.add_argument("--m-query-tokens", type=int, default=20)
    p.add_argument("--centres", type=int, default=2_000)
    p.add_argument("--skip-maxsim", action="store_true")
    p.add_argument("--skip-muvera", action="store_true")
    return p.parse_args()


def _unit(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((rows, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def _uniform(rng: np.random.Generator, n: int, tokens: int, dim: int) -> MultiVectors:
    offsets = np.arange(0, (n + 1) * tokens, tokens, dtype=np.int64)
    return MultiVectors(_unit(rng, n * tokens, dim), offsets)


def _state(label: str, work: Callable[[], object]) -> tuple[float, str]:
    before = cpu_snapshot()
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    other = interference(before, cpu_snapshot()).other_cores
    verdict = "UNSTABLE" if other is not None and other > 0.25 else "ok"
    text = f"other processes {other:.2f} cores" if other is not None else "no /proc/stat"
    return seconds, f"{label}: {seconds:.3f} s ({text}, {verdict})"


def part_maxsim(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(0)
    q = _uniform(rng, args.queries, args.query_tokens, args.dim)
    d = _uniform(rng, args.docs, args.doc_tokens, args.dim)
    a, b = _unit(rng, 4096, 4096), _unit(rng, 4096, 4096)
    flops = 2.0 * len(q.tokens) * len(d.tokens) * args.dim

    def bare() -> None:
        for blk in _gemm_blocks(q, d, args.chunk_mb):
            del blk

    best = {"square": np.inf, "bare": np.inf, "maxsim": np.inf}
    for r in range(args.repeats):
        for name, call in (
            ("square", lambda: a @ b),
            ("bare", bare),
            ("maxsim", lambda: maxsim_scores(q, d, args.chunk_mb)),
        ):
            seconds, line = _state(f"round {r + 1} {name}", call)
            print(line)
            best[name] = min(best[name], seconds)
    square_flops = 2.0 * 4096**3 / best["square"]
    maxsim_flops = flops / best["maxsim"]
    bare_flops = flops / best["bare"]
    tracemalloc.start()
    maxsim_scores(q, d, args.chunk_mb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"\nexact MaxSim {args.queries} x {args.query_tokens} tokens vs {args.docs} x "
        f"{args.doc_tokens} tokens, D={args.dim}, chunk {args.chunk_mb} MB (best of {args.repeats})"
    )
    print(f"  fp32 GEMM 4096^3:          {square_flops / 1e9:8.1f} GFLOP/s")
    print(f"  bare GEMM, same blocks:    {bare_flops / 1e9:8.1f} GFLOP/s")
    print(
        f"  MaxSim:                    {maxsim_flops / 1e9:8.1f} GFLOP/s = "
        f"{maxsim_flops / square_flops:.1%} of GEMM 4096^3, "
        f"{maxsim_flops / bare_flops:.1%} of the bare blocks; {best['maxsim']:.2f} s, "
        f"{args.docs / best['maxsim'] * args.queries:,.0f} documents scored per second"
    )
    print(f"  peak extra memory (tracemalloc): {peak / 2**20:.0f} MiB")


def _gemm_blocks(q: MultiVectors, d: MultiVectors, chunk_mb: float):  # type: ignore[no-untyped-def]
    """The GEMMs maxsim_blocks does, without the reductions: the same block plan for uniform
    token counts with every query token in one block (true at the default sizes)."""
    cells = max(1, int(chunk_mb * 2**20 / 4))
    d_tokens = max(1, cells // max(1, len(q.tokens)))
    per_doc = int(d.counts[0])
    step = max(per_doc, d_tokens // per_doc * per_doc)
    for start in range(0, len(d.tokens), step):
        yield q.tokens @ d.tokens[start : start + step].T


def _topical(
    rng: np.random.Generator, centres: np.ndarray, topics: np.ndarray, tokens: int
) -> np.ndarray:
    dim = centres.shape[1]
    picks = centres[rng.choice(topics, size=tokens)]
    x = picks + rng.standard_normal((tokens, dim)).astype(np.float32) * (0.5 / np.sqrt(dim))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def part_muvera(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(0)
    centres = _unit(rng, args.centres, args.dim)
    doc_topics = [rng.choice(args.centres, size=8, replace=False) for _ in range(args.m_docs)]
    docs = MultiVectors.from_items(
        [_topical(rng, centres, t, args.m_doc_tokens) for t in doc_topics]
    )
    targets = rng.integers(0, args.m_docs, size=args.m_queries)
    queries = MultiVectors.from_items(
        [_topical(rng, centres, doc_topics[t], args.m_query_tokens) for t in targets]
    )
    holder: dict[str, object] = {}
    seconds, line = _state(
        "exact MaxSim top-10", lambda: holder.update(e=exact_topk(queries, docs, 10))
    )
    print(line)
    exact = holder["e"]
    print(
        f"\nMUVERA on {args.m_docs} docs x {args.m_doc_tokens} tokens, {args.m_queries} queries x "
        f"{args.m_query_tokens} tokens, D={args.dim}; exact top-10 took {seconds:.2f} s"
    )
    print(
        "  setting                      K   FDE dim  bytes/doc  top-10 recovered  token work"
        "           doc FDEs  query time"
    )
    for settings, k in (
        (MuveraSettings(repetitions=20, k_sim=5, d_proj=16), 200),
        (MuveraSettings(repetitions=20, k_sim=5, d_proj=16), 500),
        (MuveraSettings(repetitions=20, k_sim=5, d_proj=16), 1000),
        (MuveraSettings(repetitions=10, k_sim=4, d_proj=16), 500),
    ):
        mv = Muvera.create(settings, args.dim)
        build, _ = _state("doc FDEs", lambda mv=mv: holder.update(fd=mv.encode_documents(docs)))
        seconds, line = _state(
            settings.label(),
            lambda mv=mv, k=k: holder.update(a=muvera_topk(queries, docs, 10, k, mv, holder["fd"])),
        )
        res = holder["a"]
        frac = recovered_fraction(res.indices, exact.indices)  # type: ignore[attr-defined]
        ratio = exact.token_dot_products / max(res.token_dot_products, 1)  # type: ignore[attr-defined]
        print(
            f"  {settings.label():26s} {k:5d} {mv.fde_dim:8d} {mv.fde_dim * 4:10,d} "
            f"{frac:16.1%} {1 / ratio:9.1%} ({ratio:.0f}x less) {build:8.2f} s  "
            f"{line.split(': ', 1)[1]}"
        )
    print(
        "  (doc FDEs: encoding the corpus once, an indexing cost; query time: query FDEs + exact "
        "dense search over the document FDEs + exact MaxSim rerank of the K candidates)"
    )


def main() -> None:
    args = _args()
    print(f"load average at start: {load_average()}")
    if not args.skip_maxsim:
        part_maxsim(args)
    if not args.skip_muvera:
        part_muvera(args)
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
