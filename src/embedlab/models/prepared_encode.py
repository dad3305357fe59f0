"""The shared half of encoders whose preprocessing and forward pass can be called apart.

An encoder implements ``prepare_images``, ``prepare_texts`` and ``forward_prepared``; this mixin
supplies ``encode_images`` / ``encode_texts`` as ``forward_prepared(prepare_*(batch))``, so the
speed harness (:mod:`embedlab.perf.call_stages`) times exactly what quality runs execute. An empty
batch gives a ``(0, D)`` array; ``D`` is learnt from the first real output (:meth:`_remember`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.models.base import Modality, Role

if TYPE_CHECKING:
    from PIL import Image


class PreparedEncodeMixin:
    """``encode_*`` from ``prepare_*`` + ``forward_prepared`` (see module docstring)."""

    _dim: int | None

    def prepare_images(self, images: Sequence[Image.Image]) -> Any:
        raise NotImplementedError

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> Any:
        raise NotImplementedError

    def forward_prepared(self, modality: Modality, prepared: Any) -> NDArray[np.float32]:
        raise NotImplementedError

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """Embed one batch of PIL images as unit float32 rows (``prepare`` then ``forward``)."""
        if not images:
            return self._empty()
        return self.forward_prepared("image", self.prepare_images(images))

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        """Embed one batch of texts as unit float32 rows, with the role's prompt if any."""
        if not texts:
            return self._empty()
        return self.forward_prepared("text", self.prepare_texts(texts, role))

    def _remember(self, embeddings: NDArray[np.float32]) -> NDArray[np.float32]:
        """Record the embedding width from a real output and return the output."""
        self._dim = int(embeddings.shape[1])
        return embeddings

    def _empty(self) -> NDArray[np.float32]:
        if self._dim is None:
            self.encode_texts(["a"])
        return np.zeros((0, self._dim or 0), dtype=np.float32)
