"""Threads for the element-wise work of the scoring passes (internal).

The BLAS runs each matrix product on all its threads, but numpy's element-wise work that follows
(comparisons, reductions, ``argpartition``, gathers) runs on one core. numpy releases the GIL
inside those loops, so :class:`TilePool` spreads that work over a few threads: the work is cut
into independent tasks (e.g. disjoint row ranges, "tiles") and every thread pulls the next task
from a shared iterator until none is left (dynamic, so a core that another process is using
slows only its own share). A task gets the index of the thread running it, so each thread can
own its scratch buffers and accumulators; results never depend on which thread ran which task.

Thread count (:func:`worker_count`): the BLAS thread count requested through the environment
(the first positive integer among ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``), capped by the CPUs this process may use (``os.sched_getaffinity``);
without such a variable, the usable CPUs.

Whole-product parallelism (:func:`single_threaded_blas`): a pass whose matrix products are
independent (one per chunk) can instead run each product on one BLAS thread, several products at
once on the pool's threads. Every product then keeps its exact shape and inputs, and a BLAS
computes each element of a product the same way whatever its thread count (it splits the rows
and columns of the output among threads, never the summed dimension), so the values are the
same. It also avoids a multi-threaded BLAS whose idle threads keep spinning for a while after
each product, taking the core the element-wise work would use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from types import TracebackType

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: ``task(thread_index)``: one independent piece of work.
Task = Callable[[int], None]


def worker_count() -> int:
    """Threads for element-wise work (module docstring), at least 1."""
    has_affinity = hasattr(os, "sched_getaffinity")
    cpus = len(os.sched_getaffinity(0)) if has_affinity else (os.cpu_count() or 1)
    for name in _THREAD_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            return max(1, min(cpus, int(value)))
    return max(1, cpus)


@contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Limit the BLAS to one thread inside the block; yields whether that was possible.

    Uses ``threadpoolctl`` (imported here, optional); without it nothing changes and ``False``
    is yielded. The limit is process-wide while the block runs.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield False
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield True


class TilePool:
    """A fixed set of ``n_threads`` threads (the caller's thread is thread 0).

    Use as a context manager; :meth:`run` may be called any number of times inside it.
    """

    def __init__(self, n_threads: int) -> None:
        self.n_threads = max(1, int(n_threads))
        self._executor: ThreadPoolExecutor | None = None

    def __enter__(self) -> TilePool:
        if self.n_threads > 1:
            self._executor = ThreadPoolExecutor(self.n_threads - 1, "embedlab-scoring")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def run(self, tasks: Sequence[Task]) -> None:
        """Call every ``task(thread)`` once; returns when all are done.

        An exception in any task stops the others from taking new tasks and is re-raised.
        """
        n_threads = min(self.n_threads, len(tasks))
        if self._executor is None or n_threads <= 1:
            for task in tasks:
                task(0)
            return
        lock, failed, source = threading.Lock(), threading.Event(), iter(tasks)

        def drain(thread: int) -> None:
            while not failed.is_set():
                with lock:
                    task = next(source, None)
                if task is None:
                    return
                try:
                    task(thread)
                except BaseException:
                    failed.set()
                    raise

        others: list[Future[None]] = [self._executor.submit(drain, t) for t in range(1, n_threads)]
        try:
            drain(0)
        finally:
            for future in others:
                future.exception()  # wait for every thread before raising anything
        for future in others:
            future.result()


def row_blocks(n_rows: int, rows: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges of at most ``rows`` rows covering ``0..n_rows-1``."""
    step = max(1, rows)
    return [(a, min(a + step, n_rows)) for a in range(0, n_rows, step)]


def balanced_blocks(start: int, stop: int, rows: int) -> list[tuple[int, int]]:
    """``(a, b)`` ranges of at most ``rows`` rows covering ``start..stop-1``, as equal as possible.

    Balancing avoids a tiny last block (a BLAS may use another kernel for 1 or 2 rows).
    """
    step = max(1, rows)
    n_blocks = -(-(stop - start) // step)
    size = stop - start
    return [
        (start + k * size // n_blocks, start + (k + 1) * size // n_blocks) for k in range(n_blocks)
    ]
