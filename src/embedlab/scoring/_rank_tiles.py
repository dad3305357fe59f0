"""The per-tile work of the retrieval rank pass (internal).

A tile is a block of consecutive pass rows of one GEMM chunk ``S`` (see
:mod:`embedlab.scoring._rank_pass` for the row order). Its rows are few enough
(:func:`tile_rows`) that the float32 scores and two boolean masks stay in a core's L2 cache
while they are compared three to five times; each thread of the pass owns one
:class:`TileWorker` (masks and column counters), so tiles run in parallel. For a tile of rows
``c``:

1. ``positive_c = S[c, img(c)]``;
2. row ranks: ``rank_c = #{i : S[c, i] >= positive_c}`` (the positive counts itself once);
3. positives set to ``-inf``, then the tile feeds the column counters: ``i2t`` (every row) and
   ``i2t-symmetric`` (rows ``< Ni``, the first captions).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.scoring._deferred import DeferredColumnCount, count_dtype

#: Target bytes of float32 scores per tile (with its masks: 1.5x that), well inside L2.
TILE_BYTES = 2**20
_MIN_ROWS = 8
_MAX_ROWS = 255  # column counts of one tile fit uint8


def tile_rows(n_cols: int) -> int:
    """Rows per tile: ``TILE_BYTES / (4 * n_cols)`` clamped to ``[8, 255]``."""
    return max(_MIN_ROWS, min(_MAX_ROWS, TILE_BYTES // (4 * max(1, n_cols))))


@dataclass(frozen=True)
class RowTargets:
    """Per-row inputs and outputs shared by all workers (tiles write disjoint slices).

    Attributes:
        image_of_row: positive image of each pass row.
        positive: receives ``S[c, img(c)]`` per row.
        row_ranks: receives the row ranks, or ``None`` when no row protocol is wanted.
        n_first: rows ``0..n_first-1`` are the first captions (they feed ``i2t-symmetric``).
    """

    image_of_row: NDArray[np.intp]
    positive: NDArray[np.float32]
    row_ranks: NDArray[np.int64] | None
    n_first: int


class TileWorker:
    """One thread's scratch masks and column counters."""

    def __init__(
        self,
        rows: int,
        n_cols: int,
        targets: RowTargets,
        col_i2t: DeferredColumnCount | None,
        col_sym: DeferredColumnCount | None,
    ) -> None:
        self.targets = targets
        self.rows = rows
        self.col_i2t = col_i2t
        self.col_sym = col_sym
        self._mask_a = np.empty((rows, n_cols), dtype=np.bool_)
        self._mask_b = np.empty((rows, n_cols), dtype=np.bool_)
        self._local = np.arange(rows)
        self._row_dtype = count_dtype(n_cols)

    def score(self, s: NDArray[np.float32], row0: int) -> None:
        """Process tile ``s`` (C-contiguous, pass rows ``row0..row0+len(s)-1``) in place."""
        n = s.shape[0]
        tg = self.targets
        local, cols = self._local[:n], tg.image_of_row[row0 : row0 + n]
        pos = s[local, cols]
        tg.positive[row0 : row0 + n] = pos
        mask_a, mask_b = self._mask_a[:n], self._mask_b[:n]
        if tg.row_ranks is not None:
            np.greater_equal(s, pos[:, None], out=mask_a)
            counts = np.add.reduce(mask_a.view(np.uint8), axis=1, dtype=self._row_dtype)
            tg.row_ranks[row0 : row0 + n] = counts
        s[local, cols] = -np.inf
        if self.col_i2t is not None:
            self.col_i2t.update(s, mask_a, mask_b)
        if self.col_sym is not None and row0 < tg.n_first:
            self.col_sym.update(s, mask_a, mask_b)
