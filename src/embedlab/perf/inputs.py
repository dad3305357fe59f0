"""Deterministic synthetic inputs for speed runs (no dataset needed).

- **Images**: RGB images of ``IMAGE_SIZE`` (640×480, the typical COCO image size), pixels drawn
  uniformly from a seeded ``numpy.random.Generator``. They are in-memory PIL images, so the
  timed region holds preprocessing (resize, crop, normalise) but no file reading or decoding.
- **Texts**: captions of 8–13 words (COCO captions average about 10–11 words) assembled from a
  fixed word list by the same seeded generator, e.g. ``"a small brown dog sitting on a wooden
  bench next to the old bicycle"``.

Equal seeds give equal inputs in every process. :func:`describe_inputs` is the sentence that
goes into the run's notes and the printed output.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

IMAGE_SIZE = (640, 480)
CAPTION_WORDS = (8, 13)

_ADJECTIVES = ("small", "large", "brown", "red", "old", "wooden", "white", "young", "busy")
_NOUNS = ("dog", "man", "woman", "bench", "bicycle", "train", "kitchen", "table", "street")
_VERBS = ("sitting on", "standing near", "riding", "looking at", "walking past", "holding")
_PLACES = ("next to the", "in front of a", "on top of the", "beside a", "under the")


def synthetic_images(
    n: int, seed: int = 0, size: tuple[int, int] = IMAGE_SIZE
) -> list[Image.Image]:
    """``n`` distinct RGB images of ``size`` (width, height) with seeded uniform pixels."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    width, height = size
    return [
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), mode="RGB")
        for _ in range(n)
    ]


def _caption(rng: np.random.Generator) -> str:
    def pick(words: tuple[str, ...]) -> str:
        return words[int(rng.integers(len(words)))]

    words = ["a", pick(_ADJECTIVES), pick(_ADJECTIVES), pick(_NOUNS), pick(_VERBS), "a"]
    words += [pick(_ADJECTIVES), pick(_NOUNS), pick(_PLACES), pick(_ADJECTIVES), pick(_NOUNS)]
    text = " ".join(words).split()
    low, high = CAPTION_WORDS
    return " ".join(text[: int(rng.integers(low, high + 1))])


def synthetic_captions(n: int, seed: int = 0) -> list[str]:
    """``n`` captions of 8–13 words from a seeded generator."""
    rng = np.random.default_rng(seed)
    return [_caption(rng) for _ in range(n)]


def describe_inputs(seed: int = 0, modalities: Sequence[str] = ("image", "text")) -> str:
    """One sentence stating what the speed inputs of ``modalities`` are."""
    width, height = IMAGE_SIZE
    low, high = CAPTION_WORDS
    parts = []
    if "image" in modalities:
        parts.append(
            f"synthetic {width}x{height} RGB images (seeded uniform noise, in memory: "
            "preprocessing is timed, file decoding is not)"
        )
    if "text" in modalities:
        parts.append(f"synthetic captions of {low}-{high} words (COCO captions average ~10.5)")
    return f"inputs: {' and '.join(parts) or 'none'}, seed {seed}"
