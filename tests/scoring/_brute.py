"""An independent brute-force reference for the four retrieval protocols.

Written differently on purpose: it builds the full float64 score matrix and, for each query,
sorts the candidates with ``np.lexsort`` so that higher scores come first and, among equal
scores, negatives come before positives (the pessimistic tie policy); the rank is then the
1-based position of the first positive in that list.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _first_positive_position(scores: NDArray[np.floating], positive: NDArray[np.bool_]) -> int:
    # lexsort sorts by the last key first: descending score, then negatives (0) before positives (1)
    order = np.lexsort((positive.astype(np.int8), -scores))
    return int(np.flatnonzero(positive[order])[0]) + 1


def brute_ranks(
    text: NDArray[np.floating], image: NDArray[np.floating], caption_image: NDArray[np.integer]
) -> dict[str, NDArray[np.int64]]:
    """Ranks of the four protocols from the full float64 score matrix."""
    scores = text.astype(np.float64) @ image.astype(np.float64).T
    return brute_ranks_from_scores(scores, caption_image)


def brute_ranks_from_scores(
    scores: NDArray[np.floating], caption_image: NDArray[np.integer]
) -> dict[str, NDArray[np.int64]]:
    """Ranks of ``t2i``, ``t2i-first``, ``i2t``, ``i2t-symmetric`` by full sort, per query."""
    n_cap, n_img = scores.shape
    first = np.array([np.flatnonzero(caption_image == j)[0] for j in range(n_img)])
    is_pos = caption_image[:, None] == np.arange(n_img)[None, :]
    t2i = [_first_positive_position(scores[c], is_pos[c]) for c in range(n_cap)]
    i2t = [_first_positive_position(scores[:, j], is_pos[:, j]) for j in range(n_img)]
    sym_scores = scores[first]
    eye = np.eye(n_img, dtype=np.bool_)
    sym = [_first_positive_position(sym_scores[:, j], eye[:, j]) for j in range(n_img)]
    t2i_arr = np.array(t2i, dtype=np.int64)
    return {
        "t2i": t2i_arr,
        "t2i-first": t2i_arr[first],
        "i2t": np.array(i2t, dtype=np.int64),
        "i2t-symmetric": np.array(sym, dtype=np.int64),
    }
