"""MUVERA against exact MaxSim on a synthetic clustered multi-vector corpus.

What it shows (issue #10): how much of the exact-MaxSim top-10 MUVERA recovers
(:func:`embedlab.scoring.late_search.muvera_topk`: fixed-dimensional encodings (FDEs,
:mod:`embedlab.scoring.muvera`) → exact dense top-``K`` candidates → exact MaxSim rerank of those
``K``), for how much less token-level scoring work than exact MaxSim
(:func:`~embedlab.scoring.late_search.exact_topk`), and at what storage and wall time.

**Corpus generator** (seeded ``numpy.random.default_rng(--seed)``, defaults in brackets):

1. ``--centres`` [1,000] cluster centres ``c_j``: i.i.d. standard normal vectors in
   ``R^D`` (``--dim`` [128]), normalised to unit length.
2. Document ``i`` (``--docs`` [10,000]) draws ``--topics`` [8] distinct centres uniformly
   without replacement (its topics); each of its ``--doc-tokens`` [64] tokens is
   ``normalise(c_t + sigma / sqrt(D) * z)`` with ``t`` a topic drawn uniformly with replacement,
   ``z ~ N(0, I_D)`` and ``sigma = --noise`` [0.5] (the noise vector has norm ``≈ sigma``, so a
   token's cosine to its centre is ``≈ 1 / sqrt(1 + sigma^2) = 0.89``).
3. Queries are drawn like the documents: query ``q`` (``--queries`` [100]) takes the topics of a
   uniformly drawn document and draws ``--query-tokens`` [32] tokens the same way (step 2).

So a query's exact top-10 is its source document and the documents sharing the most topics
with it, separated by the noise: near-ties that an approximation must get right.

**Work.** Exact MaxSim computes ``Tq * Td`` token dot products (``Tq``, ``Td``: query and
corpus tokens in total), each ``D`` multiply-adds. MUVERA computes ``Q * N`` FDE inner products
(``fde_dim`` multiply-adds each) plus the rerank's ``sum_q m_q * sum_{d in K_q} n_d`` token dot
products. "Token work" is the ratio of token dot products (exact / MUVERA; ``N / K`` here since
every document has the same token count); "all multiply-adds" adds the FDE inner products to
MUVERA's side. Encoding the corpus's FDEs is an indexing cost (timed apart, not per query).

**Storage.** FDE bytes per document (float32, ``4 * fde_dim``) against the multi-vector bytes
per document (``4 * n_d * D`` = 32 KiB at the defaults).

**Settings** (``--setting R,K_SIM,D_PROJ[,FINAL]:K``, repeatable; ``D_PROJ`` ``none`` keeps
``D``): the defaults are the paper's ``(R, k_sim, d_proj) = (20, 5, 16)`` (10,240 dims) at
``K`` = 100, 200, 500 and a 4x smaller encoding ``(10, 4, 16)`` (2,560 dims) at ``K`` = 200, 500;
each encoding is computed once for all its ``K``. The must-show verdict (≥ 95 % of the exact
top-10 recovered with ≥ 10x less token-level scoring work) names the setting with the largest
work ratio that meets it. At the defaults (seed 0; counts, not timings, so machine load does
not change them): (20, 5, 16) K=200 recovers 98.8 % with 50x less token work (16.9x fewer
multiply-adds in all), K=100 94.4 % (100x), K=500 100 % (20x); (10, 4, 16) K=200 96.2 % at
50x (33.6x in all), K=500 99.4 % at 20x.

Machine state: other processes' CPU during each timed part (:mod:`embedlab.perf.machine`); a part
with other processes above 0.25 cores is marked UNSTABLE and its wall time should not be quoted
(recovered fractions and work ratios are exact counts, unaffected).

Usage::

    python benchmarks/bench_muvera.py                    # the issue's corpus, default settings
    python benchmarks/bench_muvera.py --docs 2000 --setting 20,5,16:200
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.perf.machine import cpu_snapshot, interference, load_average
from embedlab.scoring.late_search import LateTopK, exact_topk, muvera_topk, recovered_fraction
from embedlab.scoring.muvera import Muvera, MuveraSettings

T = TypeVar("T")

DEFAULT_SETTINGS = (
    "20,5,16:100",
    "20,5,16:200",
    "20,5,16:500",
    "10,4,16:200",
    "10,4,16:500",
)
TARGET_RECOVERED = 0.95
TARGET_WORK_RATIO = 10.0


@dataclass(frozen=True)
class Corpus:
    """The generated documents and queries (module docstring)."""

    docs: MultiVectors
    queries: MultiVectors


def generate(args: argparse.Namespace) -> Corpus:
    """The clustered corpus of the module docstring, from ``args.seed``."""
    rng = np.random.default_rng(args.seed)
    centres = _normalised(rng.standard_normal((args.centres, args.dim)))
    topics = np.stack(
        [rng.choice(args.centres, size=args.topics, replace=False) for _ in range(args.docs)]
    )
    docs = _draw(rng, centres, topics, args.doc_tokens, args.noise)
    sources = rng.integers(0, args.docs, size=args.queries)
    queries = _draw(rng, centres, topics[sources], args.query_tokens, args.noise)
    return Corpus(docs, queries)


def _draw(
    rng: np.random.Generator,
    centres: NDArray[np.float64],
    topics: NDArray[np.int64],
    tokens: int,
    noise: float,
) -> MultiVectors:
    """``tokens`` tokens per row of ``topics``: a random topic's centre plus noise, unit norm."""
    n, dim = len(topics), centres.shape[1]
    picks = topics[np.arange(n)[:, None], rng.integers(0, topics.shape[1], size=(n, tokens))]
    z = rng.standard_normal((n * tokens, dim))
    x = _normalised(centres[picks.reshape(-1)] + noise / np.sqrt(dim) * z).astype(np.float32)
    return MultiVectors(x, np.arange(0, (n + 1) * tokens, tokens, dtype=np.int64))


