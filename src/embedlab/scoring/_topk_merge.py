"""Running top-k of query rows over corpus blocks (internal to :mod:`~embedlab.scoring.dense_topk`).

**Order.** Document ``d`` beats ``e`` for a query when ``s_d > s_e``, or ``s_d == s_e`` and
``rank_d < rank_e``, where ``rank`` is the position of a document in the tie-break order
(distinct by construction). Both are packed into one unsigned 64-bit key, larger = better::

    key(s, d) = ord(s) * 2**32 + (2**32 - 1 - rank_d)

with ``ord`` the order-preserving map of float32 bit patterns ``b`` to uint32
(``b | 0x80000000`` when the sign bit is clear, ``~b`` when it is set; ``-0.0`` is first made
``+0.0``, so equal scores compare equal and the rank decides). Keys are distinct, so "the
``k`` largest keys" is a single set in a single order and needs no tie fix-up.

**Candidates.** After a block, a row's top-k can only hold its previous top-k and the block's
entries with score ``>= t``: ``t`` is the previous k-th best score (an entry below it is beaten
by k others; entries equal to ``t`` are kept and the keys decide), or for the row's first block
the k-th largest score among the block's first ``SAMPLE_FACTOR * k`` columns (a lower bound of
the block's k-th largest, found without partitioning the whole block). Only candidates get keys;
they are merged with the previous top-k in a padded matrix (``argpartition`` on the keys, then
a sort of the ``k`` kept). Its size is bounded by the tile of scores it came from.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: Columns sampled (times k) for the first threshold of a row.
SAMPLE_FACTOR = 64
_LOW32 = np.uint64(2**32 - 1)


def tie_keys(tiebreak: NDArray[np.int64]) -> NDArray[np.uint64]:
    """``2**32 - 1 - rank_d`` where ``rank`` orders documents by (tiebreak, index) ascending."""
    n = tiebreak.shape[0]
    if n >= 2**32:
        raise ValueError("at most 2**32 - 1 documents")
    is_permutation = n == 0 or (
        int(tiebreak.min()) >= 0
        and int(tiebreak.max()) < n
        and bool((np.bincount(tiebreak, minlength=n) == 1).all())
    )
    if is_permutation:
        rank = tiebreak.astype(np.uint64)
    else:
        rank = np.empty(n, dtype=np.uint64)
        rank[np.argsort(tiebreak, kind="stable")] = np.arange(n, dtype=np.uint64)
    out: NDArray[np.uint64] = _LOW32 - rank
    return out


def score_keys(scores: NDArray[np.float32]) -> NDArray[np.uint64]:
    """``ord(s) * 2**32`` (module docstring) for float32 ``scores`` without NaN."""
    bits = (scores + np.float32(0.0)).view(np.uint32)  # -0.0 + 0.0 == +0.0
    flip = (bits >> np.uint32(31)) * np.uint32(0x7FFFFFFF) | np.uint32(0x80000000)
    out: NDArray[np.uint64] = (bits ^ flip).astype(np.uint64) << np.uint64(32)
    return out


class RunningTopK:
    """The best ``k`` documents of ``n_rows`` query rows, best first, updated block by block."""

    def __init__(self, n_rows: int, k: int, tie_key: NDArray[np.uint64]) -> None:
        self.k = k
        self.tie_key = tie_key
        self.keys = np.zeros((n_rows, k), dtype=np.uint64)
        self.indices = np.zeros((n_rows, k), dtype=np.int64)
        self.scores = np.zeros((n_rows, k), dtype=np.float32)
        #: False until every row has seen one block (then ``scores[:, -1]`` is the k-th best).
        self.filled = False

    def update(
        self, block: NDArray[np.float32], first_doc: int, row0: int, mask: NDArray[np.bool_]
    ) -> None:
        """Merge ``block`` (rows ``row0..``, documents ``first_doc..``) into the running top-k.

        ``mask`` is scratch of at least ``block.size`` booleans. The first block of every row
        must have at least ``k`` columns.
        """
        n, width = block.shape
        k = self.k
        if self.filled:
            threshold = self.scores[row0 : row0 + n, -1]
        else:
            sample = block[:, : min(width, SAMPLE_FACTOR * k)]
            threshold = np.partition(sample, sample.shape[1] - k, axis=1)[:, -k]
        hits = np.greater_equal(block, threshold[:, None], out=mask[: n * width].reshape(n, width))
        flat = np.flatnonzero(hits)  # the 1-D boolean path of numpy is the fast one
        if flat.size == 0:
            return
        rows, cols = np.divmod(flat, width)
        counts = np.bincount(rows, minlength=n)
        affected = np.flatnonzero(counts)
        slot = np.cumsum(counts > 0) - 1  # row -> its line in the padded matrix
        starts = np.cumsum(counts) - counts
        column = k + np.arange(rows.size) - starts[rows]
        lines = slot[rows]
        padded = (affected.size, k + int(counts.max()))
        keys = np.zeros(padded, dtype=np.uint64)  # 0 = padding, below every real key
        idx = np.zeros(padded, dtype=np.int64)
        vals = np.zeros(padded, dtype=np.float32)
        if self.filled:
            keep = row0 + affected
            keys[:, :k], idx[:, :k], vals[:, :k] = (
                self.keys[keep],
                self.indices[keep],
                self.scores[keep],
            )
        found = block[rows, cols]
        docs = cols.astype(np.int64) + first_doc
        keys[lines, column] = score_keys(found) | self.tie_key[docs]
        idx[lines, column], vals[lines, column] = docs, found
        self._keep_best(keys, idx, vals, row0 + affected)

    def _keep_best(
        self,
        keys: NDArray[np.uint64],
        idx: NDArray[np.int64],
        vals: NDArray[np.float32],
        rows: NDArray[np.intp],
    ) -> None:
        """Store the ``k`` largest keys of each line of the padded matrix, best first."""
        k, width = self.k, keys.shape[1]
        top = np.argpartition(keys, width - k, axis=1)[:, width - k :]
        order = np.argsort(np.take_along_axis(keys, top, axis=1), axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        self.keys[rows] = np.take_along_axis(keys, top, axis=1)
        self.indices[rows] = np.take_along_axis(idx, top, axis=1)
        self.scores[rows] = np.take_along_axis(vals, top, axis=1)
