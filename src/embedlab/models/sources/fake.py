"""Model source ``fake``: a deterministic, framework-free encoder for tests.

Refs:

- ``fake:<dim>`` (e.g. ``fake:16``): an image's embedding is a unit vector drawn from a numpy
  ``Generator`` seeded by the sha256 of its mode, size and pixel bytes; a text's from the sha256
  of the text. Equal inputs give equal vectors, in any batch, in any process.
- ``fake:<dim>?nan``: the same encoder, but every embedding is NaN (to test NaN detection).

The fake encoder has no notion of meaning: an image and its caption are unrelated vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models.base import ModelSpec, Role, SourceDefaults
from embedlab.models.registry import MODEL_SOURCES
from embedlab.models.vectors import l2_normalize

if TYPE_CHECKING:
    from PIL import Image

KNOBS = frozenset({"nan"})
MAX_DIM = 65_536


@dataclass(frozen=True)
class FakeRef:
    """A parsed ``fake:`` ref."""

    dim: int
    nan: bool = False


def parse_fake_ref(ref: str) -> FakeRef:
    """Parse ``"16"`` or ``"16?nan"``.

    Raises:
        ModelError: if the dimension is not a positive integer or a knob is unknown.
    """
    dim_text, _, knob = ref.partition("?")
    if not dim_text.isdigit() or not 0 < int(dim_text) <= MAX_DIM:
        raise ModelError(
            f"model 'fake:{ref}': the fake source needs a dimension from 1 to {MAX_DIM}, "
            "e.g. fake:16 or fake:16?nan"
        )
    if knob and knob not in KNOBS:
        raise ModelError(
            f"model 'fake:{ref}': unknown option {knob!r}; "
            f"valid options: {', '.join(sorted(KNOBS))}"
        )
    return FakeRef(dim=int(dim_text), nan=knob == "nan")


def _unit_vector(payload: bytes, dim: int) -> NDArray[np.float64]:
    seed = int.from_bytes(hashlib.sha256(payload).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim)


def _image_payload(image: Image.Image) -> bytes:
    header = f"image:{image.mode}:{image.size[0]}x{image.size[1]}:".encode()
    return header + image.tobytes()


@dataclass
class FakeEncoder:
    """Deterministic hash-seeded embeddings (see the module docstring)."""

    spec: ModelSpec
    ref: FakeRef

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """One unit vector per image, seeded by its pixel bytes."""
        return self._embed([_image_payload(image) for image in images])

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        """One unit vector per text, seeded by its UTF-8 bytes (``role`` is ignored)."""
        return self._embed([f"text:{text}".encode() for text in texts])

    def _embed(self, payloads: list[bytes]) -> NDArray[np.float32]:
        rows = np.zeros((len(payloads), self.ref.dim), dtype=np.float64)
        for i, payload in enumerate(payloads):
            rows[i] = _unit_vector(payload, self.ref.dim)
        embeddings = l2_normalize(rows)
        if self.ref.nan:
            embeddings[:] = np.nan
        return embeddings


class FakeSource(SourceDefaults):
    """The ``fake`` model source."""

    def fingerprint(self, spec: ModelSpec) -> str:
        """``fake/v1:<ref>`` (the ref fully determines the outputs)."""
        parse_fake_ref(spec.ref)
        return f"fake/v1:{spec.ref}"

    def load(self, spec: ModelSpec) -> FakeEncoder:
        """Build the encoder; raises :class:`ModelError` for a malformed ref."""
        return FakeEncoder(spec=spec, ref=parse_fake_ref(spec.ref))


FAKE_SOURCE = FakeSource()
MODEL_SOURCES.register("fake")(FAKE_SOURCE)
