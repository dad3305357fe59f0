"""The multi-vector (late-interaction) form of the Encoder contract.

A :class:`MultiVectorEncoder` embeds each item of a batch as its own ``(n_tokens, D)`` float32
matrix of unit token vectors, returned packed as one
:class:`~embedlab.core.multivector.MultiVectors` (tokens + offsets, item order kept). It shares
the dense :class:`~embedlab.models.base.Encoder`'s terms: ``spec`` (the resolved model), one
batch per call (batching across a dataset, caching, NaN checks and progress belong to the
engine), PIL images in, ``role`` for texts (``query`` or ``document``). What differs:

- **padding is never included**: an item's tokens are those its attention mask marks as real,
  so its matrix does not depend on which other items share the batch or how long they are;
- **every item has at least one token**, and ``token_dim`` (``D``) is known without encoding;
- an empty batch gives zero items of width ``token_dim``.

Scores between two :class:`MultiVectors` are MaxSim (:mod:`embedlab.scoring.maxsim`), with the
text side as the query side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

from embedlab.core.multivector import MultiVectors
from embedlab.models.base import Encoder, ModelSpec, Role

if TYPE_CHECKING:
    from PIL import Image


@runtime_checkable
class MultiVectorEncoder(Protocol):
    """A loaded late-interaction model (see the module docstring)."""

    spec: ModelSpec

    @property
    def token_dim(self) -> int:
        """``D``, the width of every token vector."""
        ...

    def encode_images(self, images: Sequence[Image.Image]) -> MultiVectors:
        """One ``(n_i, D)`` unit-token matrix per image, padding excluded."""
        ...

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> MultiVectors:
        """One ``(n_i, D)`` unit-token matrix per text, padding excluded."""
        ...


#: Either form of a loaded model (what ``embedlab speed`` times; the first call tells them apart
#: by ``token_dim``).
AnyEncoder: TypeAlias = Encoder | MultiVectorEncoder