def _normalised(x: NDArray[np.float64]) -> NDArray[np.float64]:
    norms: NDArray[np.float64] = np.linalg.norm(x, axis=1, keepdims=True)
    return x / norms


def parse_setting(text: str) -> tuple[MuveraSettings, int]:
    """``"20,5,16:200"`` → (R=20, k_sim=5, d_proj=16), K=200; ``"20,5,none,4096:200"`` too."""
    encoding, _, k = text.partition(":")
    values = encoding.split(",")
    if len(values) not in (3, 4) or not k.isdigit():
        raise SystemExit(f"--setting {text!r}: write R,K_SIM,D_PROJ[,FINAL]:K, e.g. 20,5,16:200")
    d_proj = None if values[2] == "none" else int(values[2])
    final = int(values[3]) if len(values) == 4 else None
    settings = MuveraSettings(
        repetitions=int(values[0]), k_sim=int(values[1]), d_proj=d_proj, final_dim=final
    )
    return settings, int(k)


def timed(label: str, work: Callable[[], T]) -> tuple[T, float, str]:
    """``work()``, its wall seconds, and a line with other processes' CPU meanwhile."""
    before = cpu_snapshot()
    start = time.perf_counter()
    value = work()
    seconds = time.perf_counter() - start
    other = interference(before, cpu_snapshot()).other_cores
    verdict = "UNSTABLE" if other is not None and other > 0.25 else "ok"
    state = f"other processes {other:.2f} cores" if other is not None else "no /proc/stat"
    return value, seconds, f"{label}: {seconds:.2f} s ({state}, {verdict})"


@dataclass(frozen=True)
class Row:
    """One MUVERA setting's figures against exact MaxSim."""

    label: str
    k: int
    fde_dim: int
    recovered: float
    token_ratio: float
    mac_ratio: float
    encode_s: float
    query_s: float

    @property
    def meets(self) -> bool:
        return self.recovered >= TARGET_RECOVERED and self.token_ratio >= TARGET_WORK_RATIO


