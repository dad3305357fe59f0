"""Column-wise counts against thresholds that are only known after the last chunk.

Image-to-text ranking counts, per image column ``j``, the negatives whose score is
``>= tau_j`` where ``tau_j`` (the GEMM value of the best positive) is only known once every
row chunk has been scored. Storing all scores would cost the full matrix, so the count is
split around a bracket ``lo_j <= tau_j <= hi_j`` that is known before the pass::

    count_j = #{s >= hi_j}                       (certainly >= tau_j, counted on the fly)
            + #{lo_j <= s < hi_j and s >= tau_j}  (the few "band" scores, kept and resolved later)

Scores ``< lo_j`` are certainly ``< tau_j`` and are dropped. The bracket is checked against the
exact ``tau_j`` at the end; a violation raises :class:`~embedlab.errors.BackendError` (it would
mean the BLAS broke the float32 error bound), so the result is never silently wrong.

Parallel use: each thread feeds its own counter (:meth:`DeferredColumnCount.fork`) and the
counters are summed at the end (:meth:`DeferredColumnCount.absorb`); counts are sums, so the
result does not depend on which thread saw which rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import BackendError

_U8_MAX_ROWS = 255
_U16_MAX_ROWS = 65_535


def count_dtype(n: int) -> type[np.unsignedinteger] | type[np.signedinteger]:
    """Smallest accumulator dtype that can hold a count of at most ``n`` (uint8/uint16/int64)."""
    if n <= _U8_MAX_ROWS:
        return np.uint8
    return np.uint16 if n <= _U16_MAX_ROWS else np.int64


class DeferredColumnCount:
    """Counts, per column ``j``, the scores ``>= tau_j`` for a ``tau`` given only at the end.

    Args:
        lo: float32 lower bracket per column; must satisfy ``lo_j <= tau_j``.
        hi: float32 upper bracket per column; must satisfy ``tau_j <= hi_j`` and ``lo_j < hi_j``.
    """

    def __init__(
        self, lo: NDArray[np.float32], hi: NDArray[np.float32], what: str = "column"
    ) -> None:
        self.what = what
        self.lo = lo
        self.hi = hi
        self.above = np.zeros(lo.shape[0], dtype=np.int64)
        self._cols: list[NDArray[np.intp]] = []
        self._vals: list[NDArray[np.float32]] = []

    def fork(self) -> DeferredColumnCount:
        """An empty counter with the same bracket (for another thread)."""
        return DeferredColumnCount(self.lo, self.hi, self.what)

    def absorb(self, other: DeferredColumnCount) -> None:
        """Add the counts and band scores of ``other`` (same bracket) to this counter."""
        self.above += other.above
        self._cols.extend(other._cols)
        self._vals.extend(other._vals)

    def add(
        self,
        above: NDArray[np.integer] | None,
        band: Sequence[tuple[NDArray[np.integer], NDArray[np.float32]]],
    ) -> None:
        """Add per-column counts of scores ``>= hi`` (None: none counted) and ``(columns,
        scores)`` lists of band scores found by another scanner (the fused kernel,
        :mod:`embedlab.scoring._fused_pass`)."""
        if above is not None:
            self.above += above
        for cols, vals in band:
            self._cols.append(cols.astype(np.intp))
            self._vals.append(vals)

    def update(
        self, scores: NDArray[np.float32], buf_a: NDArray[np.bool_], buf_b: NDArray[np.bool_]
    ) -> None:
        """Add one C-contiguous row chunk ``scores`` (rows × columns); ``buf_*`` are scratch masks.

        Entries that must not count (positives) are expected to be ``-inf`` already.
        """
        n_cols = scores.shape[1]
        np.greater_equal(scores, self.hi, out=buf_a)
        self.above += np.add.reduce(buf_a.view(np.uint8), axis=0, dtype=count_dtype(len(scores)))
        np.greater_equal(scores, self.lo, out=buf_b)
        np.not_equal(buf_a, buf_b, out=buf_b)  # lo <= s < hi, because s >= hi implies s >= lo
        flat = np.flatnonzero(buf_b)
        if flat.size:
            self._cols.append(flat % n_cols)
            self._vals.append(scores.ravel()[flat])

    def counts(self, tau: NDArray[np.float32]) -> NDArray[np.int64]:
        """Exact per-column count of kept scores ``>= tau_j``.

        Raises:
            BackendError: if some ``tau_j`` lies outside ``[lo_j, hi_j]``.
        """
        outside = ~((self.lo <= tau) & (tau <= self.hi))
        if outside.any():
            j = int(np.argmax(outside))
            raise BackendError(
                f"float32 matrix product outside its error bound for {self.what} {j}: exact "
                f"threshold {float(tau[j])!r} not in [{float(self.lo[j])!r}, "
                f"{float(self.hi[j])!r}]; the BLAS library may run in reduced precision "
                "(check MKL/OpenBLAS settings)"
            )
        n = self.lo.shape[0]
        if not self._cols:
            return np.array(self.above, copy=True)
        cols = np.concatenate(self._cols)
        vals = np.concatenate(self._vals)
        band: NDArray[np.int64] = np.bincount(cols[vals >= tau[cols]], minlength=n)
        return self.above + band
