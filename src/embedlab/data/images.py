"""Opening one image file for the engine, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from embedlab.errors import DataError

# Everything Pillow raises for an unreadable, truncated, unknown or absurdly large file.
_PIL_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


def load_image(path: Path, draft: tuple[int, int] | None = None) -> Image.Image:
    """Open an image file and return it fully decoded in RGB mode.

    Args:
        path: the image file.
        draft: ``(w, h)``: let a JPEG decode at a reduced scale (1/2, 1/4, 1/8: Pillow's
            ``Image.draft``, DCT scaling) as long as both sides stay at least this large —
            faster and approximate (``--fast-decode``); None decodes exactly. Other formats
            ignore it.

    Returns:
        A new RGB image, detached from the file (the file is closed on return).

    Raises:
        DataError: the file is missing or Pillow cannot decode it; the message names the path.
    """
    try:
        with Image.open(path) as image:
            if draft is not None:
                image.draft("RGB", draft)
            rgb: Image.Image = image.convert("RGB")
            return rgb
    except FileNotFoundError:
        raise DataError(f"image file {str(path)!r} does not exist") from None
    except _PIL_ERRORS as exc:
        raise DataError(
            f"image file {str(path)!r} cannot be read as an image ({type(exc).__name__}: {exc}); "
            "replace or re-download it"
        ) from None
