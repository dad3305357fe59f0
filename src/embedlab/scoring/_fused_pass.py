"""The retrieval rank pass with the fused C kernel (internal; numpy path: :mod:`._rank_pass`).

Same ranks as the numpy pass, with less work after each matrix product. Rows are the captions
in *text order* (no gathering). The image columns are cut into :func:`column_parts` ranges, a
number fixed by ``Ni`` alone, so every product has a shape that does not depend on the thread
count (a BLAS may round a product differently by shape, never by its thread count:
:mod:`embedlab.scoring._parallel`). The work is one task per (chunk of at most
``rows_per_chunk`` caption rows, column range), taken by the scoring threads as they come free
(a thread slowed by another process takes fewer). A task computes its block
``S = T[a:b] @ V[c0:c1].T`` on one BLAS thread (two such blocks at once run as fast here as one
product on all BLAS threads, and no idle BLAS thread spins meanwhile) and at once scans it, while
it is still in the core's cache, with :func:`embedlab.scoring._rank_kernel.scan` (one read per
score):

* rows whose positive ``g_c = S[c, img(c)]`` is in the block: ``g_c`` and
  ``#{j in block : S[c, j] >= g_c}`` (the positive counts itself once);
* the other rows: ``g_c`` is computed by another task, so the count is split around a bracket
  ``lo_c <= g_c <= hi_c`` known before the pass (:mod:`embedlab.scoring._bounds`):
  ``#{S >= hi_c}`` now, the few band scores ``lo_c <= S < hi_c`` kept and compared with the
  exact ``g_c`` after the last task (:class:`~embedlab.scoring._deferred.DeferredColumnCount`
  over rows, which also checks the bracket);
* for the block's columns, the ``i2t`` counter (every row) and the ``i2t-symmetric`` counter
  (first captions): scores ``>= hi_j`` counted, band scores kept, the row's own positive
  excluded (resolved against the exact thresholds after the last task, the same way).

Each thread has its own score buffer, row counts, column counts (int32) and band lists, summed
at the end, so results do not depend on which thread ran which task. Without a way to limit the
BLAS to one thread, the tasks run one after another on all BLAS threads (same shapes, same
results).

The kernel is an optional C extension (``src/embedlab/scoring/_rank_kernel.c``, built by
``pip install``); :func:`kernel` is ``None`` when it was not built.
"""

from __future__ import annotations

from functools import partial
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import BackendError
from embedlab.scoring._bounds import bracket, margins
from embedlab.scoring._deferred import DeferredColumnCount
from embedlab.scoring._parallel import TilePool, balanced_blocks, single_threaded_blas
from embedlab.scoring._pass_io import PassInput, PassOutput

#: Entries per band list: room for several rows of scores in the band.
BAND_ENTRIES = 1 << 16
_INT32_ROWS = 2**31 - 1


def kernel() -> ModuleType | None:
    """The compiled ``_rank_kernel`` module, or ``None`` if it was not built."""
    try:
        from embedlab.scoring import _rank_kernel
    except ImportError:
        return None
    return _rank_kernel


def kernel_description() -> str:
    """What exact retrieval ranking runs with, e.g. ``C kernel (avx512f)`` or ``numpy``."""
    module = kernel()
    return "numpy" if module is None else f"C kernel ({module.isa()})"


def usable(n_rows: int) -> bool:
    """Whether the kernel is built and its int32 column counts can hold ``n_rows`` rows."""
    return n_rows <= _INT32_ROWS and kernel() is not None


#: Fewest images for two column ranges (below: one range, as the numpy pass).
SPLIT_MIN_COLUMNS = 256


