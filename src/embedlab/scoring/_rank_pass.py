"""The one chunked GEMM pass behind :mod:`embedlab.scoring.retrieval` (internal).

Rows are captions reordered so that rows ``0..Ni-1`` are the first captions (row ``j`` is the
first caption of image ``j``) followed by the other captions. For each row chunk
``S = T[a:b] @ V.T`` (float32, the only score values ever used):

* row ranks (``t2i``): ``rank_c = #{i : S[c, i] >= S[c, img(c)]}``, which counts the positive
  itself once, so ``rank_c = 1 + #{negatives >= positive}``;
* positives are then set to ``-inf`` and the chunk feeds two
  :class:`~embedlab.scoring._deferred.DeferredColumnCount`: all rows for ``i2t`` (threshold
  ``tau_j = max_{c in j} S[c, j]``) and the first ``Ni`` rows for ``i2t-symmetric``
  (threshold ``S[j, j]``).

The brackets around each threshold come from float64 dot products of the positive pairs,
``a_c ~= <T_c, V_img(c)>``, widened by ``margin_c = 2 * gamma_D * |T_c| * |V_img(c)|`` with
``gamma_D = D u / (1 - D u)``, ``u = 2**-24``: any float32 dot product ``fl(s)`` obeys
``|fl(s) - s| <= gamma_D * sum_k |T_ck V_jk| <= gamma_D |T_c| |V_j|`` whatever the summation
order (the factor 2 is slack; the float64 ``a_c`` is accurate to ~1e-16 relative), so the exact
GEMM threshold always lies inside the bracket (it is checked anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.scoring._deferred import DeferredColumnCount, count_dtype

_U = 2.0**-24
_TINY = 2.0**-149  # float32 subnormal spacing: absolute error of underflowing products
_APPROX_BLOCK = 4096


@dataclass(frozen=True)
class PassInput:
    """Validated, reordered inputs (see module docstring for the row order)."""

    text: NDArray[np.float32]
    image: NDArray[np.float32]
    image_of_row: NDArray[np.intp]
    text_norm: NDArray[np.float64]
    image_norm: NDArray[np.float64]


@dataclass(frozen=True)
class PassOutput:
    """Ranks found by the pass; ``None`` where not requested."""

    row_ranks: NDArray[np.int64] | None
    i2t: NDArray[np.int64] | None
    i2t_symmetric: NDArray[np.int64] | None


def positive_bounds(inp: PassInput) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Float64 positive scores ``a_c`` and error margins ``margin_c`` (module docstring)."""
    n_rows, dim = inp.text.shape
    approx = np.empty(n_rows, dtype=np.float64)
    for a in range(0, n_rows, _APPROX_BLOCK):
        b = min(a + _APPROX_BLOCK, n_rows)
        pairs = inp.image[inp.image_of_row[a:b]]
        approx[a:b] = np.einsum("ij,ij->i", inp.text[a:b], pairs, dtype=np.float64)
    gamma = dim * _U / (1.0 - dim * _U)
    margin = 2.0 * gamma * inp.text_norm * inp.image_norm[inp.image_of_row] + 2.0 * dim * _TINY
    return approx, margin


