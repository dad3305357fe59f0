"""Where the provider's image batches come from: worker processes when the encoder allows it.

An :class:`ImageFeed` serves one fill of an image cache entry (the missing shards, in order).
When the encoder is a :class:`~embedlab.models.pixel_recipe.PixelEncoder` with a recipe (and
no instruction is involved), a :class:`~embedlab.embedding.decode_pool.DecodePool` decodes and
preprocesses in worker processes and the model runs ``forward_pixels`` on the stacked arrays;
otherwise the feed steps aside and the provider decodes in its thread pool as before
(``encode_images`` on PIL images). Both give bit-identical inputs.

Overlap with model loading: :func:`~embedlab.models.pixel_hints.early_pixel_recipe` may know
the recipe from the model's files without importing its framework; then :meth:`start` sets the
workers decoding before the model loads (the import of torch and the model takes seconds on a
cold run). :meth:`bind` compares that hint with the loaded encoder's own recipe: on any
difference the early work is discarded and decoding restarts with the encoder's recipe, so a
wrong hint costs time, never correctness.

Memory: at most ``prefetch`` batches are decoded ahead, ``prefetch`` chosen so that they hold
about :data:`PREFETCH_BYTES` (at least 2 batches, at most 64).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.embedding.decode_pool import DecodePool
from embedlab.models.pixel_recipe import PixelEncoder, PixelRecipe

#: Decoded pixels held ahead of the model at most (about; float32).
PREFETCH_BYTES = 512 * 2**20


@dataclass
class ImageFeed:
    """Pixel batches of the missing shards of one image entry (see module docstring).

    Attributes:
        paths: every image path of the entry.
        ranges: ``(lo, hi)`` of each shard to compute, in the order they will be asked for.
        batch_size: images per forward pass (batches restart at each shard, as the cache does).
        workers: decode processes.
        fast: JPEG draft decoding (``--fast-decode``).
        hint: the recipe known before loading (None: start after loading).
        allowed: False when the encoder must see PIL images (instructions).
    """

    paths: list[Path]
    ranges: list[tuple[int, int]]
    batch_size: int
    workers: int
    fast: bool = False
    hint: PixelRecipe | None = None
    allowed: bool = True
    _pool: DecodePool | None = field(default=None, init=False, repr=False)
    _encoder: PixelEncoder | None = field(default=None, init=False, repr=False)

    def __enter__(self) -> ImageFeed:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Begin decoding with the early hint, if there is one (before the model loads)."""
        if self.allowed and self.hint is not None and self._pool is None:
            self._open(self.hint)

    def bind(self, encoder: Any) -> None:
        """Use the loaded ``encoder``: keep, restart or stop the workers to match its recipe."""
        recipe = encoder.pixel_recipe() if isinstance(encoder, PixelEncoder) else None
        recipe = recipe if self.allowed else None
        if self._pool is not None and self._pool.recipe != recipe:
            self.close()
        if recipe is not None:
            self._encoder = encoder
            if self._pool is None:
                self._open(recipe)

    @property
    def active(self) -> bool:
        """True when batches come from the workers (after :meth:`bind`)."""
        return self._encoder is not None and self._pool is not None

    def pixel_batches(self, lo: int, hi: int) -> Iterator[NDArray[np.float32]]:
        """The pixels of the batches of shard ``[lo, hi)`` (shards asked for in order)."""
        if self._pool is None:
            raise RuntimeError("ImageFeed.pixel_batches called while the feed is inactive")
        return self._pool.batches(len(range(lo, hi, self.batch_size)))

    def forward(self, pixels: NDArray[np.float32]) -> NDArray[np.float32]:
        """The bound encoder on one batch of pixels."""
        if self._encoder is None:
            raise RuntimeError("ImageFeed.forward called before bind")
        return self._encoder.forward_pixels(pixels)

    def close(self) -> None:
        """Stop and join the workers (idempotent)."""
        pool, self._pool = self._pool, None
        self._encoder = None
        if pool is not None:
            pool.close()

    def _open(self, recipe: PixelRecipe) -> None:
        pool = DecodePool(self.workers, recipe, fast=self.fast, prefetch=self._prefetch(recipe))
        pool.__enter__()
        self._pool = pool
        pool.submit(
            [self.paths[i : min(i + self.batch_size, hi)]
             for lo, hi in self.ranges for i in range(lo, hi, self.batch_size)]
        )  # fmt: skip

    def _prefetch(self, recipe: PixelRecipe) -> int:
        height, width = _output_size(recipe) or (224, 224)
        per_batch = self.batch_size * 3 * height * width * 4
        return max(2, min(64, PREFETCH_BYTES // max(1, per_batch)))


def _output_size(recipe: PixelRecipe) -> tuple[int, int] | None:
    """The ``(H, W)`` every output has, when the last step fixes it."""
    if not recipe.steps:
        return None
    _, size, _ = recipe.steps[-1]
    return (size[0], size[1]) if len(size) == 2 else None
