"""Typed dataset records handed from ``data/`` to tasks.

Relevance is data, not code: :class:`ImageTextDataset` says which caption belongs to which image
with an index array, and every image and caption carries a stable string id (used for caching,
per-query outcomes and for refusing to compare runs on different data).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.content import content_fingerprint, image_fields
from embedlab.data.duplicates import warn_shared_image_files
from embedlab.errors import DataError


def fingerprint_ids(ids: list[str]) -> str:
    """A short, stable hash of an ordered list of ids (sha256 of the ids joined by newlines).

    Used for cache keys; dataset fingerprints hash content (:mod:`embedlab.data.content`).
    """
    h = hashlib.sha256()
    for item in ids:
        h.update(item.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class ImageTextDataset:
    """Images with one or more captions each (COCO, Flickr30k, captions.jsonl, shapes).

    Attributes:
        name: dataset name as addressed by the user (``coco-karpathy``, ``flickr30k``, ...).
        split: split name (``test`` for the Karpathy benchmarks).
        image_ids: stable id per image, unique.
        image_paths: local file of each image (same order as ``image_ids``).
        caption_ids: stable id per caption, unique.
        captions: caption text, same order as ``caption_ids``.
        caption_image: for each caption, the index (into ``image_ids``) of its image.
            Captions of one image keep the order of the source file, so the first caption of
            each image (used by ``t2i-first`` and ``i2t-symmetric``) is well defined.
        source: where the records came from (a path or hub id), for the results log.
    """

    name: str
    split: str
    image_ids: list[str]
    image_paths: list[Path]
    caption_ids: list[str]
    captions: list[str]
    caption_image: NDArray[np.int64]
    source: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_img, n_cap = len(self.image_ids), len(self.caption_ids)
        if n_img == 0:
            raise DataError(
                f"dataset {self.name!r} ({self.source}) has no images in split {self.split!r}"
            )
        if len(self.image_paths) != n_img:
            raise DataError(
                f"dataset {self.name!r}: {len(self.image_paths)} paths for {n_img} images"
            )
        if len(self.captions) != n_cap or len(self.caption_image) != n_cap:
            raise DataError(f"dataset {self.name!r}: caption arrays have different lengths")
        if len(set(self.image_ids)) != n_img:
            raise DataError(f"dataset {self.name!r} ({self.source}): image ids are not unique")
        if len(set(self.caption_ids)) != n_cap:
            raise DataError(f"dataset {self.name!r} ({self.source}): caption ids are not unique")
        if n_cap and (self.caption_image.min() < 0 or self.caption_image.max() >= n_img):
            raise DataError(
                f"dataset {self.name!r}: a caption points to an image that does not exist"
            )
        counts = np.bincount(self.caption_image, minlength=n_img)
        if (counts == 0).any():
            bad = self.image_ids[int(np.argmax(counts == 0))]
            raise DataError(
                f"dataset {self.name!r} ({self.source}): image {bad!r} has no captions; "
                "every image needs at least one"
            )
        warn_shared_image_files(self.name, self.source, self.image_ids, self.image_paths)

    @property
    def n_images(self) -> int:
        return len(self.image_ids)

    @property
    def n_captions(self) -> int:
        return len(self.caption_ids)

    @cached_property
    def first_caption(self) -> NDArray[np.int64]:
        """Index of the first caption of each image, shape ``(n_images,)``."""
        first = np.full(self.n_images, -1, dtype=np.int64)
        # iterate in reverse so the earliest caption index wins
        idx = np.arange(self.n_captions - 1, -1, -1)
        first[self.caption_image[idx]] = idx
        return first

    @cached_property
    def fingerprint(self) -> str:
        """Content hash (:mod:`embedlab.data.content`) of each image id with its file's bytes,
        and each caption id with its text and its image."""
        captions = [
            f"{c}>{self.image_ids[i]}={text}"
            for c, i, text in zip(self.caption_ids, self.caption_image, self.captions, strict=True)
        ]
        images = image_fields(self.image_ids, self.image_paths)
        return content_fingerprint(["image-text", *images, "|", *captions])
