"""Winoground (Thrush et al. 2022): 400 items of two images and two captions with the same words.

Local layout (``--data-dir``), as in the official release (``data/examples.jsonl`` and
``data/images.zip`` of the Hub repository ``facebook/winoground``, with the zip extracted)::

    <data-dir>/examples.jsonl        one JSON object per line
    <data-dir>/images/ex_0_img_0.png the files named by image_0 / image_1

Each line has the official fields ``id, image_0, image_1, caption_0, caption_1, tag,
secondary_tag, num_main_preds, collapsed_tag``; ``id``, the images, the captions and
``collapsed_tag`` (Object / Relation / Both) are required. ``image_0``/``image_1`` are file names
relative to ``<data-dir>/images/`` or, failing that, to ``<data-dir>/`` itself; a name without
an extension (the official ``"ex_0_img_0"``) gets ``.png``, as in the official loading script.

Without ``--data-dir`` the Hub dataset is read once and written into exactly this layout under
the cache directory (see :mod:`embedlab.data.winoground_hub`); later runs read that copy offline.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from embedlab.data.image_checks import check_images
from embedlab.data.pair_sets import PairExample, PairSet
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.errors import DataError

NAME = "winoground"
HUB_ID = "facebook/winoground"
EXAMPLES = "examples.jsonl"
IMAGE_EXTENSION = ".png"
REQUIRED = ("id", "image_0", "image_1", "caption_0", "caption_1", "collapsed_tag")
LAYOUT_HINT = (
    "Expected <data-dir>/examples.jsonl and the images it names in <data-dir>/images/ "
    "(the official images.zip extracted), e.g. images/ex_0_img_0.png."
)


def load_winoground(data_dir: Path | None, cache_dir: Path, hub_id: str | None = None) -> PairSet:
    """Load Winoground from ``data_dir``, or from the Hub (cached under ``cache_dir``) when None.

    Raises:
        DataError: a file, field or image is missing or malformed (naming the line and item), or
            the Hub dataset cannot be read (gated: the message says how to get access).
        MissingDependencyError: the Hub is needed and ``datasets`` is not installed.
    """
    if data_dir is None:
        from embedlab.data.winoground_hub import materialise

        source = hub_id or HUB_ID
        return read_winoground_dir(materialise(source, cache_dir), source=source)
    return read_winoground_dir(data_dir, source=str(data_dir / EXAMPLES))


def read_winoground_dir(folder: Path, *, source: str) -> PairSet:
    """Parse ``folder/examples.jsonl`` and check that every image it names exists and opens."""
    path = folder / EXAMPLES
    if not path.is_file():
        raise DataError(f"{NAME}: {str(path)!r} does not exist. {LAYOUT_HINT}")
    examples = [_example(obj, f"{path.name} line {line}", folder) for line, obj in _lines(path)]
    check_images(
        (
            (p, f"item {e.item_id!r} image_{k}")
            for e in examples
            for k, p in enumerate(e.image_paths)
        ),
        name=NAME,
        hint=LAYOUT_HINT,
    )
    return PairSet(
        name=NAME, split="test", source=source, examples=examples, meta={"format": "jsonl"}
    )


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    out: list[tuple[int, dict[str, Any]]] = []
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{NAME}: {str(path)!r} line {number} is not valid JSON ({exc})"
                ) from None
            if not isinstance(obj, dict):
                raise DataError(f"{NAME}: {str(path)!r} line {number} is not a JSON object")
            out.append((number, obj))
    return out


def _example(obj: dict[str, Any], where: str, folder: Path) -> PairExample:
    item = repr(str(obj["id"])) if obj.get("id") is not None else "(no id)"
    for key in REQUIRED:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DataError(f"{NAME}: {where}, item {item}: field {key!r} is missing or empty")
    for key in ("image_0", "image_1", "caption_0", "caption_1", "collapsed_tag"):
        if not isinstance(obj[key], str):
            raise DataError(f"{NAME}: {where}, item {item}: field {key!r} must be a string")
    names = (obj["image_0"], obj["image_1"])
    return PairExample(
        item_id=str(obj["id"]),
        image_ids=(_stem(names[0]), _stem(names[1])),
        image_paths=(image_file(folder, names[0], where), image_file(folder, names[1], where)),
        captions=(obj["caption_0"], obj["caption_1"]),
        tag=obj["collapsed_tag"],
    )


def image_file(folder: Path, name: str, where: str) -> Path:
    """Where the image ``name`` lives: ``folder/images/<name>``, else ``folder/<name>``."""
    relative = PurePosixPath(name if PurePosixPath(name).suffix else name + IMAGE_EXTENSION)
    if relative.is_absolute() or ".." in relative.parts:
        raise DataError(f"{NAME}: {where}: image name {name!r} must be a plain relative file name")
    preferred = folder.joinpath("images", *relative.parts)
    fallback = folder.joinpath(*relative.parts)
    return preferred if preferred.is_file() or not fallback.is_file() else fallback


def _stem(name: str) -> str:
    return PurePosixPath(name).stem if PurePosixPath(name).suffix else name


@register_dataset(NAME, "pairs", "Winoground 400 items (--data-dir, or the gated Hub dataset)")
def _load_registered(request: DatasetRequest) -> PairSet:
    return load_winoground(request.data_dir, request.cache_dir, request.hub_id)