def measure(corpus: Corpus, exact: LateTopK, settings: MuveraSettings, ks: list[int]) -> list[Row]:
    """MUVERA with ``settings`` (the corpus encoded once) and each ``K`` in ``ks`` against the
    exact top-10; prints a timing line per step."""
    dim = corpus.docs.dim
    muvera = Muvera.create(settings, dim)
    fdes, encode_s, line = timed("  corpus FDEs", lambda: muvera.encode_documents(corpus.docs))
    print(line)
    rows = []
    for k in ks:

        def search(k: int = k) -> LateTopK:
            return muvera_topk(corpus.queries, corpus.docs, 10, k, muvera, fdes)

        found, query_s, line = timed(f"  queries, K={k}", search)
        print(line)
        exact_macs = exact.token_dot_products * dim
        muvera_macs = found.token_dot_products * dim + found.fde_dot_products * found.fde_dim
        rows.append(
            Row(
                label=settings.label(),
                k=k,
                fde_dim=muvera.fde_dim,
                recovered=recovered_fraction(found.indices, exact.indices),
                token_ratio=exact.token_dot_products / max(found.token_dot_products, 1),
                mac_ratio=exact_macs / max(muvera_macs, 1),
                encode_s=encode_s,
                query_s=query_s,
            )
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=10_000)
    p.add_argument("--doc-tokens", type=int, default=64)
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--query-tokens", type=int, default=32)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--centres", type=int, default=1_000)
    p.add_argument("--topics", type=int, default=8)
    p.add_argument("--noise", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--setting", action="append", metavar="R,K_SIM,D_PROJ[,FINAL]:K")
    args = p.parse_args()
    plan = [parse_setting(text) for text in args.setting or DEFAULT_SETTINGS]

    print(f"load average at start: {load_average()}")
    corpus = generate(args)
    print(
        f"corpus: {args.docs:,} documents x {args.doc_tokens} tokens, {args.queries} queries x "
        f"{args.query_tokens} tokens, D={args.dim}; {args.centres:,} centres, {args.topics} "
        f"topics per item, noise sigma {args.noise}, seed {args.seed}"
    )
    exact, exact_s, line = timed(
        "exact MaxSim top-10", lambda: exact_topk(corpus.queries, corpus.docs, 10)
    )
    print(line)
    grouped: dict[MuveraSettings, list[int]] = {}
    for settings, k in plan:
        grouped.setdefault(settings, []).append(k)
    rows = []
    for settings, ks in grouped.items():
        print(settings.label())
        rows += measure(corpus, exact, settings, ks)
    report(args, rows, exact_s)
    print(f"load average at end: {load_average()}")


def report(args: argparse.Namespace, rows: list[Row], exact_s: float) -> None:
    """The table, and the must-show verdict."""
    mv_bytes = 4 * args.doc_tokens * args.dim
    print(
        f"\nexact MaxSim top-10: {exact_s:.2f} s for {args.queries} queries "
        f"({exact_s / args.queries * 1e3:.1f} ms/query); multi-vector storage {mv_bytes:,} "
        "bytes/document"
    )
    print(
        f"{'setting':28s} {'K':>5s} {'FDE dim':>8s} {'bytes/doc':>10s} {'top-10 recovered':>17s}"
        f" {'token work':>11s} {'all MACs':>9s} {'corpus FDEs':>12s} {'ms/query':>9s}"
    )
    for r in rows:
        print(
            f"{r.label:28s} {r.k:5d} {r.fde_dim:8d} {4 * r.fde_dim:10,d} {r.recovered:17.1%}"
            f" {r.token_ratio:9.1f}x {r.mac_ratio:8.1f}x {r.encode_s:10.2f} s"
            f" {r.query_s / args.queries * 1e3:9.1f}"
        )
    print(
        "(token work / all MACs: how many times less than exact MaxSim; corpus FDEs: encoding "
        "the corpus once, an indexing cost; ms/query: query FDEs + exact search over the corpus "
        "FDEs + exact MaxSim rerank of the K candidates)"
    )
    met = [r for r in rows if r.meets]
    if met:
        best = max(met, key=lambda r: (r.token_ratio, r.recovered))
        print(
            f"must-show MET: {best.label}, K={best.k}: {best.recovered:.1%} of the exact top-10 "
            f"recovered with {best.token_ratio:.0f}x less token-level scoring work"
        )
    else:
        print(
            f"must-show NOT met by these settings (>= {TARGET_RECOVERED:.0%} recovered with "
            f">= {TARGET_WORK_RATIO:.0f}x less token work)"
        )


if __name__ == "__main__":
    main()
