"""Pair-choice scoring: Winoground's text/image/group scores and "true caption vs K alternatives".

With ``s(c, i) = <T_c, V_i>`` the similarity of caption ``c`` and image ``i`` (dot products of the
L2-normalised float32 embeddings, accumulated in float64):

* **Winoground** (Thrush et al. 2022), one item = captions ``c0, c1`` and images ``i0, i1``:

  - text score  = ``s(c0,i0) > s(c1,i0)  and  s(c1,i1) > s(c0,i1)`` (right caption per image);
  - image score = ``s(c0,i0) > s(c0,i1)  and  s(c1,i1) > s(c1,i0)`` (right image per caption);
  - group score = text score and image score.

* **Choice** (SugarCrepe, ARO): one item = one image, its true caption and K alternatives;
  correct = ``s(true, i) > max_k s(alt_k, i)``.

Every comparison is **strict**: a tie is wrong (so identical captions, or identical images, can
never score). Chance levels: text 1/4, image 1/4, group 1/6; choice 1/(K+1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import DataError, ModelError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.int64]
CHUNK = 8192  # pairs per block: bounds the float64 copies of the gathered embeddings


@dataclass(frozen=True)
class WinogroundScores:
    """Per-item outcomes of Winoground scoring, each a boolean array of shape ``(N,)``."""

    text: BoolArray
    image: BoolArray
    group: BoolArray


def similarities(
    texts: NDArray[np.floating],
    images: NDArray[np.floating],
    text_index: IndexArray,
    image_index: IndexArray,
) -> FloatArray:
    """Element-wise similarities ``out[...] = <texts[text_index[...]], images[image_index[...]]>``.

    ``text_index`` and ``image_index`` broadcast against each other; an entry ``-1`` in
    ``text_index`` marks "no caption here" and gives NaN (used to pad items with fewer
    alternatives).

    Raises:
        ModelError: the embeddings are not 2-D arrays of the same width.
        DataError: an index is out of range.
    """
    if texts.ndim != 2 or images.ndim != 2 or texts.shape[1] != images.shape[1]:
        raise ModelError(
            f"text embeddings {texts.shape} and image embeddings {images.shape} do not match"
        )
    t_idx, i_idx = np.broadcast_arrays(np.asarray(text_index), np.asarray(image_index))
    _check_range(t_idx, texts.shape[0], "caption", allow_missing=True)
    _check_range(i_idx, images.shape[0], "image", allow_missing=False)
    flat_t, flat_i = t_idx.ravel(), i_idx.ravel()
    out = np.full(flat_t.shape, np.nan, dtype=np.float64)
    rows = np.flatnonzero(flat_t >= 0)
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        t = texts[flat_t[part]].astype(np.float64)
        v = images[flat_i[part]].astype(np.float64)
        out[part] = np.einsum("nd,nd->n", t, v)
    return out.reshape(t_idx.shape)


def winoground_scores(sim: FloatArray) -> WinogroundScores:
    """Text, image and group outcomes from ``sim[n, c, i] = s(caption c, image i)`` of item n.

    Args:
        sim: array of shape ``(N, 2, 2)``.

    Raises:
        ModelError: wrong shape, or a NaN similarity.
    """
    if sim.ndim != 3 or sim.shape[1:] != (2, 2):
        raise ModelError(f"Winoground similarities must have shape (N, 2, 2), got {sim.shape}")
    if np.isnan(sim).any():
        raise ModelError("a Winoground similarity is NaN; check the model's embeddings")
    c0i0, c0i1 = sim[:, 0, 0], sim[:, 0, 1]
    c1i0, c1i1 = sim[:, 1, 0], sim[:, 1, 1]
    text = (c0i0 > c1i0) & (c1i1 > c0i1)
    image = (c0i0 > c0i1) & (c1i1 > c1i0)
    return WinogroundScores(text=text, image=image, group=text & image)


def choice_correct(true_sim: FloatArray, alt_sim: FloatArray) -> BoolArray:
    """Whether the true caption beats every alternative strictly, per item.

    Args:
        true_sim: ``(N,)`` similarity of each item's image with its true caption.
        alt_sim: ``(N, K)`` similarities with the alternatives; NaN marks a missing alternative.

    Returns:
        ``correct[n] = true_sim[n] > max_k alt_sim[n, k]`` over the present alternatives.

    Raises:
        ModelError: shapes disagree, a true similarity is NaN, or an item has no alternative.
    """
    if true_sim.ndim != 1 or alt_sim.ndim != 2 or alt_sim.shape[0] != true_sim.shape[0]:
        raise ModelError(
            f"choice similarities have shapes {true_sim.shape} and {alt_sim.shape}; "
            "expected (N,) and (N, K)"
        )
    if np.isnan(true_sim).any():
        raise ModelError("a true-caption similarity is NaN; check the model's embeddings")
    present = ~np.isnan(alt_sim)
    if alt_sim.shape[0] and not present.any(axis=1).all():
        row = int(np.argmin(present.any(axis=1)))
        raise ModelError(f"choice item {row} has no alternative caption to compare with")
    best_alt = np.where(present, alt_sim, -np.inf).max(axis=1, initial=-np.inf)
    return np.asarray(true_sim > best_alt, dtype=np.bool_)


def _check_range(index: NDArray[np.int64], n: int, what: str, *, allow_missing: bool) -> None:
    low = -1 if allow_missing else 0
    if index.size and (index.min() < low or index.max() >= n):
        raise DataError(f"a {what} index is out of range (0..{n - 1}) in pair-choice scoring")
