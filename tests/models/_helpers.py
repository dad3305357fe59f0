"""Shared helpers of the model-source tests: sample inputs and a cosine check."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

TEXTS = [
    "a photo of a cat",
    "two red squares and a blue circle next to a small green triangle on the grass",
    "dog",
]


def sample_images(n: int = 3, seed: int = 0) -> list[Image.Image]:
    """Smooth-ish RGB images of different sizes (so resizing and cropping really happen)."""
    rng = np.random.default_rng(seed)
    images = []
    for i in range(n):
        h, w = 40 + 13 * i, 64 - 7 * i
        ramp = np.linspace(0, 1, w)[None, :, None] * np.linspace(0, 1, h)[:, None, None]
        pixels = np.clip(ramp * rng.random(3) + 0.4 * rng.random((h, w, 3)), 0, 1)
        images.append(Image.fromarray((255 * pixels).astype(np.uint8)))
    return images


def row_cosines(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.float64]:
    """Cosine similarity of matching rows of two (N, D) arrays."""
    a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    dots = (a64 * b64).sum(axis=1)
    return dots / (np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1))


def assert_unit_rows(embeddings: NDArray[np.floating], n: int, dim: int) -> None:
    """float32, shape (n, dim), every row of unit L2 norm."""
    assert embeddings.dtype == np.float32
    assert embeddings.shape == (n, dim)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
