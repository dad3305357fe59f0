"""Pair-choice similarities of a late-interaction model: MaxSim of caption over image tokens.

The pair-choice tasks (Winoground, SugarCrepe, ARO, ``shapes-pairs``) compare a handful of
``(caption, image)`` similarities per item (:mod:`embedlab.scoring.pair_choice`). For a
multi-vector model the similarity is, the caption always on the query side::

    s(c, i) = MaxSim(c -> i) = sum_t max_s <q_ct, d_is>

computed for the needed pairs only (:func:`~embedlab.scoring.maxsim.maxsim_pairs`); the
comparisons stay strict, so identical captions (identical token matrices give identical float32
scores) or identical images can never win a comparison.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.errors import ModelError
from embedlab.scoring.maxsim import maxsim_pairs
from embedlab.scoring.pair_choice import _check_range


def maxsim_similarities(
    texts: MultiVectors,
    images: MultiVectors,
    text_index: NDArray[np.int64],
    image_index: NDArray[np.int64],
) -> NDArray[np.float64]:
    """``out[...] = MaxSim(texts[text_index[...]] -> images[image_index[...]])``.

    As :func:`embedlab.scoring.pair_choice.similarities`: the indices broadcast against each
    other and a ``-1`` in ``text_index`` gives NaN (no caption there).

    Raises:
        ModelError: the two sides have different token dimensions.
        DataError: an index is out of range.
    """
    if texts.dim != images.dim:
        raise ModelError(
            f"caption tokens have {texts.dim} dims but image tokens {images.dim}; "
            "they must come from one model"
        )
    t_idx, i_idx = np.broadcast_arrays(np.asarray(text_index), np.asarray(image_index))
    _check_range(t_idx, texts.n_items, "caption", allow_missing=True)
    _check_range(i_idx, images.n_items, "image", allow_missing=False)
    flat_t, flat_i = t_idx.ravel(), i_idx.ravel()
    out = np.full(flat_t.shape, np.nan, dtype=np.float64)
    present = np.flatnonzero(flat_t >= 0)
    out[present] = maxsim_pairs(texts, images, flat_t[present], flat_i[present])
    return out.reshape(t_idx.shape)
