"""ARO VG-Relation and VG-Attribution (Yuksekgonul et al. 2023): a cropped image, true vs false.

Local layout (``--data-dir``), as in the official ARO release (the two annotation files and the
extracted ``vgr_vga_images.zip``)::

    <data-dir>/visual_genome_relation.json      (23,937 items)
    <data-dir>/visual_genome_attribution.json   (28,748 items)
    <data-dir>/images/<image_path>              e.g. images/2315375.jpg

Each annotation file is a JSON list of objects with ``image_path`` (relative to ``images/``),
``bbox_x, bbox_y, bbox_w, bbox_h`` (pixels; the box holding the relation or the two objects),
``true_caption``, ``false_caption`` and ``relation_name`` (VG-Relation) or ``attributes`` (a
list of two attributes, VG-Attribution; the group label is ``"<a0>_<a1>"`` as in the official
evaluation). As in the official code, the image is cropped to ``(x, y, x + w, y + h)`` with
Pillow before encoding; crops are written once as PNG files (lossless, atomic) under
``<cache-dir>/aro/<part>-<hash of data-dir>/`` so the embedding cache can key on files.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from embedlab._atomic import write_bytes_atomic
from embedlab.data.pair_sets import ChoiceExample, ChoiceSet
from embedlab.data.registry import DatasetRequest, register_dataset
from embedlab.errors import ConfigError, DataError

RELATION, ATTRIBUTION = "vg-relation", "vg-attribution"
FILES = {RELATION: "visual_genome_relation.json", ATTRIBUTION: "visual_genome_attribution.json"}
IMAGE_DIR = "images"
BOX = ("bbox_x", "bbox_y", "bbox_w", "bbox_h")
LAYOUT_HINT = (
    "Expected the ARO files visual_genome_relation.json / visual_genome_attribution.json in "
    "<data-dir> and their images (vgr_vga_images.zip, extracted) in <data-dir>/images/."
)


@dataclass(frozen=True)
class VGRecord:
    """One VG-Relation / VG-Attribution item as published.

    Attributes:
        index: position in the annotation file (the item id).
        image_path: the full image.
        bbox: ``(x, y, w, h)`` in pixels.
        true_caption: the caption that matches the crop.
        false_caption: the same words with the relation's arguments or the attributes swapped.
        group: relation name, or ``"<attribute 0>_<attribute 1>"``.
    """

    index: int
    image_path: Path
    bbox: tuple[float, float, float, float]
    true_caption: str
    false_caption: str
    group: str


def load_aro_vg(data_dir: Path, cache_dir: Path, part: str) -> ChoiceSet:
    """Read ``part`` (``vg-relation`` or ``vg-attribution``) and crop its images into the cache.

    Raises:
        DataError: the file, a field, or an image is missing or malformed (naming the item).
    """
    records = read_vg_records(data_dir, part)
    crop_dir = cache_dir / "aro" / f"{part}-{_digest(str(data_dir.resolve()))}"
    examples = [_example(r, crop(r, crop_dir, part)) for r in records]
    return ChoiceSet(
        name=f"aro-{part}", split="test", source=str(data_dir / FILES[part]), examples=examples
    )


def read_vg_records(data_dir: Path, part: str) -> list[VGRecord]:
    """Parse the annotation file of ``part``; every record is checked field by field."""
    path = data_dir / FILES[part]
    if not path.is_file():
        raise DataError(f"aro-{part}: {str(path)!r} does not exist. {LAYOUT_HINT}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"aro-{part}: cannot read {str(path)!r} as JSON ({exc})") from None
    if not isinstance(data, list) or not data:
        raise DataError(f"aro-{part}: {str(path)!r} must be a non-empty JSON list of items")
    return [_record(entry, i, data_dir, part, path.name) for i, entry in enumerate(data)]


def _record(entry: Any, index: int, data_dir: Path, part: str, file: str) -> VGRecord:
    where = f"aro-{part}: {file} item {index}"
    if not isinstance(entry, dict):
        raise DataError(f"{where} is not a JSON object")
    for key in ("image_path", "true_caption", "false_caption"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise DataError(f"{where}: field {key!r} is missing or not a non-empty string")
    box = tuple(entry.get(k) for k in BOX)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in box):
        raise DataError(f"{where}: fields {', '.join(BOX)} must all be numbers, got {box}")
    x, y, w, h = (float(v) for v in box)  # type: ignore[arg-type]
    if w <= 0 or h <= 0:
        raise DataError(f"{where}: the box has width {w} and height {h}; both must be positive")
    return VGRecord(
        index=index,
        image_path=data_dir / IMAGE_DIR / entry["image_path"],
        bbox=(x, y, w, h),
        true_caption=entry["true_caption"],
        false_caption=entry["false_caption"],
        group=_group(entry, part, where),
    )


def _group(entry: dict[str, Any], part: str, where: str) -> str:
    if part == RELATION:
        name = entry.get("relation_name")
        if not isinstance(name, str) or not name:
            raise DataError(f"{where}: field 'relation_name' is missing or empty")
        return name
    attributes = entry.get("attributes")
    if not isinstance(attributes, Sequence) or isinstance(attributes, str) or len(attributes) != 2:
        raise DataError(f"{where}: field 'attributes' must be a list of two attributes")
    return f"{attributes[0]}_{attributes[1]}"


def crop(record: VGRecord, crop_dir: Path, part: str) -> Path:
    """The PNG crop of ``record`` (written unless an up-to-date one exists); returns its path."""
    x, y, w, h = record.bbox
    source = record.image_path
    box = "_".join(_num(v) for v in record.bbox)
    dest = crop_dir / f"{source.stem}_{box}.png"
    try:
        if dest.is_file() and dest.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            return dest
        with Image.open(source) as image:
            cropped = image.convert("RGB").crop((x, y, x + w, y + h))
    except FileNotFoundError:
        raise DataError(
            f"aro-{part}: item {record.index}: image {str(source)!r} does not exist. {LAYOUT_HINT}"
        ) from None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"aro-{part}: item {record.index}: image {str(source)!r} cannot be read "
            f"({type(exc).__name__}: {exc})"
        ) from None
    buffer = io.BytesIO()
    cropped.save(buffer, format="PNG")
    write_bytes_atomic(dest, buffer.getvalue())
    return dest


def _example(record: VGRecord, crop_path: Path) -> ChoiceExample:
    return ChoiceExample(
        item_id=str(record.index),
        image_id=crop_path.stem,
        image_path=crop_path,
        true_caption=record.true_caption,
        alternatives=(record.false_caption,),
        group=record.group,
        cluster=record.image_path.name,
    )


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _vg_loader(part: str) -> Callable[[DatasetRequest], ChoiceSet]:
    def load(request: DatasetRequest) -> ChoiceSet:
        if request.data_dir is None:
            raise ConfigError(
                f"{request.name} needs --data-dir: the folder with visual_genome_relation.json, "
                "visual_genome_attribution.json and images/ from the ARO release"
            )
        return load_aro_vg(request.data_dir, request.cache_dir, part)

    return load


register_dataset("aro-vg-relation", "choices", "ARO Visual Genome relations, cropped (--data-dir)")(
    _vg_loader(RELATION)
)
register_dataset(
    "aro-vg-attribution", "choices", "ARO Visual Genome attributes, cropped (--data-dir)"
)(_vg_loader(ATTRIBUTION))
