"""Test doubles for the speed machinery: an injectable clock and an encoder that advances it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.models.base import ModelSpec


class FakeClock:
    """A clock that moves only when told to (``advance``) or, optionally, on every read."""

    def __init__(self, per_read: float = 0.0) -> None:
        self.t = 0.0
        self.per_read = per_read
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        value = self.t
        self.t += self.per_read
        return value

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class SplitEncoder:
    """A prepared encoder whose preprocessing and model take fixed fake times per item."""

    clock: FakeClock
    prep_seconds: float = 0.001
    model_seconds: float = 0.004
    dim: int = 8
    spec: ModelSpec = field(default_factory=lambda: ModelSpec(source="fake", ref="8"))

    def prepare_images(self, images: Sequence[Any]) -> int:
        self.clock.advance(self.prep_seconds * len(images))
        return len(images)

    def prepare_texts(self, texts: Sequence[str], role: str = "query") -> int:
        self.clock.advance(self.prep_seconds * len(texts))
        return len(texts)

    def forward_prepared(self, modality: str, prepared: int) -> NDArray[np.float32]:
        self.clock.advance(self.model_seconds * prepared)
        rows = np.ones((prepared, self.dim), dtype=np.float32)
        return rows / np.sqrt(self.dim)

    def encode_images(self, images: Sequence[Any]) -> NDArray[np.float32]:
        return self.forward_prepared("image", self.prepare_images(images))

    def encode_texts(self, texts: Sequence[str], role: str = "query") -> NDArray[np.float32]:
        return self.forward_prepared("text", self.prepare_texts(texts))
