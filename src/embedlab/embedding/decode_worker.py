"""What a decode worker process runs: image files → the encoder's pixels (PIL + numpy only).

Kept apart from :mod:`embedlab.embedding.decode_pool` so a worker imports only this module,
Pillow, numpy and the recipe (no torch, no model): a worker starts in a fraction of a second
and can decode while the parent process is still importing the deep-learning framework.
"""

from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab.data.images import load_image
from embedlab.models.pixel_recipe import PixelRecipe


def chunk_pixels(paths: list[str], recipe: PixelRecipe, fast: bool) -> NDArray[np.float32]:
    """``recipe`` on each decoded file, stacked: float32 ``(len(paths), 3, H, W)``.

    ``fast``: JPEG draft decoding down to the recipe's :meth:`~PixelRecipe.draft_size`.

    Raises:
        DataError: a file is missing or cannot be decoded (the message names it).
    """
    draft = recipe.draft_size() if fast else None
    return np.stack([recipe.apply(load_image(Path(p), draft)) for p in paths])


def ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C is the parent's to handle (it cancels and joins the workers),
    so a worker neither dies mid-chunk nor prints its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
