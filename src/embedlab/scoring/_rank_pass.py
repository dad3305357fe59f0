"""The one chunked GEMM pass behind :mod:`embedlab.scoring.retrieval` (internal).

Where the optional C kernel is built, :func:`run_pass` hands the pass to
:mod:`embedlab.scoring._fused_pass` (same ranks, less work per score); what follows is the
numpy pass, used otherwise.

Pass rows are captions ordered so that rows ``0..Ni-1`` are the first captions (row ``j`` is the
first caption of image ``j``) followed by the other captions. For each row chunk
``S = T[a:b] @ V.T`` (float32, the only score values ever used; the chunk's caption rows are
gathered into one buffer first, so the caption matrix is never copied whole):

* row ranks (``t2i``): ``rank_c = #{i : S[c, i] >= S[c, img(c)]}``, which counts the positive
  itself once, so ``rank_c = 1 + #{negatives >= positive}``;
* positives are then set to ``-inf`` and the chunk feeds two
  :class:`~embedlab.scoring._deferred.DeferredColumnCount`: all rows for ``i2t`` (threshold
  ``tau_j = max_{c in j} S[c, j]``) and the first ``Ni`` rows for ``i2t-symmetric``
  (threshold ``S[j, j]``).

That element-wise work is done tile by tile (:mod:`embedlab.scoring._rank_tiles`). Threads
(as many as the BLAS would use, :mod:`embedlab.scoring._parallel`): each thread takes whole
chunks, computes the product on one BLAS thread and then processes its tiles, with its own
buffers and column counters (summed at the end). Fallback when the BLAS cannot be limited
(``threadpoolctl`` missing): one chunk at a time, product on all BLAS threads, its tiles spread
over the threads. The brackets around each threshold come from :mod:`embedlab.scoring._bounds`.

Chunks: balanced row ranges of at most ``rows_per_chunk`` rows that never straddle the
first-caption block (the same GEMM shapes whatever the thread count or path, so the same values).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import numpy as np
from numpy.typing import NDArray

from embedlab.scoring._bounds import bracket, margins, positive_estimates
from embedlab.scoring._deferred import DeferredColumnCount
from embedlab.scoring._fused_pass import fused_pass, needs_row_bounds, usable
from embedlab.scoring._parallel import (
    Task,
    TilePool,
    balanced_blocks,
    row_blocks,
    single_threaded_blas,
    worker_count,
)
from embedlab.scoring._pass_io import PassInput, PassOutput
from embedlab.scoring._rank_tiles import RowTargets, TileWorker, tile_rows

__all__ = ["PassInput", "PassOutput", "bracket", "run_pass"]

#: Caption rows per gather task (768-dim float32: 0.75 MB).
GATHER_ROWS = 256


def _chunks(n_first: int, n_rows: int, step: int) -> Iterator[tuple[int, int]]:
    """Balanced row ranges of at most ``step`` rows that never straddle the first-caption block."""
    for start, stop in ((0, n_first), (n_first, n_rows)):
        yield from balanced_blocks(start, stop, step)


def _max_per_image(
    values: NDArray[np.float64], image_of_row: NDArray[np.intp], n_img: int
) -> NDArray[np.float64]:
    out = np.full(n_img, -np.inf)
    np.maximum.at(out, image_of_row, values)
    return out


def _counters(
    inp: PassInput,
    pool: TilePool,
    *,
    i2t: bool,
    symmetric: bool,
    approx_text: NDArray[np.float32] | None = None,
) -> tuple[DeferredColumnCount | None, DeferredColumnCount | None]:
    """Column counters with their brackets (:mod:`embedlab.scoring._bounds`); ``approx_text``:
    the positive-score estimates in text order, if already computed."""
    if not (i2t or symmetric):
        return None, None
    if approx_text is None:
        approx_text = positive_estimates(inp.text, inp.image, inp.image_of_text, pool)
    approx = inp.in_pass_order(approx_text).astype(np.float64)
    image_of_row = inp.in_pass_order(inp.image_of_text)
    norms = inp.in_pass_order(inp.text_norm)
    margin = margins(norms, inp.image_norm[image_of_row], inp.text.shape[1])
    n_img = inp.image.shape[0]
    col_i2t = col_sym = None
    if i2t:
        by_image = (
            _max_per_image(approx, image_of_row, n_img),
            _max_per_image(margin, image_of_row, n_img),
        )
        col_i2t = DeferredColumnCount(*bracket(*by_image))
    if symmetric:
        col_sym = DeferredColumnCount(*bracket(approx[:n_img], margin[:n_img]))
    return col_i2t, col_sym


def _workers(
    n: int,
    rows: int,
    n_img: int,
    targets: RowTargets,
    counters: tuple[DeferredColumnCount | None, DeferredColumnCount | None],
) -> list[TileWorker]:
    """One worker per thread; thread 0 uses ``counters`` themselves, the others forks."""
    col_i2t, col_sym = counters
    out = [TileWorker(rows, n_img, targets, col_i2t, col_sym)]
    for _ in range(1, n):
        fork_i2t = None if col_i2t is None else col_i2t.fork()
        fork_sym = None if col_sym is None else col_sym.fork()
        out.append(TileWorker(rows, n_img, targets, fork_i2t, fork_sym))
    return out


def _score_tile(
    workers: list[TileWorker], scores: NDArray[np.float32], row0: int, a: int, b: int, thread: int
) -> None:
    workers[thread].score(scores[a:b], row0 + a)


def _gather(
    inp: PassInput, rows: NDArray[np.intp], out: NDArray[np.float32], a: int, b: int, _t: int
) -> None:
    np.take(inp.text, rows[a:b], axis=0, out=out[a:b], mode="clip")  # rows are valid


def _gather_tasks(
    inp: PassInput, chunk: tuple[int, int], out: NDArray[np.float32] | None
) -> list[Task]:
    """Tasks copying the caption rows of pass rows ``chunk`` into ``out`` (if rows are gathered)."""
    if inp.row_source is None or out is None:
        return []
    rows = inp.row_source[chunk[0] : chunk[1]]
    blocks = row_blocks(chunk[1] - chunk[0], GATHER_ROWS)
    return [partial(_gather, inp, rows, out, a, b) for a, b in blocks]


def run_pass(
    inp: PassInput,
    rows_per_chunk: int,
    *,
    rows: bool,
    i2t: bool,
    symmetric: bool,
    fused: bool | None = None,
) -> PassOutput:
    """Score all rows against all images once, chunk by chunk, and return the requested ranks.

    ``fused``: use the C kernel (:mod:`embedlab.scoring._fused_pass`); ``None``: when it is
    built. Both give the same ranks.

    Working memory per thread: ``rows_per_chunk * (4 Ni + 4 D)`` bytes (float32 scores and
    gathered caption rows) and ``t * Ni * 2`` bytes of masks for tiles of ``t`` rows, plus the
    kept band scores (12 bytes each, a small fraction of ``Nc * Ni``); the fallback (module
    docstring) holds one chunk in all. The fused pass holds about half a chunk of scores per
    thread.
    """
    n_img = inp.image.shape[0]
    n_rows = inp.text.shape[0] if inp.row_source is None else inp.row_source.shape[0]
    step = max(1, min(rows_per_chunk, n_rows))
    with TilePool(worker_count()) as pool:
        if usable(n_rows) if fused is None else fused:
            approx = None
            if i2t or symmetric or needs_row_bounds(n_img, rows):
                approx = positive_estimates(inp.text, inp.image, inp.image_of_text, pool)
            counters = _counters(inp, pool, i2t=i2t, symmetric=symmetric, approx_text=approx)
            return fused_pass(inp, step, pool, counters, approx, rows=rows)
        targets = RowTargets(
            image_of_row=inp.in_pass_order(inp.image_of_text),
            positive=np.empty(n_rows, dtype=np.float32),
            row_ranks=np.empty(n_rows, dtype=np.int64) if rows else None,
            n_first=n_img,
        )
        chunks = list(_chunks(n_img, n_rows, step))
        counters = _counters(inp, pool, i2t=i2t, symmetric=symmetric)
        workers = _workers(pool.n_threads, tile_rows(n_img), n_img, targets, counters)
        with single_threaded_blas() as whole_chunks:
            if whole_chunks:
                _chunk_parallel(inp, chunks, step, pool, workers)
        if not whole_chunks:
            _tile_parallel(inp, chunks, step, pool, workers)
    col_i2t, col_sym = counters
    for w in workers[1:]:
        if col_i2t is not None and w.col_i2t is not None:
            col_i2t.absorb(w.col_i2t)
        if col_sym is not None and w.col_sym is not None:
            col_sym.absorb(w.col_sym)
    return PassOutput(
        row_ranks=targets.row_ranks,
        i2t=None if col_i2t is None else 1 + col_i2t.counts(_tau_i2t(targets, n_img)),
        i2t_symmetric=None if col_sym is None else 1 + col_sym.counts(targets.positive[:n_img]),
    )


class _ChunkBuffers:
    """One thread's score chunk and gathered caption rows (``None`` when rows are in order)."""

    def __init__(self, inp: PassInput, step: int) -> None:
        self.scores = np.empty((step, inp.image.shape[0]), dtype=np.float32)
        self.gathered = None
        if inp.row_source is not None:
            self.gathered = np.empty((step, inp.text.shape[1]), dtype=np.float32)

    def product(self, inp: PassInput, a: int, b: int) -> NDArray[np.float32]:
        """``S = T[a:b] @ V.T`` for pass rows ``a..b-1``, in :attr:`scores`."""
        if self.gathered is None or inp.row_source is None:
            source = inp.text[a:b]
        else:
            source = self.gathered[: b - a]
            np.take(inp.text, inp.row_source[a:b], axis=0, out=source, mode="clip")
        return np.matmul(source, inp.image.T, out=self.scores[: b - a])


