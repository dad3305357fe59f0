"""Parsed per-image records → :class:`ImageTextDataset`, with the checks every format shares.

Each format parser (Karpathy JSON, ``captions.jsonl``) turns its file into :class:`ImageRecord`
values and hands them to :func:`build_dataset`, which refuses duplicate ids and missing image
files with messages that name the offending item, so no format repeats these checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedlab.data.types import ImageTextDataset
from embedlab.errors import DataError

MAX_LISTED = 5  # how many offending items an error message lists before "and N more"


@dataclass(frozen=True)
class ImageRecord:
    """One image and its captions, in source order.

    Attributes:
        image_id: stable id of the image.
        path: the image file.
        caption_ids: stable id of each caption.
        captions: caption texts, first caption first.
        where: where the record came from, for messages (``"line 7"``, ``"images[12]"``).
    """

    image_id: str
    path: Path
    caption_ids: tuple[str, ...]
    captions: tuple[str, ...]
    where: str


def build_dataset(
    records: Sequence[ImageRecord],
    *,
    name: str,
    split: str,
    source: str,
    layout_hint: str,
    meta: dict[str, str] | None = None,
) -> ImageTextDataset:
    """Check ``records`` and assemble them into a dataset.

    Args:
        records: parsed images with their captions.
        name: dataset name, for the dataset and for messages.
        split: split the records belong to.
        source: the file or hub id they came from.
        layout_hint: where image files are expected, appended to the missing-files message.
        meta: extra provenance stored on the dataset.

    Raises:
        DataError: a duplicate image or caption id, or image files that do not exist.
    """
    _check_unique([(r.image_id, r.where) for r in records], "image id", name, source)
    pairs = [(c, r.where) for r in records for c in r.caption_ids]
    _check_unique(pairs, "caption id", name, source)
    check_files_exist(records, name=name, source=source, layout_hint=layout_hint)
    counts = [len(r.captions) for r in records]
    return ImageTextDataset(
        name=name,
        split=split,
        image_ids=[r.image_id for r in records],
        image_paths=[r.path for r in records],
        caption_ids=[c for r in records for c in r.caption_ids],
        captions=[c for r in records for c in r.captions],
        caption_image=np.repeat(np.arange(len(records), dtype=np.int64), counts),
        source=source,
        meta=dict(meta or {}),
    )


def check_files_exist(
    records: Sequence[ImageRecord], *, name: str, source: str, layout_hint: str
) -> None:
    """Raise one :class:`DataError` listing the first few missing image files and their count."""
    missing = [r for r in records if not r.path.is_file()]
    if not missing:
        return
    listed = "; ".join(
        f"{str(r.path)!r} ({r.where}, image {r.image_id!r})" for r in missing[:MAX_LISTED]
    )
    more = f"; and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    raise DataError(
        f"{name} ({source}): {len(missing)} of {len(records)} image files do not exist: "
        f"{listed}{more}. {layout_hint}"
    )


def _check_unique(pairs: list[tuple[str, str]], what: str, name: str, source: str) -> None:
    first_seen: dict[str, str] = {}
    for key, where in pairs:
        if key in first_seen:
            raise DataError(
                f"{name} ({source}): {what} {key!r} appears twice ({first_seen[key]} and {where}); "
                f"every {what} must be unique"
            )
        first_seen[key] = where
