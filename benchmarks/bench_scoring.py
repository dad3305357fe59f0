"""Time exact retrieval ranking + metrics at COCO-Karpathy-test scale.

Problem: 25,010 captions x 5,000 images, D = 768, seeded random unit vectors; 4,990 images
have 5 captions and 10 have 6 (exactly 25,010), in shuffled order. The timed region is
``rank_retrieval`` (all four protocols, one chunked GEMM pass) plus ``retrieval_metrics`` for
each protocol; creating the embeddings is not timed. It is compared with the bare float32 GEMM
pass over the same chunks (the floor of any exact method), timed alternately with it (bare
passes, one exact run, repeated); the table gives ``ratio = exact / GEMM`` of the minima and of
the medians. Target (issue 11): ratio <= 1.15.

The bare pass is the faster of two numpy (BLAS) schedules, both timed every round: each chunk's
product on all BLAS threads, one chunk after another (``GEMM all-threads``, the schedule of the
exact pass with the C kernel, ``embedlab.scoring._fused_pass``), or whole chunks spread over the
threads, each product on one BLAS thread (``GEMM chunk/thread``, the numpy pass's schedule;
needs ``threadpoolctl``). The first line says which exact pass ran; ``--kernel numpy`` times the
numpy pass even where the C kernel is built. With ``--torch`` the same chunked pass is also
timed in torch (``torch.mm`` into a reused buffer, torch's default threads) and reported on its
own line: informational only, because ``embedlab.scoring`` must not import a deep-learning
framework (a cached re-run never loads torch, and a second BLAS could round near-ties
differently from the run that wrote the results).

``dense_topk`` (BEIR, the index study's exact baseline) is timed the same way against the bare
GEMM pass over its blocks: ``--topk-shape Q N D K`` (default 5000 queries x 100,000 documents x
384, k = 100; ``--topk-shape 0 0 0 0`` skips it).

Machine state: the 1-minute load average before and after, and during every timed call the CPU
that *other* processes used on our CPUs (``embedlab.perf.machine.interference``, /proc/stat),
reported as the median in cores; with another process busy the ratios are indicative only.

Threads: ``--threads N`` sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and
``MKL_NUM_THREADS`` before numpy is imported, and also applies ``threadpoolctl`` limits when
that package is installed. Without the flag the BLAS default (all cores) is used. The bare
GEMM pass runs each product on all BLAS threads; the exact pass (with ``threadpoolctl``) runs
as many products at once, each on one BLAS thread (``embedlab.scoring._parallel``).

Memory: tracemalloc peak (numpy reports its buffers to tracemalloc) and the RSS high-water
mark growth (``/proc/self/status`` VmHWM after resetting it through ``/proc/self/clear_refs``;
sampled VmRSS if that reset is not allowed), both relative to the state before a run.

Published figure (idle machine, all cores)::

    python benchmarks/bench_scoring.py --repeats 7 --chunk-mb 8 32 128 --torch

Usage::

    python benchmarks/bench_scoring.py [--repeats 5] [--chunk-mb 8 32 128] [--threads 2]
        [--topk-shape 5000 100000 384 100] [--torch] [--kernel auto|numpy]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

N_IMAGES, N_CAPTIONS, DIM, SEED = 5_000, 25_010, 768, 0


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="timed runs per chunk size (>= 1)")
    p.add_argument("--chunk-mb", type=float, nargs="+", default=[32.0], help="chunk sizes, MB")
    p.add_argument("--threads", type=int, default=None, help="BLAS threads (default: all)")
    p.add_argument(
        "--kernel",
        choices=["auto", "numpy"],
        default="auto",
        help="exact pass: the C kernel when built (auto) or the numpy pass",
    )
    p.add_argument(
        "--topk-shape",
        type=int,
        nargs=4,
        default=[5_000, 100_000, 384, 100],
        metavar=("Q", "N", "D", "K"),
        help="dense_topk problem (0 0 0 0: skip)",
    )
    p.add_argument(
        "--torch", action="store_true", help="also time the bare pass in torch (informational)"
    )
    return p.parse_args()


ARGS = _args()
if ARGS.threads is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)

from embedlab.metrics.retrieval import retrieval_metrics  # noqa: E402
from embedlab.perf.machine import cpu_snapshot, interference, load_average  # noqa: E402
from embedlab.scoring import _fused_pass, _rank_pass  # noqa: E402
from embedlab.scoring import dense_topk as topk_module  # noqa: E402
from embedlab.scoring._parallel import (  # noqa: E402
    TilePool,
    single_threaded_blas,
    worker_count,
)
from embedlab.scoring.retrieval import RETRIEVAL_PROTOCOLS, rank_retrieval  # noqa: E402
from embedlab.scoring.retrieval import rows_per_chunk as rows_for  # noqa: E402


def make_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    per_image = np.full(N_IMAGES, 5)
    per_image[rng.choice(N_IMAGES, N_CAPTIONS - 5 * N_IMAGES, replace=False)] = 6
    caption_image = rng.permutation(np.repeat(np.arange(N_IMAGES), per_image))
    text = rng.standard_normal((N_CAPTIONS, DIM), dtype=np.float32)
    image = rng.standard_normal((N_IMAGES, DIM), dtype=np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    image /= np.linalg.norm(image, axis=1, keepdims=True)
    return text, image, caption_image


def rank_and_score(text: np.ndarray, image: np.ndarray, cap: np.ndarray, chunk_mb: float) -> Any:
    ranks = rank_retrieval(text, image, cap, chunk_mb=chunk_mb)
    return {name: retrieval_metrics(ranks.get(name).ranks) for name in RETRIEVAL_PROTOCOLS}


def gemm_pass(text: np.ndarray, image: np.ndarray, chunk_mb: float) -> None:
    """Bare pass, one chunk after another, each product on all BLAS threads."""
    step = rows_for(image.shape[0], chunk_mb)
    out, image_t = np.empty((step, image.shape[0]), dtype=np.float32), image.T
    for a in range(0, text.shape[0], step):
        np.matmul(text[a : a + step], image_t, out=out[: min(step, text.shape[0] - a)])


def gemm_pass_per_thread(text: np.ndarray, image: np.ndarray, chunk_mb: float) -> None:
    """Bare pass with whole chunks spread over the threads, each product on one BLAS thread
    (the exact pass's schedule, ``embedlab.scoring._parallel``); all-threads without
    ``threadpoolctl``."""
    step = rows_for(image.shape[0], chunk_mb)
    with TilePool(worker_count()) as pool, single_threaded_blas() as limited:
        if not limited:
            gemm_pass(text, image, chunk_mb)
            return
        outs = [np.empty((step, image.shape[0]), dtype=np.float32) for _ in range(pool.n_threads)]

        def chunk(a: int, thread: int) -> None:
            rows = text[a : a + step]
            np.matmul(rows, image.T, out=outs[thread][: rows.shape[0]])

        pool.run([partial(chunk, a) for a in range(0, text.shape[0], step)])


def torch_gemm_pass(text: np.ndarray, image: np.ndarray, chunk_mb: float) -> None:
    """The bare pass in torch (informational, ``--torch``): ``torch.mm`` into one buffer."""
    import torch

    step = rows_for(image.shape[0], chunk_mb)
    t, v = torch.from_numpy(text), torch.from_numpy(image)
    out = torch.empty((step, image.shape[0]), dtype=torch.float32)
    for a in range(0, text.shape[0], step):
        rows = t[a : a + step]
        torch.mm(rows, v.T, out=out[: rows.shape[0]])


def make_topk_data(n_q: int, n_docs: int, dim: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    q = rng.standard_normal((n_q, dim), dtype=np.float32)
    c = rng.standard_normal((n_docs, dim), dtype=np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    return q, c


def topk_gemm_pass(q: np.ndarray, c: np.ndarray, k: int) -> None:
    """The GEMM blocks of ``dense_topk`` (same block sizes), into one reused buffer."""
    block_q = max(1, min(len(q), topk_module.QUERY_BLOCK))
    wanted = int(topk_module.DEFAULT_CHUNK_MB * 2**20) // (4 * block_q)
    block_c = min(len(c), max(k + 1, wanted))
    buffer = np.empty(block_q * block_c, dtype=np.float32)
    for lo in range(0, len(q), block_q):
        rows = q[lo : lo + block_q]
        for start in range(0, len(c), block_c):
            docs = c[start : start + block_c]
            np.matmul(rows, docs.T, out=buffer[: len(rows) * len(docs)].reshape(len(rows), -1))


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        line = next(x for x in f if x.startswith(field + ":"))
    return int(line.split()[1])


def peak_memory_mb(fn: Callable[[], object]) -> tuple[float, float]:
    """(tracemalloc peak, RSS high-water growth) of one call, in MB."""
    base_rss = _status_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        sampler = None
    except OSError:
        sampler = _RssSampler()
    tracemalloc.start()
    fn()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak_rss = _status_kb("VmHWM") if sampler is None else sampler.stop()
    return traced / 2**20, max(0, peak_rss - base_rss) / 1024


class _RssSampler:
    def __init__(self) -> None:
        self.peak, self._done = _status_kb("VmRSS"), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.002):
            self.peak = max(self.peak, _status_kb("VmRSS"))

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def alternate(
    bases: dict[str, Callable[[], object]], exact: Callable[[], object], repeats: int
) -> dict[str, np.ndarray]:
    """Wall seconds of every bare pass in ``bases`` and of ``exact``, called in turn ``repeats``
    times (after one warm-up call of each), with CPU seconds of ``exact`` and other processes'
    cores. ``base`` is each round's fastest bare pass among the names not starting with
    ``torch`` (module docstring)."""
    for fn in (*bases.values(), exact):
        fn()  # warm-up: page faults, BLAS thread start
    out: dict[str, list[float]] = {n: [] for n in (*bases, "exact", "cpu", "other")}
    for _ in range(repeats):
        for name, fn in (*bases.items(), ("exact", exact)):
            before, c0 = cpu_snapshot(), time.process_time()
            fn()
            after = cpu_snapshot()
            out[name].append(after.wall - before.wall)
            if name == "exact":
                out["cpu"].append(time.process_time() - c0)
            other = interference(before, after).other_cores
            out["other"].append(float("nan") if other is None else other)
    got = {name: np.array(values) for name, values in out.items()}
    numpy_bases = [got[n] for n in bases if not n.startswith("torch")]
    got["base"] = np.min(np.stack(numpy_bases), axis=0)
    return got


def _row(label: str, t: dict[str, np.ndarray], traced: float, rss: float) -> str:
    base, exact = t["base"], t["exact"]
    return (
        f"| {label} | {base.min():.3f} | {exact.min():.3f} | {np.median(exact):.3f} "
        f"| **{exact.min() / base.min():.3f}** | {np.median(exact) / np.median(base):.3f} "
        f"| {t['cpu'].min():.3f} | {np.nanmedian(t['other']):.2f} | {traced:.0f} | {rss:.0f} |"
    )


def _bases_note(t: dict[str, np.ndarray], names: list[str]) -> str:
    """Each bare pass's minimum, and exact / that pass (torch's: informational)."""
    best = t["exact"].min()
    parts = [f"{n} {t[n].min():.3f} s (exact / it {best / t[n].min():.3f})" for n in names]
    return "bare passes (min): " + "; ".join(parts)


def _limit_threads() -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=ARGS.threads) if ARGS.threads is not None else None


def _blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return ",".join(f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info())


_HEADER = (
    "| {what} | GEMM pass min s | exact min s | exact median s | ratio (min) | ratio (median) "
    "| exact CPU s (min) | other procs' cores (median) | tracemalloc peak MB | RSS growth MB |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def _retrieval_table() -> None:
    text, image, cap = make_data()
    print(f"## rank_retrieval + metrics: {N_CAPTIONS} captions x {N_IMAGES} images, D = {DIM}\n")
    print(_HEADER.format(what="chunk MB (rows/chunk)"))
    notes = []
    for chunk_mb in ARGS.chunk_mb:
        run = partial(rank_and_score, text, image, cap, chunk_mb)
        bases: dict[str, Callable[[], object]] = {}
        if ARGS.torch:  # first: its OpenMP threads are idle again before the exact run
            bases["torch GEMM"] = partial(torch_gemm_pass, text, image, chunk_mb)
        bases["GEMM all-threads"] = partial(gemm_pass, text, image, chunk_mb)
        bases["GEMM chunk/thread"] = partial(gemm_pass_per_thread, text, image, chunk_mb)
        times = alternate(bases, run, ARGS.repeats)
        traced, rss = peak_memory_mb(run)
        print(_row(f"{chunk_mb:g} ({rows_for(N_IMAGES, chunk_mb)})", times, traced, rss))
        notes.append(f"# {chunk_mb:g} MB: {_bases_note(times, list(bases))}")
    print("\n" + "\n".join(notes))


def _topk_table() -> None:
    n_q, n_docs, dim, k = ARGS.topk_shape
    if min(n_q, n_docs, dim, k) < 1:
        return
    q, c = make_topk_data(n_q, n_docs, dim)
    chunk = topk_module.DEFAULT_CHUNK_MB
    print(f"\n## dense_topk: {n_q} queries x {n_docs} documents, D = {dim}, k = {k}\n")
    print(_HEADER.format(what="chunk MB"))
    run = partial(topk_module.dense_topk, q, c, k)
    times = alternate({"GEMM": partial(topk_gemm_pass, q, c, k)}, run, ARGS.repeats)
    traced, rss = peak_memory_mb(run)
    print(_row(f"{chunk:g}", times, traced, rss))


def main() -> int:
    if ARGS.repeats < 1:
        sys.exit("--repeats must be >= 1")
    limiter = _limit_threads()
    if ARGS.kernel == "numpy":
        _rank_pass.usable = lambda n_rows: False  # type: ignore[assignment]
    kernel = "numpy" if ARGS.kernel == "numpy" else _fused_pass.kernel_description()
    print(
        f"# exact pass: {kernel}; BLAS threads {_blas_threads()}; "
        f"scoring threads {worker_count()}; "
        f"load average before: {load_average()}"
    )
    print(
        "# ratio = exact / fastest numpy bare GEMM pass, timed alternately; "
        "target (issue 11) <= 1.15\n"
    )
    _retrieval_table()
    _topk_table()
    print(f"\n# load average after: {load_average()} (other processes skew timings)")
    if limiter is not None:
        limiter.restore_original_limits()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
