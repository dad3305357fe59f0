"""The one parser of Karpathy's caption JSON (``dataset_coco.json``, ``dataset_flickr30k.json``).

Layout: ``{"images": [{"filepath", "filename", "cocoid"?, "imgid", "split", "sentids",
"sentences": [{"raw", "tokens", "imgid", "sentid"}]}]}`` with the image file at
``<image_root>/<filepath>/<filename>`` (``filepath`` may be absent or empty, as for Flickr30k).
COCO, Flickr30k, the generated ``shapes`` set and the manifests written for Hub datasets all go
through :func:`load_karpathy`; only the rule that gives each image its id differs.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from embedlab.data.records import ImageRecord, build_dataset
from embedlab.data.types import ImageTextDataset
from embedlab.errors import DataError

Entry = Mapping[str, Any]
ImageIdRule = Callable[[Entry], str]


def coco_image_id(entry: Entry) -> str:
    """COCO: the ``cocoid``, or ``imgid`` when there is no ``cocoid``."""
    for key in ("cocoid", "imgid"):
        if entry.get(key) is not None:
            return str(entry[key])
    raise KeyError("cocoid")


def stem_image_id(entry: Entry) -> str:
    """Flickr30k and shapes: the file name without its extension (``1000092795``)."""
    return Path(str(entry["filename"])).stem


def load_karpathy(
    json_path: Path,
    *,
    name: str,
    split: str,
    image_root: Path,
    image_id: ImageIdRule,
    missing_hint: str = "",
    meta: dict[str, str] | None = None,
    source: str | None = None,
) -> ImageTextDataset:
    """Load the images of one split (and their captions, in file order) from a Karpathy JSON file.

    Args:
        json_path: the ``dataset_*.json`` file.
        name: dataset name, for the dataset and for messages.
        split: keep images whose ``split`` equals this exactly (Karpathy: train/restval/val/test).
        image_root: directory the ``filepath``/``filename`` of each image are relative to.
        image_id: rule giving each image entry its id.
        missing_hint: what to do when ``json_path`` does not exist.
        meta: extra provenance stored on the dataset.
        source: what the dataset records as its origin (default: ``json_path``).

    Raises:
        DataError: the file is missing, not JSON or not in this layout; no image has the split;
            an image has no captions, an empty caption or no file. The message names the item.
    """
    entries = read_images(json_path, name=name, missing_hint=missing_hint)
    selected = _select_split(entries, split, name=name, json_path=json_path)
    records = [
        _record(entry, where, image_root, image_id, name=name, json_path=json_path)
        for where, entry in selected
    ]
    return build_dataset(
        records,
        name=name,
        split=split,
        source=source or str(json_path),
        layout_hint=f"Images are expected at {image_root}/<filepath>/<filename>.",
        meta=meta,
    )


def read_images(json_path: Path, *, name: str, missing_hint: str = "") -> list[Entry]:
    """Read the ``images`` list of a Karpathy JSON file, checking each entry is an object."""
    if not json_path.is_file():
        raise DataError(
            f"{name}: expected the file {str(json_path)!r}, which does not exist. {missing_hint}"
        )
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{name}: {str(json_path)!r} is not valid JSON ({exc})") from None
    except OSError as exc:
        raise DataError(f"{name}: cannot read {str(json_path)!r} ({exc.strerror})") from None
    images = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(images, list):
        raise DataError(
            f"{name}: {str(json_path)!r} has no 'images' list at the top level; "
            'expected Karpathy\'s layout {"images": [{"filename", "split", "sentences", ...}]}'
        )
    for index, entry in enumerate(images):
        if not isinstance(entry, dict):
            raise DataError(f"{name}: {str(json_path)!r}: images[{index}] is not a JSON object")
    return images


def _select_split(
    entries: list[Entry], split: str, *, name: str, json_path: Path
) -> list[tuple[str, Entry]]:
    selected = [(f"images[{i}]", e) for i, e in enumerate(entries) if e.get("split") == split]
    if not selected:
        found = Counter(str(e.get("split")) for e in entries)
        listing = ", ".join(f"{s} ({n} images)" for s, n in sorted(found.items())) or "none"
        raise DataError(
            f"{name}: {str(json_path)!r} has no image with split {split!r}; "
            f"splits present: {listing}"
        )
    return selected


def _record(
    entry: Entry, where: str, image_root: Path, image_id: ImageIdRule, *, name: str, json_path: Path
) -> ImageRecord:
    filename = entry.get("filename")
    if not isinstance(filename, str) or not filename:
        raise DataError(f"{name}: {str(json_path)!r}: {where} has no 'filename'")
    try:
        ident = image_id(entry)
    except KeyError as exc:
        raise DataError(
            f"{name}: {str(json_path)!r}: {where} ({filename}) has no {exc} field"
        ) from None
    label = f"{where} (image {ident!r}, {filename})"
    sentences = entry.get("sentences")
    if not isinstance(sentences, list) or not sentences:
        raise DataError(
            f"{name}: {str(json_path)!r}: {label} has no sentences; every image needs captions"
        )
    pairs = [_caption(s, k, label, name=name, json_path=json_path) for k, s in enumerate(sentences)]
    filepath = entry.get("filepath") or ""
    return ImageRecord(
        image_id=ident,
        path=image_root / str(filepath) / filename,
        caption_ids=tuple(sentid for sentid, _ in pairs),
        captions=tuple(raw for _, raw in pairs),
        where=where,
    )


def _caption(
    sentence: object, k: int, label: str, *, name: str, json_path: Path
) -> tuple[str, str]:
    if not isinstance(sentence, dict) or sentence.get("sentid") is None:
        raise DataError(f"{name}: {str(json_path)!r}: {label}: sentences[{k}] has no 'sentid'")
    sentid = str(sentence["sentid"])
    raw = sentence.get("raw")
    if not isinstance(raw, str) or not raw.strip():
        raise DataError(
            f"{name}: {str(json_path)!r}: {label}: caption sentid {sentid} is empty or missing "
            "its 'raw' text; fix or remove that sentence"
        )
    return sentid, raw.strip()
