"""Image–text datasets from the Hugging Face Hub, cached as a Karpathy-format manifest plus files.

The first load streams the rows of one split (only that split is downloaded), saves embedded
images and downloads URL images into ``<cache-dir>/images/<dataset>/<filepath>/<filename>``, then
writes ``manifest-<split>-<hub id>.json`` in Karpathy's layout. Later loads read the manifest
(offline, without importing ``datasets``) as long as every image file is still there, and parse it
with the same Karpathy parser as local files (delete the manifest to re-read the Hub).
``hub_id`` may also be a local folder that ``datasets.load_dataset`` understands (parquet/json/…
files named by split), or a folder written by ``Dataset.save_to_disk``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embedlab._atomic import write_bytes_atomic, write_json_atomic
from embedlab.core.progress import rich_progress
from embedlab.data.download import Download, fetch_all
from embedlab.data.hub_rows import HubImage, keeps_split, row_to_image
from embedlab.data.hub_source import open_rows
from embedlab.data.karpathy import ImageIdRule, load_karpathy, read_images
from embedlab.data.registry import DatasetRequest
from embedlab.data.types import ImageTextDataset
from embedlab.errors import DataError


def load_from_hub(
    request: DatasetRequest, *, default_hub_id: str, image_id: ImageIdRule
) -> ImageTextDataset:
    """Load ``request.split`` of a Hub dataset (``request.hub_id`` or ``default_hub_id``).

    Args:
        request: the dataset request; ``cache_dir`` receives the images and the manifest.
        default_hub_id: the Hub dataset used when the request names none.
        image_id: rule giving each image its id (as for the local Karpathy file).

    Raises:
        DataError: the dataset cannot be read, has no rows for the split, a row lacks captions
            or an image, or images cannot be downloaded (naming the URL and item).
        MissingDependencyError: ``datasets`` is not installed.
    """
    hub_id = request.hub_id or default_hub_id
    images_root = request.cache_dir / "images" / request.name
    manifest = images_root / f"manifest-{request.split}-{_slug(hub_id)}.json"
    if not _is_complete(manifest, images_root, request.name):
        _build_manifest(request, hub_id, images_root, manifest, image_id)
    return load_karpathy(
        manifest,
        name=request.name,
        split=request.split,
        image_root=images_root,
        image_id=image_id,
        meta={"format": "hub", "hub_id": hub_id, "manifest": str(manifest)},
        source=hub_id,
    )


def _build_manifest(
    request: DatasetRequest, hub_id: str, images_root: Path, manifest: Path, image_id: ImageIdRule
) -> None:
    entries: list[dict[str, Any]] = []
    downloads: list[Download] = []
    seen_splits: Counter[str] = Counter()
    rows = open_rows(hub_id, request.split, purpose=f"loading {request.name}")
    with rich_progress(f"reading {hub_id} ({request.split})", None) as advance:
        for index, row in enumerate(rows):
            advance(1)
            seen_splits[str(row.get("split", request.split))] += 1
            if not keeps_split(row, request.split):
                continue
            where = f"{request.name} ({hub_id}, split {request.split!r}) row {index}"
            image = row_to_image(row, where, split=request.split, images_root=images_root)
            entries.append(image.entry)
            _save_or_plan(image, f"row {index}, image {_label(image.entry, image_id)}", downloads)
    if not entries:
        listing = ", ".join(f"{s} ({n} rows)" for s, n in sorted(seen_splits.items())) or "no rows"
        raise DataError(
            f"{request.name}: Hub dataset {hub_id!r} has no rows for split {request.split!r}; "
            f"the 'split' column holds: {listing}"
        )
    fetch_all(downloads, label=f"{request.name} images")
    write_json_atomic(
        manifest,
        {"dataset": request.name, "hub_id": hub_id, "split": request.split, "images": entries},
    )


def _save_or_plan(image: HubImage, item: str, downloads: list[Download]) -> None:
    """Write an embedded image now (unless present); queue a URL image for download."""
    if image.dest.is_file():
        return
    if image.data is not None:
        write_bytes_atomic(image.dest, image.data)
    elif image.url is not None:
        downloads.append(Download(url=image.url, dest=image.dest, item=item))


def _label(entry: Mapping[str, Any], image_id: ImageIdRule) -> str:
    try:
        return repr(image_id(entry))
    except KeyError:
        return repr(entry["filename"])


def _is_complete(manifest: Path, images_root: Path, name: str) -> bool:
    """A manifest is usable when it exists, parses, and every image file it lists exists."""
    if not manifest.is_file():
        return False
    try:
        entries = read_images(manifest, name=name)
    except DataError:
        return False
    return all(_entry_path(images_root, e).is_file() for e in entries)


def _entry_path(images_root: Path, entry: Mapping[str, Any]) -> Path:
    return images_root / str(entry.get("filepath") or "") / str(entry.get("filename"))


def _slug(hub_id: str) -> str:
    """A file-name-safe, unique label for a Hub id or local path."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", hub_id).strip("_.")[-48:]
    digest = hashlib.sha256(hub_id.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"