def bracket(
    approx: NDArray[np.float64], margin: NDArray[np.float64]
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Float32 ``[lo, hi]`` with ``lo <= approx - margin`` and ``hi >= approx + margin``."""
    lo = np.nextafter((approx - margin).astype(np.float32), np.float32(-np.inf))
    hi = np.nextafter((approx + margin).astype(np.float32), np.float32(np.inf))
    return lo, hi


def _max_per_image(values: NDArray[np.float64], inp: PassInput) -> NDArray[np.float64]:
    out = np.full(inp.image.shape[0], -np.inf)
    np.maximum.at(out, inp.image_of_row, values)
    return out


def _chunks(n_first: int, n_rows: int, step: int) -> Iterator[tuple[int, int]]:
    """Balanced row ranges of at most ``step`` rows that never straddle the first-caption block.

    Balancing avoids a tiny last chunk (BLAS may use another kernel for 1 or 2 rows).
    """
    for start, stop in ((0, n_first), (n_first, n_rows)):
        n_chunks = -(-(stop - start) // step)
        for k in range(n_chunks):
            yield (
                start + k * (stop - start) // n_chunks,
                start + (k + 1) * (stop - start) // n_chunks,
            )


@dataclass
class _Work:
    """Buffers and accumulators of one pass."""

    positive: NDArray[np.float32]
    row_ranks: NDArray[np.int64] | None
    col_i2t: DeferredColumnCount | None
    col_sym: DeferredColumnCount | None
    mask_a: NDArray[np.bool_]
    mask_b: NDArray[np.bool_]


def _score_chunk(s: NDArray[np.float32], a: int, inp: PassInput, work: _Work) -> None:
    """Row ranks of chunk ``s`` (rows ``a..a+len(s)-1``), then feed it to the column counts."""
    n, n_img = s.shape
    local, cols = np.arange(n), inp.image_of_row[a : a + n]
    pos = s[local, cols]
    work.positive[a : a + n] = pos
    mask_a, mask_b = work.mask_a[:n], work.mask_b[:n]
    if work.row_ranks is not None:
        np.greater_equal(s, pos[:, None], out=mask_a)
        counts = np.add.reduce(mask_a.view(np.uint8), axis=1, dtype=count_dtype(n_img))
        work.row_ranks[a : a + n] = counts
    s[local, cols] = -np.inf
    if work.col_i2t is not None:
        work.col_i2t.update(s, mask_a, mask_b)
    if work.col_sym is not None and a < n_img:
        work.col_sym.update(s, mask_a, mask_b)


def _start(inp: PassInput, step: int, *, rows: bool, i2t: bool, symmetric: bool) -> _Work:
    n_rows, n_img = inp.text.shape[0], inp.image.shape[0]
    approx, margin = positive_bounds(inp)
    col_i2t = col_sym = None
    if i2t:
        by_image = _max_per_image(approx, inp), _max_per_image(margin, inp)
        col_i2t = DeferredColumnCount(*bracket(*by_image))
    if symmetric:
        col_sym = DeferredColumnCount(*bracket(approx[:n_img], margin[:n_img]))
    return _Work(
        positive=np.empty(n_rows, dtype=np.float32),
        row_ranks=np.empty(n_rows, dtype=np.int64) if rows else None,
        col_i2t=col_i2t,
        col_sym=col_sym,
        mask_a=np.empty((step, n_img), dtype=np.bool_),
        mask_b=np.empty((step, n_img), dtype=np.bool_),
    )


def run_pass(
    inp: PassInput, rows_per_chunk: int, *, rows: bool, i2t: bool, symmetric: bool
) -> PassOutput:
    """Score all rows against all images once, chunk by chunk, and return the requested ranks.

    Working memory: ``rows_per_chunk * Ni * 6`` bytes (float32 scores and two boolean masks)
    plus the kept band scores (12 bytes each, a small fraction of ``Nc * Ni``).
    """
    n_rows, n_img = inp.text.shape[0], inp.image.shape[0]
    step = max(1, min(rows_per_chunk, n_rows))
    work = _start(inp, step, rows=rows, i2t=i2t, symmetric=symmetric)
    scores = np.empty((step, n_img), dtype=np.float32)
    image_t = inp.image.T
    for a, b in _chunks(n_img, n_rows, step):
        _score_chunk(np.matmul(inp.text[a:b], image_t, out=scores[: b - a]), a, inp, work)
    col_i2t, col_sym = work.col_i2t, work.col_sym
    return PassOutput(
        row_ranks=work.row_ranks,
        i2t=None if col_i2t is None else 1 + col_i2t.counts(_tau_i2t(work.positive, inp)),
        i2t_symmetric=None if col_sym is None else 1 + col_sym.counts(work.positive[:n_img]),
    )


def _tau_i2t(positive: NDArray[np.float32], inp: PassInput) -> NDArray[np.float32]:
    """Exact i2t thresholds: ``tau_j = max`` of the GEMM positive scores of image ``j``."""
    tau = np.full(inp.image.shape[0], -np.inf, dtype=np.float32)
    np.maximum.at(tau, inp.image_of_row, positive)
    return tau
