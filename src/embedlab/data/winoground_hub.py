"""Winoground from the Hugging Face Hub, written once into the local layout under the cache.

``facebook/winoground`` is gated: the user must accept its terms on the dataset page and be
authenticated (``HF_TOKEN`` or ``huggingface-cli login``). The test split is streamed with
🤗 ``datasets``; each embedded image is saved as ``<cache-dir>/winoground/<hub>/images/
ex_<id>_img_<k>.png`` (PNG bytes kept as published, other formats re-encoded as PNG), each file
written atomically, and ``examples.jsonl`` is written last, so its presence marks a complete copy.
Hub copies whose loading script newer ``datasets`` refuse are read from the Hub's Parquet export
(revision ``refs/convert/parquet``).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from embedlab._atomic import write_bytes_atomic
from embedlab.data.hub_source import require_hub_dataset
from embedlab.errors import DataError, MissingDependencyError

EXAMPLES = "examples.jsonl"
PARQUET_REVISION = "refs/convert/parquet"
FIELDS = ("id", "caption_0", "caption_1", "tag", "secondary_tag", "num_main_preds", "collapsed_tag")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_AUTH_MARKERS = (
    "gated",
    "401 client error",
    "403 client error",
    "unauthorized",
    "must be authenticated",
    "ask for access",
)


def materialise(hub_id: str, cache_dir: Path) -> Path:
    """Return a folder in the local Winoground layout holding the Hub dataset ``hub_id``.

    Raises:
        DataError: the dataset cannot be read (a gated/auth failure says how to get access).
        MissingDependencyError: ``datasets`` is not installed.
    """
    folder = cache_dir / "winoground" / _slug(hub_id)
    if _complete(folder):
        return folder
    lines = [_save_row(row, index, folder, hub_id) for index, row in enumerate(_rows(hub_id))]
    if not lines:
        raise DataError(f"winoground: the Hub dataset {hub_id!r} has no rows in its test split")
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    write_bytes_atomic(folder / EXAMPLES, text.encode("utf-8"))
    return folder


def gated_message(hub_id: str) -> str:
    """What to do when the Hub refuses access to a gated dataset."""
    return (
        f"winoground: the Hugging Face dataset {hub_id!r} is gated and refused access. Accept its "
        f"terms at https://huggingface.co/datasets/{hub_id} while logged in, then authenticate: "
        "set HF_TOKEN to an access token, or run `huggingface-cli login`. Alternatively pass "
        "--data-dir with examples.jsonl and images/ from the dataset's files."
    )


def _complete(folder: Path) -> bool:
    path = folder / EXAMPLES
    if not path.is_file():
        return False
    try:
        rows = [json.loads(t) for t in path.read_text(encoding="utf-8").splitlines() if t.strip()]
    except (OSError, ValueError):
        return False
    return all(
        (folder / "images" / f"{row.get(key)}.png").is_file()
        for row in rows
        for key in ("image_0", "image_1")
    )


def _rows(hub_id: str) -> Iterator[Mapping[str, Any]]:
    datasets = _import_datasets()
    if not Path(hub_id).exists():
        require_hub_dataset(hub_id, "winoground", "examples.jsonl and images/")
    try:
        yield from _undecoded(datasets, _open(datasets, hub_id))
    except DataError:
        raise
    except Exception as exc:  # the library's own errors, network errors included
        raise _as_data_error(exc, hub_id) from None


def _import_datasets() -> Any:
    try:
        import datasets
    except ImportError:
        raise MissingDependencyError(
            "datasets", extra="hub", purpose="loading Winoground from the Hugging Face Hub"
        ) from None
    return datasets


def _open(datasets: Any, hub_id: str) -> Any:
    try:
        return datasets.load_dataset(hub_id, split="test", streaming=True)
    except RuntimeError as exc:
        if "scripts are no longer supported" not in str(exc):
            raise
        return datasets.load_dataset(
            hub_id, split="test", streaming=True, revision=PARQUET_REVISION
        )


def _undecoded(datasets: Any, rows: Any) -> Any:
    """The rows with their image columns as encoded bytes (when they are Image features)."""
    features = getattr(rows, "features", None) or {}
    for column in ("image_0", "image_1"):
        if isinstance(features.get(column), datasets.Image):
            rows = rows.cast_column(column, datasets.Image(decode=False))
    return rows


def _as_data_error(exc: BaseException, hub_id: str) -> DataError:
    if _is_gated(exc):
        return DataError(gated_message(hub_id))
    return DataError(
        f"winoground: could not read the Hugging Face dataset {hub_id!r} "
        f"({type(exc).__name__}: {exc}); check your connection and access, or pass --data-dir "
        "with examples.jsonl and images/"
    )


def _is_gated(exc: BaseException) -> bool:
    """Whether ``exc`` (or anything in its cause chain) is an authentication/gating refusal."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen).lower()
        status = getattr(getattr(seen, "response", None), "status_code", None)
        if type(seen).__name__ == "GatedRepoError" or status in (401, 403):
            return True
        if any(marker in text for marker in _AUTH_MARKERS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _save_row(row: Mapping[str, Any], index: int, folder: Path, hub_id: str) -> dict[str, Any]:
    line = {key: row.get(key) for key in FIELDS}
    if line["id"] is None:
        raise DataError(f"winoground: row {index} of {hub_id!r} has no 'id'")
    for k in (0, 1):
        name = f"ex_{line['id']}_img_{k}"
        dest = folder / "images" / f"{name}.png"
        if not dest.is_file():
            where = f"row {index} (item {line['id']!r}) of {hub_id!r}"
            write_bytes_atomic(dest, _png_bytes(row.get(f"image_{k}"), f"{where}, image_{k}"))
        line[f"image_{k}"] = name
    return line


def _png_bytes(cell: object, where: str) -> bytes:
    """PNG bytes of an image cell: ``{"bytes", "path"}`` (undecoded) or a PIL image."""
    data: object = None
    if isinstance(cell, Mapping):
        data = cell.get("bytes")
        path = cell.get("path")
        if data is None and isinstance(path, str) and Path(path).is_file():
            data = Path(path).read_bytes()
    elif hasattr(cell, "save"):
        return _encode_png(cell, where)
    if not isinstance(data, bytes) or not data:
        raise DataError(f"winoground: {where} holds no image")
    if data.startswith(_PNG_MAGIC):
        return data
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return _encode_png(image, where)
    except OSError as exc:
        raise DataError(f"winoground: {where} cannot be decoded as an image ({exc})") from None


def _encode_png(image: Any, where: str) -> bytes:
    buffer = io.BytesIO()
    try:
        image.save(buffer, format="PNG")
    except (OSError, ValueError) as exc:
        raise DataError(f"winoground: {where} cannot be saved as PNG ({exc})") from None
    return buffer.getvalue()


def _slug(hub_id: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", hub_id).strip("_.")[-48:]
    return f"{readable}-{hashlib.sha256(hub_id.encode('utf-8')).hexdigest()[:8]}"
