"""Validation and reordering of retrieval inputs (internal to :mod:`embedlab.scoring`)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import DataError, ModelError
from embedlab.scoring._rank_pass import PassInput

_F32_MAX = float(np.finfo(np.float32).max)


def _matrix(x: ArrayLike, what: str) -> NDArray[np.float32]:
    arr = np.asarray(x)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ModelError(f"{what} embeddings must be a non-empty 2-D array, got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ModelError(f"{what} embeddings must be numeric, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _norms(
    x: NDArray[np.float32],
    what: str,
    index: NDArray[np.int64] | None,
    pass_order: NDArray[np.int64] | None = None,
) -> NDArray[np.float64]:
    """Row norms ``sqrt(fl32(sum_k x_k^2))``; a non-finite one is a NaN/inf entry or overflow.

    The error names the first bad row in pass order: row ``index[r]`` for the first bad ``r``,
    or, with ``pass_order`` (the row of each pass position), the bad row that comes first in it.
    """
    norms: NDArray[np.float64] = np.sqrt(np.einsum("ij,ij->i", x, x).astype(np.float64))
    bad = ~np.isfinite(norms)
    if bad.any():
        row = int(np.argmax(bad))
        if pass_order is not None:
            position = np.empty(pass_order.shape[0], dtype=np.int64)
            position[pass_order] = np.arange(pass_order.shape[0])
            rows = np.flatnonzero(bad)
            row = int(rows[np.argmin(position[rows])])
        row = row if index is None else int(index[row])
        raise ModelError(
            f"{what} embedding {row} has a NaN or infinite value (or overflows float32); "
            "check the model output"
        )
    return norms


def first_captions(caption_image: NDArray[np.intp], n_images: int) -> NDArray[np.int64]:
    """Index of the lowest-numbered caption of each image, shape ``(n_images,)``."""
    first = np.full(n_images, caption_image.shape[0], dtype=np.int64)
    np.minimum.at(first, caption_image, np.arange(caption_image.shape[0], dtype=np.int64))
    return first


def _relevance(
    caption_image: ArrayLike, first_caption: ArrayLike | None, n_cap: int, n_img: int
) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    img = np.asarray(caption_image)
    if img.shape != (n_cap,) or not np.issubdtype(img.dtype, np.integer):
        raise DataError(f"caption_image must be {n_cap} integers, got {img.dtype} {img.shape}")
    if img.min() < 0 or img.max() >= n_img:
        raise DataError(f"caption_image has an image index outside 0..{n_img - 1}")
    counts = np.bincount(img, minlength=n_img)
    if (counts == 0).any():
        raise DataError(f"image {int(np.argmax(counts == 0))} has no caption; each needs one")
    img = img.astype(np.intp, copy=False)
    if first_caption is None:
        return img, first_captions(img, n_img)
    first = np.asarray(first_caption)
    if first.shape != (n_img,) or not np.issubdtype(first.dtype, np.integer):
        raise DataError(f"first_caption must be {n_img} integers, got {first.dtype} {first.shape}")
    if first.min() < 0 or first.max() >= n_cap or (img[first] != np.arange(n_img)).any():
        raise DataError("first_caption[j] must be the index of a caption of image j, for every j")
    return img, first.astype(np.int64)


def prepare(
    text_emb: ArrayLike,
    image_emb: ArrayLike,
    caption_image: ArrayLike,
    first_caption: ArrayLike | None,
    *,
    first_only: bool,
) -> tuple[PassInput, NDArray[np.int64], NDArray[np.int64]]:
    """Validate inputs and order the pass rows: first captions (in image order), then the rest.

    With ``first_only`` only the first captions are kept (copied, ``Ni`` rows); otherwise the
    caption matrix is not copied and the pass gathers its rows chunk by chunk.

    Returns:
        The pass input, ``order`` (original caption index of each row) and ``first_caption``.
    """
    text = _matrix(text_emb, "caption")
    image = _matrix(image_emb, "image")
    if text.shape[1] != image.shape[1]:
        raise ModelError(
            f"caption embeddings have dimension {text.shape[1]} but image embeddings "
            f"{image.shape[1]}; they must come from one model"
        )
    n_cap, n_img = text.shape[0], image.shape[0]
    img, first = _relevance(caption_image, first_caption, n_cap, n_img)
    order = first
    row_source: NDArray[np.intp] | None = None
    if first_only:
        text, img = text[order], img[order]
        text_norm = _norms(text, "caption", order)
    else:
        rest = np.ones(n_cap, dtype=np.bool_)
        rest[first] = False
        order = np.concatenate([first, np.flatnonzero(rest)])
        row_source = order.astype(np.intp)
        text_norm = _norms(text, "caption", None, order)
    image_norm = _norms(image, "image", None)
    if float(text_norm.max()) * float(image_norm.max()) * 1.01 >= _F32_MAX:
        raise ModelError("embedding norms are too large: their dot products overflow float32")
    pass_input = PassInput(text, image, img, row_source, text_norm, image_norm)
    return pass_input, order, first
