"""One Hub row (one image with its captions) → one Karpathy image entry plus where its file goes.

Accepted row shapes (column names checked on each row):

- ``yerevann/coco-karpathy``: ``filepath, filename, cocoid, imgid, split, sentids, url`` and
  ``sentences`` as a list of raw strings; the image is fetched from ``url``.
- nlphuji-style Flickr30k (``umaru97/flickr30k_train_val_test``, ...): ``filename, img_id,
  split, sentids`` and ``caption`` as a list of strings; the image is embedded (``image`` column).

Captions may also be Karpathy sentence objects (``{"raw", "sentid"}``). A row whose ``split``
column names another Karpathy split is skipped (``restval`` counts as ``train``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from embedlab.errors import DataError

CAPTION_COLUMNS = ("sentences", "caption", "captions", "alt_text", "text")
URL_COLUMNS = ("url", "coco_url", "flickr_url", "image_url")
ID_COLUMNS = ("cocoid", "imgid", "img_id")
_SPLIT_ALIASES = {"train": {"train", "restval"}, "val": {"val", "validation"}}
_SPLIT_ALIASES["validation"] = _SPLIT_ALIASES["val"]


@dataclass(frozen=True)
class HubImage:
    """A Hub row made ready for the cache.

    Attributes:
        entry: the Karpathy image entry written to the manifest.
        dest: where the image file goes (``<images_root>/<filepath>/<filename>``).
        url: where to download it from, when it is not embedded.
        data: the embedded encoded image (PNG/JPEG bytes), when there is one.
    """

    entry: dict[str, Any]
    dest: Path
    url: str | None
    data: bytes | None


def keeps_split(row: Mapping[str, Any], split: str) -> bool:
    """Whether a row belongs to ``split`` (rows without a ``split`` column always do)."""
    row_split = row.get("split")
    return row_split is None or str(row_split) in _SPLIT_ALIASES.get(split, {split})


def row_to_image(row: Mapping[str, Any], where: str, *, split: str, images_root: Path) -> HubImage:
    """Turn one row into a :class:`HubImage`; ``where`` names the row in messages.

    Raises:
        DataError: the row has no captions or no image/URL, or a file name escaping the cache.
    """
    url = _first(row, URL_COLUMNS)
    data, embedded_path = _embedded(row.get("image"), where)
    if url is None and data is None:
        columns = ", ".join(sorted(row))
        raise DataError(
            f"{where} has neither an embedded 'image' nor a URL column ({', '.join(URL_COLUMNS)}); "
            f"columns present: {columns}"
        )
    filename = _filename(row, url, embedded_path, where)
    filepath = str(row.get("filepath") or "")
    dest = _safe_dest(images_root, filepath, filename, where)
    entry: dict[str, Any] = {"filepath": filepath, "filename": filename, "split": split}
    entry.update({key: row[key] for key in ID_COLUMNS if row.get(key) is not None})
    entry["sentences"] = _sentences(row, where, PurePosixPath(filename).stem)
    if url is not None:
        entry["url"] = url
    return HubImage(entry=entry, dest=dest, url=url if data is None else None, data=data)


def _first(row: Mapping[str, Any], columns: tuple[str, ...]) -> str | None:
    for column in columns:
        value = row.get(column)
        if isinstance(value, str) and value:
            return value
    return None


def _embedded(value: object, where: str) -> tuple[bytes | None, str | None]:
    """Bytes and original path of an ``image`` cell (a datasets Image feature, undecoded)."""
    if value is None:
        return None, None
    if isinstance(value, dict):
        data, path = value.get("bytes"), value.get("path")
        if data is None and isinstance(path, str) and Path(path).is_file():
            data = Path(path).read_bytes()
        if isinstance(data, bytes) and data:
            return data, path if isinstance(path, str) else None
    raise DataError(f"{where}: the 'image' column holds no readable image bytes")


def _filename(row: Mapping[str, Any], url: str | None, embedded: str | None, where: str) -> str:
    name = row.get("filename")
    if isinstance(name, str) and name:
        return name
    for candidate in (urlparse(url).path if url else None, embedded):
        if candidate and PurePosixPath(candidate).name:
            return PurePosixPath(candidate).name
    raise DataError(f"{where} has no 'filename' and no URL or image path to name its file after")


def _safe_dest(images_root: Path, filepath: str, filename: str, where: str) -> Path:
    parts = PurePosixPath(filepath, filename).parts
    if (
        PurePosixPath(filepath).is_absolute()
        or PurePosixPath(filename).is_absolute()
        or ".." in parts
    ):
        raise DataError(f"{where}: file name {filepath}/{filename} would leave the image cache")
    return images_root.joinpath(*parts)


def _sentences(row: Mapping[str, Any], where: str, stem: str) -> list[dict[str, Any]]:
    column = next((c for c in CAPTION_COLUMNS if isinstance(row.get(c), list)), None)
    if column is None:
        raise DataError(
            f"{where} has no caption list (looked for {', '.join(CAPTION_COLUMNS)}); "
            f"columns present: {', '.join(sorted(row))}"
        )
    captions: list[Any] = row[column]
    sentids = row.get("sentids")
    if not isinstance(sentids, list) or len(sentids) != len(captions):
        sentids = [f"{stem}#{k}" for k in range(len(captions))]
    return [_sentence(c, s) for c, s in zip(captions, sentids, strict=True)]


def _sentence(caption: object, sentid: object) -> dict[str, Any]:
    if isinstance(caption, dict):
        return {"raw": caption.get("raw"), "sentid": caption.get("sentid", sentid)}
    return {"raw": caption, "sentid": sentid}
