"""Decoding and preprocessing images in worker processes, in order, with bounded prefetch.

:class:`DecodePool` is a context manager over a :class:`~concurrent.futures.ProcessPoolExecutor`
whose workers run :func:`~embedlab.embedding.decode_worker.chunk_pixels` (Pillow decode +
:class:`~embedlab.models.pixel_recipe.PixelRecipe`, no torch): processes, not threads, because
Pillow holds the GIL in parts of decoding and resizing and the model's forward pass competes for
the same interpreter. Each batch is split into chunks of at most ``CHUNK`` files; at most
``prefetch`` batches are in flight (submitted or done, not yet consumed), so memory stays at
about ``prefetch × batch × 3·H·W·4`` bytes however long the list; :meth:`batches` yields each
batch's pixels in input order.

Workers start with ``forkserver`` (``spawn`` where that does not exist): a fork of the parent
after torch has started its thread pools can deadlock in the child (a lock held by a thread
that does not exist there), while the fork server is a fresh interpreter that has imported only
:mod:`embedlab.embedding.decode_worker`; forking workers from it is cheap and safe. The fork
server and the resource tracker are multiprocessing's, one per parent process, ending with it;
workers ignore Ctrl-C (the parent's interrupt leaves the ``with`` block, which joins them).
Workers need nothing from ``__main__``, so a script's path is hidden from multiprocessing while
they start (:func:`_without_main_script`): it would otherwise re-run the top level of the
parent's script in every worker (an unguarded script would recurse; the ``embedlab`` console
script would import the CLI in each).

Errors: a file that cannot be decoded raises the worker's one-line :class:`DataError` naming it
(in batch order); a worker that dies (killed, out of memory, a decoder crash) raises a
:class:`DataError` naming the files it was decoding. Leaving the ``with`` block — normally or by
an error — cancels queued work, waits for running chunks and joins every worker process.
Pickling here is multiprocessing's own transport between this process and its workers of plain
values (path strings, the recipe, float32 arrays); nothing read from disk is unpickled.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from embedlab.embedding.decode_worker import chunk_pixels, ignore_interrupts
from embedlab.errors import DataError
from embedlab.models.pixel_recipe import PixelRecipe

#: Files per worker task: small enough to spread a batch over the workers, large enough that
#: the per-task overhead (a queue round trip) stays well under the decode time.
CHUNK = 16
WORKER_MODULE = "embedlab.embedding.decode_worker"

Batch = list[Path]
Pending = tuple[Batch, list[Future[NDArray[np.float32]]], list[list[str]]]


def start_method() -> str:
    """``forkserver`` where the platform has it, else ``spawn`` (never plain ``fork``)."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class DecodePool:
    """``workers`` processes turning batches of image paths into pixel arrays (see module)."""

    def __init__(
        self, workers: int, recipe: PixelRecipe, *, fast: bool = False, prefetch: int = 2
    ) -> None:
        self.workers = max(1, workers)
        self.recipe = recipe
        self.fast = fast
        self.prefetch = max(1, prefetch)
        self._executor: ProcessPoolExecutor | None = None
        self._queue: deque[Batch] = deque()
        self._pending: deque[Pending] = deque()

    def __enter__(self) -> DecodePool:
        context = multiprocessing.get_context(start_method())
        if start_method() == "forkserver":
            context.set_forkserver_preload([WORKER_MODULE])
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=ignore_interrupts
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Cancel queued chunks, wait for running ones and join every worker (idempotent)."""
        executor, self._executor = self._executor, None
        self._queue.clear()
        self._pending.clear()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and diagnostics)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    def submit(self, batches: Sequence[Batch]) -> None:
        """Queue ``batches`` (after any queued before) and start on the first ``prefetch``."""
        self._queue.extend(list(b) for b in batches)
        self._top_up()

    def batches(self, count: int) -> Iterator[NDArray[np.float32]]:
        """The next ``count`` submitted batches' pixels, float32 ``(n, 3, H, W)``, in order."""
        for _ in range(count):
            if not self._pending:
                raise RuntimeError("DecodePool.batches asked for more batches than submitted")
            _, futures, chunks = self._pending.popleft()
            arrays = [
                self._result(future, chunk) for future, chunk in zip(futures, chunks, strict=True)
            ]
            self._top_up()
            yield arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=0)

    def _top_up(self) -> None:
        if self._executor is None:
            raise RuntimeError("DecodePool used outside its with block")
        while self._queue and len(self._pending) < self.prefetch:
            batch = self._queue.popleft()
            names = [str(p) for p in batch]
            chunks = [names[i : i + CHUNK] for i in range(0, len(names), CHUNK)]
            with _without_main_script():  # a submit may start a worker
                futures = [
                    self._executor.submit(chunk_pixels, chunk, self.recipe, self.fast)
                    for chunk in chunks
                ]
            self._pending.append((batch, futures, chunks))

    @staticmethod
    def _result(future: Future[NDArray[np.float32]], chunk: list[str]) -> NDArray[np.float32]:
        try:
            return future.result()
        except DataError as exc:  # the worker's one line, without its remote traceback
            raise DataError(str(exc)) from None
        except BrokenProcessPool:
            where = chunk[0] if len(chunk) == 1 else f"{chunk[0]} … {chunk[-1]}"
            raise DataError(
                f"an image decoding worker process died (killed, out of memory, or a decoder "
                f"crash) while decoding {where}; check those files, or re-run with "
                "--workers 1"
            ) from None


@contextmanager
def _without_main_script() -> Iterator[None]:
    """Hide ``__main__.__file__`` of a script run as ``python script.py`` while workers start."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path
