"""Time exact retrieval ranking + metrics at COCO-Karpathy-test scale.

Problem: 25,010 captions x 5,000 images, D = 768, seeded random unit vectors; 4,990 images
have 5 captions and 10 have 6 (exactly 25,010), in shuffled order. The timed region is
``rank_retrieval`` (all four protocols, one chunked GEMM pass) plus ``retrieval_metrics`` for
each protocol; creating the embeddings is not timed. For context the script also times the
bare float32 GEMM pass over the same chunks (the floor of any exact method).

Threads: ``--threads N`` sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and
``MKL_NUM_THREADS`` before numpy is imported, and also applies ``threadpoolctl`` limits when
that package is installed. Without the flag the BLAS default (all cores) is used.

Memory: tracemalloc peak (numpy reports its buffers to tracemalloc) and the RSS high-water
mark growth (``/proc/self/status`` VmHWM after resetting it through ``/proc/self/clear_refs``;
sampled VmRSS if that reset is not allowed), both relative to the state before a run.

Usage::

    python benchmarks/bench_scoring.py [--repeats 5] [--chunk-mb 8 32 128] [--threads 2]
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
    return p.parse_args()


ARGS = _args()
if ARGS.threads is not None:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)

from embedlab.metrics.retrieval import retrieval_metrics  # noqa: E402
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
    step = rows_for(image.shape[0], chunk_mb)
    out, image_t = np.empty((step, image.shape[0]), dtype=np.float32), image.T
    for a in range(0, text.shape[0], step):
        np.matmul(text[a : a + step], image_t, out=out[: min(step, text.shape[0] - a)])


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


def timings(fn: Callable[[], object], repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """Wall and CPU (all threads) seconds of ``repeats`` calls after one warm-up call."""
    fn()  # warm-up: page faults, BLAS thread start
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return np.array(wall), np.array(cpu)


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


def main() -> int:
    if ARGS.repeats < 1:
        sys.exit("--repeats must be >= 1")
    limiter = _limit_threads()
    text, image, cap = make_data()
    print(f"# {N_CAPTIONS} captions x {N_IMAGES} images, D = {DIM}; BLAS threads {_blas_threads()}")
    print(f"# load average before: {os.getloadavg()[0]:.2f} (other processes skew timings)\n")
    print(
        "| chunk MB | rows/chunk | GEMM pass min s | rank+metrics min s | median s | p90 s "
        "| CPU s (min) | tracemalloc peak MB | RSS growth MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for chunk_mb in ARGS.chunk_mb:
        run = partial(rank_and_score, text, image, cap, chunk_mb)
        gemm, _ = timings(partial(gemm_pass, text, image, chunk_mb), ARGS.repeats)
        wall, cpu = timings(run, ARGS.repeats)
        traced, rss = peak_memory_mb(run)
        print(
            f"| {chunk_mb:g} | {rows_for(N_IMAGES, chunk_mb)} | {gemm.min():.3f} "
            f"| {wall.min():.3f} | {np.median(wall):.3f} | {np.quantile(wall, 0.9):.3f} "
            f"| {cpu.min():.3f} | {traced:.0f} | {rss:.0f} |"
        )
    print(f"\n# load average after: {os.getloadavg()[0]:.2f}")
    if limiter is not None:
        limiter.restore_original_limits()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
