"""Any image–caption set as dataset ``captions``: ``<data-dir>/captions.jsonl``.

One JSON object per line: ``{"image": "relative/or/absolute/path.jpg", "captions": ["...", ...],
"id": optional}``. Relative image paths are relative to the data directory. The image id is the
``id`` field if given, else the image path as written; caption ids are ``<image id>#<k>``. Blank
lines are ignored; the whole file is one split (named after the request).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab.data.records import ImageRecord, build_dataset
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.errors import DataError

NAME = "captions"
FILE_NAME = "captions.jsonl"


@register_dataset(NAME, "image-text", "images with captions from captions.jsonl in --data-dir")
def load_captions(request: DatasetRequest) -> ImageTextDataset:
    """Load ``<data-dir>/captions.jsonl`` and check every image file exists.

    Raises:
        DataError: no ``--data-dir``, the file is missing, or a line is malformed (the message
            gives the line number), or image files are missing.
    """
    if request.data_dir is None:
        raise DataError(
            f"dataset {NAME!r} reads {FILE_NAME} from a local folder; pass --data-dir pointing "
            "to the folder that holds it"
        )
    return load_captions_file(request.data_dir / FILE_NAME, name=request.name, split=request.split)


def load_captions_file(path: Path, *, name: str = NAME, split: str = "test") -> ImageTextDataset:
    """Parse a ``captions.jsonl`` file (see the module docstring) into a dataset."""
    if not path.is_file():
        raise DataError(
            f"{name}: expected the file {str(path)!r}, which does not exist; write one JSON object "
            'per line: {"image": "path.jpg", "captions": ["..."], "id": "optional"}'
        )
    records = [
        _record(line, number, path)
        for number, line in enumerate(_read_lines(path, name), start=1)
        if line.strip()
    ]
    if not records:
        raise DataError(f"{name}: {str(path)!r} has no records; it needs one JSON object per line")
    return build_dataset(
        records,
        name=name,
        split=split,
        source=str(path),
        layout_hint=f"Relative 'image' paths are resolved against {path.parent}.",
        meta={"format": "captions.jsonl"},
    )


def _read_lines(path: Path, name: str) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: {str(path)!r} is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read {str(path)!r} ({exc.strerror})") from None


def _record(line: str, number: int, path: Path) -> ImageRecord:
    where = f"line {number}"
    obj = _parse(line, where, path)
    image = obj.get("image")
    if not isinstance(image, str) or not image.strip():
        raise DataError(f"{str(path)!r} {where}: 'image' must be a non-empty path string")
    captions = obj.get("captions")
    if not isinstance(captions, list) or not captions:
        raise DataError(f"{str(path)!r} {where}: 'captions' must be a non-empty list of strings")
    for k, caption in enumerate(captions):
        if not isinstance(caption, str) or not caption.strip():
            raise DataError(f"{str(path)!r} {where}: captions[{k}] is empty or not a string")
    image_id = _image_id(obj.get("id"), image, where, path)
    return ImageRecord(
        image_id=image_id,
        path=path.parent / image,  # an absolute `image` replaces the parent
        caption_ids=tuple(f"{image_id}#{k}" for k in range(len(captions))),
        captions=tuple(c.strip() for c in captions),
        where=where,
    )


def _parse(line: str, where: str, path: Path) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{str(path)!r} {where} is not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(obj, dict):
        raise DataError(f"{str(path)!r} {where} is not a JSON object")
    return obj


def _image_id(value: object, image: str, where: str, path: Path) -> str:
    if value is None:
        return image
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise DataError(f"{str(path)!r} {where}: 'id' must be a non-empty string or an integer")
    return str(value)