def column_parts(n_img: int) -> list[tuple[int, int]]:
    """Column ranges of the products: two halves (the first a multiple of 64 wide) when
    ``n_img >= SPLIT_MIN_COLUMNS``, else one."""
    if n_img < SPLIT_MIN_COLUMNS:
        return [(0, n_img)]
    half = -(-n_img // 128) * 64
    return [(0, half), (half, n_img)]


class _Part:
    """One column range ``[c0, c1)``: its image rows, its positives' columns, its bounds."""

    def __init__(
        self,
        inp: PassInput,
        c0: int,
        c1: int,
        counters: tuple[DeferredColumnCount | None, DeferredColumnCount | None],
    ) -> None:
        img = inp.image_of_text
        self.c0, self.c1 = c0, c1
        self.image = inp.image[c0:c1]  # rows of a C-contiguous matrix: contiguous
        self.col = np.where((img >= c0) & (img < c1), img - c0, -1).astype(np.int64)
        self.bounds = [_column_bounds(counter, c0, c1) for counter in counters]


def _column_bounds(
    counter: DeferredColumnCount | None, c0: int, c1: int
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """``(lo, hi)`` of columns ``c0..c1-1`` (``+inf``: the counter is not wanted)."""
    if counter is None:
        none = np.full(c1 - c0, np.inf, dtype=np.float32)
        return none, none
    lo = np.ascontiguousarray(counter.lo[c0:c1], dtype=np.float32)
    return lo, np.ascontiguousarray(counter.hi[c0:c1], dtype=np.float32)


class _Band:
    """One thread's band list for one counter: the kernel's buffers and what was kept."""

    def __init__(self, n_cols: int) -> None:
        cap = max(BAND_ENTRIES, 4 * n_cols)
        self.idx = np.empty(cap, dtype=np.int32)
        self.vals = np.empty(cap, dtype=np.float32)
        self.kept: list[tuple[NDArray[np.intp], NDArray[np.float32]]] = []

    def keep(self, n: int, offset: int) -> None:
        """Copy the first ``n`` entries out, indices shifted by ``offset`` (lists are reused)."""
        if n:
            self.kept.append((self.idx[:n] + np.intp(offset), self.vals[:n].copy()))


class _Scanner:
    """One thread's score buffer, row counts and column counts with their band lists."""

    def __init__(self, n_rows: int, n_cols: int, block: int) -> None:
        self.buffer = np.empty(block, dtype=np.float32)
        self.rank = np.zeros(n_rows, dtype=np.int64)
        self.above = np.zeros(n_cols, dtype=np.int32)
        self.above_s = np.zeros(n_cols, dtype=np.int32)
        self.band, self.band_s, self.band_r = _Band(n_cols), _Band(n_cols), _Band(n_cols)

    def task(self, job: _Job, part: _Part, a: int, b: int) -> None:
        """Block of caption rows ``a..b-1`` and ``part``'s columns: product, then scan."""
        c0, c1 = part.c0, part.c1
        scores = self.buffer[: (b - a) * (c1 - c0)].reshape(b - a, c1 - c0)
        np.matmul(job.text[a:b], part.image.T, out=scores)
        rows = slice(a, b)
        (lo, hi), (lo_s, hi_s) = part.bounds
        band, band_s, band_r = self.band, self.band_s, self.band_r
        start = 0
        while start < b - a:  # the kernel stops early when a band list is nearly full
            start, n_band, n_band_s, n_band_r = job.module.scan(
                scores, b - a, c1 - c0, part.col[rows], job.first[rows], job.row_lo[rows],
                job.row_hi[rows], lo, hi, lo_s, hi_s, job.positive[rows], self.rank[rows],
                self.above[c0:c1], self.above_s[c0:c1], band.idx, band.vals, band_s.idx,
                band_s.vals, band_r.idx, band_r.vals, start,
            )  # fmt: skip
            band.keep(n_band, c0)
            band_s.keep(n_band_s, c0)
            band_r.keep(n_band_r, a)


class _Job:
    """What every task reads, and the positives they write (each row by one task)."""

    def __init__(
        self,
        module: ModuleType,
        inp: PassInput,
        first_rows: NDArray[np.intp],
        symmetric: bool,
        row_bounds: tuple[NDArray[np.float32], NDArray[np.float32]],
    ) -> None:
        n_rows = inp.text.shape[0]
        self.module, self.text = module, inp.text
        self.first = np.zeros(n_rows, dtype=np.uint8)
        if symmetric:
            self.first[first_rows] = 1
        self.row_lo, self.row_hi = row_bounds
        self.positive = np.empty(n_rows, dtype=np.float32)


def _task(scanners: list[_Scanner], job: _Job, part: _Part, a: int, b: int, thread: int) -> None:
    scanners[thread].task(job, part, a, b)


def row_bounds(
    inp: PassInput, approx: NDArray[np.float32] | None
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per-row brackets ``[lo_c, hi_c]`` of ``g_c`` in text order (:mod:`._bounds`), or ``+inf``
    (no row is counted against a bracket) when ``approx`` is ``None``."""
    if approx is None:
        none = np.full(inp.text.shape[0], np.inf, dtype=np.float32)
        return none, none
    image_norm = inp.image_norm[inp.image_of_text]
    margin = margins(inp.text_norm, image_norm, inp.text.shape[1])
    return bracket(approx.astype(np.float64), margin)


def needs_row_bounds(n_img: int, rows: bool) -> bool:
    """Whether the pass counts row ranks across column ranges (then it needs the estimates)."""
    return rows and len(column_parts(n_img)) > 1


def fused_pass(
    inp: PassInput,
    rows_per_chunk: int,
    pool: TilePool,
    counters: tuple[DeferredColumnCount | None, DeferredColumnCount | None],
    approx: NDArray[np.float32] | None,
    *,
    rows: bool,
) -> PassOutput:
    """The pass of the module docstring; ``counters`` as built by the numpy pass, ``approx``
    the positive-score estimates in text order (needed when :func:`needs_row_bounds`)."""
    module = kernel()
    if module is None:
        raise BackendError(
            "embedlab's C rank kernel is not built; reinstall embedlab where a C compiler exists"
        )
    n_rows, n_img = inp.text.shape[0], inp.image.shape[0]
    split_rows = needs_row_bounds(n_img, rows)
    first_rows = inp.row_source[:n_img] if inp.row_source is not None else np.arange(n_rows)
    bounds = row_bounds(inp, approx if split_rows else None)
    job = _Job(module, inp, first_rows, counters[1] is not None, bounds)
    step = max(1, min(rows_per_chunk, n_rows))
    parts = [_Part(inp, c0, c1, counters) for c0, c1 in column_parts(n_img)]
    block = step * max(part.c1 - part.c0 for part in parts)
    scanners = [_Scanner(n_rows, n_img, block) for _ in range(pool.n_threads)]
    tasks = [
        partial(_task, scanners, job, part, a, b)
        for a, b in balanced_blocks(0, n_rows, step)
        for part in parts
    ]
    with single_threaded_blas() as limited:
        if limited:
            pool.run(tasks)
    if not limited:
        for task in tasks:
            task(0)
    col_i2t, col_sym = counters
    col_rows = DeferredColumnCount(*bounds, what="row") if split_rows else None
    for sc in scanners:
        if col_i2t is not None:
            col_i2t.add(sc.above, sc.band.kept)
        if col_sym is not None:
            col_sym.add(sc.above_s, sc.band_s.kept)
        if col_rows is not None:
            col_rows.add(None, sc.band_r.kept)  # rows: exact counts are in sc.rank
    rank = None
    if rows:
        rank = np.sum([sc.rank for sc in scanners], axis=0)
        if col_rows is not None:
            rank += col_rows.counts(job.positive)
    return _output(inp, job, counters, first_rows, rank)


def _output(
    inp: PassInput,
    job: _Job,
    counters: tuple[DeferredColumnCount | None, DeferredColumnCount | None],
    first_rows: NDArray[np.intp],
    rank: NDArray[np.int64] | None,
) -> PassOutput:
    """Ranks in pass order (what :func:`~embedlab.scoring._rank_pass.run_pass` returns)."""
    col_i2t, col_sym = counters
    n_img = inp.image.shape[0]
    i2t = sym = None
    if col_i2t is not None:
        tau = np.full(n_img, -np.inf, dtype=np.float32)
        np.maximum.at(tau, inp.image_of_text, job.positive)
        i2t = 1 + col_i2t.counts(tau)
    if col_sym is not None:
        sym = 1 + col_sym.counts(job.positive[first_rows])
    return PassOutput(
        row_ranks=None if rank is None else inp.in_pass_order(rank), i2t=i2t, i2t_symmetric=sym
    )
