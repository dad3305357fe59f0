"""Checking, before any model runs, that the image files of a pair-choice set exist and open.

Errors name the item that uses the file, so a broken download is traced to the dataset entry
(the embedding engine would only name the file, and only after the model has been loaded).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from embedlab.errors import DataError

MAX_LISTED = 5


def check_images(files: Iterable[tuple[Path, str]], *, name: str, hint: str) -> None:
    """Raise a :class:`DataError` for missing or unreadable images.

    Each distinct file is checked once: it must exist and Pillow must recognise its header
    (decoding happens later, in the embedding engine).

    Args:
        files: ``(path, item label)`` pairs, e.g. ``(…/ex_3_img_1.png, "item '3' image_1")``.
        name: dataset name, for messages.
        hint: what the expected layout is, appended to the missing-files message.
    """
    seen: dict[Path, str] = {}
    for path, item in files:
        seen.setdefault(path, item)
    missing = [(p, item) for p, item in seen.items() if not p.is_file()]
    if missing:
        listed = "; ".join(f"{str(p)!r} ({item})" for p, item in missing[:MAX_LISTED])
        more = f"; and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        raise DataError(
            f"{name}: {len(missing)} of {len(seen)} image files do not exist: {listed}{more}. "
            f"{hint}"
        )
    for path, item in seen.items():
        _check_header(path, item, name)


def _check_header(path: Path, item: str, name: str) -> None:
    try:
        with Image.open(path) as image:
            image.size  # noqa: B018  (reading the header is the check)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"{name}: the image of {item}, {str(path)!r}, cannot be opened "
            f"({type(exc).__name__}: {exc}); replace or re-download it"
        ) from None