def _whole_chunk(
    inp: PassInput,
    buffers: list[_ChunkBuffers],
    workers: list[TileWorker],
    a: int,
    b: int,
    thread: int,
) -> None:
    chunk = buffers[thread].product(inp, a, b)
    for t0, t1 in row_blocks(b - a, workers[thread].rows):
        workers[thread].score(chunk[t0:t1], a + t0)


def _chunk_parallel(
    inp: PassInput,
    chunks: list[tuple[int, int]],
    step: int,
    pool: TilePool,
    workers: list[TileWorker],
) -> None:
    """Each thread takes whole chunks: product (one BLAS thread), then its tiles."""
    buffers = [_ChunkBuffers(inp, step) for _ in range(min(pool.n_threads, len(chunks)))]
    pool.run([partial(_whole_chunk, inp, buffers, workers, a, b) for a, b in chunks])


def _tile_parallel(
    inp: PassInput,
    chunks: list[tuple[int, int]],
    step: int,
    pool: TilePool,
    workers: list[TileWorker],
) -> None:
    """One chunk at a time: product on all BLAS threads, then its tiles on all pool threads."""
    buffers = _ChunkBuffers(inp, step)
    gathered = buffers.gathered
    pool.run(_gather_tasks(inp, chunks[0], gathered))
    image_t, tile = inp.image.T, workers[0].rows
    for k, (a, b) in enumerate(chunks):
        source = inp.text[a:b] if gathered is None else gathered[: b - a]
        chunk = np.matmul(source, image_t, out=buffers.scores[: b - a])
        tasks: list[Task] = [
            partial(_score_tile, workers, chunk, a, t0, t1) for t0, t1 in row_blocks(b - a, tile)
        ]
        if k + 1 < len(chunks):  # the GEMM has read ``gathered``: refill it meanwhile
            tasks += _gather_tasks(inp, chunks[k + 1], gathered)
        pool.run(tasks)


def _tau_i2t(targets: RowTargets, n_img: int) -> NDArray[np.float32]:
    """Exact i2t thresholds: ``tau_j = max`` of the GEMM positive scores of image ``j``."""
    tau = np.full(n_img, -np.inf, dtype=np.float32)
    np.maximum.at(tau, targets.image_of_row, targets.positive)
    return tau
