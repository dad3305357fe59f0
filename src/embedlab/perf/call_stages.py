"""What one timed call runs, and how it is split into preprocessing and model.

The :class:`~embedlab.models.base.Encoder` contract does preprocessing (image resize/normalise,
tokenisation) and the forward pass in one call. An encoder that also implements
:class:`PreparedEncoder` lets the speed loop time them separately:

- ``preprocess``: ``prepare_images`` / ``prepare_texts`` — host-side work producing model
  inputs (tensors on the host);
- ``model``: ``forward_prepared`` — host→device copy, the forward pass, device→host copy and
  L2 normalisation, returning the float32 embeddings.

``encode_images(x)`` must equal ``forward_prepared("image", prepare_images(x))``. Encoders
without the split are timed end to end and the region is labelled ``preprocess+model``. A
multi-vector encoder (ColPali) splits the same way; its ``forward_prepared`` returns
:class:`~embedlab.core.multivector.MultiVectors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError
from embedlab.models.base import Modality, Role
from embedlab.models.multivector import AnyEncoder
from embedlab.perf.runner import Stage

MODALITIES: tuple[str, ...] = ("image", "text")
END_TO_END = "preprocess+model"


@runtime_checkable
class PreparedEncoder(Protocol):
    """An encoder whose preprocessing and forward pass can be called separately."""

    def prepare_images(self, images: Sequence[Any]) -> Any: ...

    def prepare_texts(self, texts: Sequence[str], role: Role = "query") -> Any: ...

    def forward_prepared(self, modality: Modality, prepared: Any) -> NDArray[np.float32]: ...


def check_modality(modality: str) -> Modality:
    """``modality`` if it is ``image`` or ``text``, else a :class:`ConfigError`."""
    if modality == "image":
        return "image"
    if modality == "text":
        return "text"
    raise ConfigError(f"--modality {modality!r} is not supported; choose image or text")


def call_stages(encoder: AnyEncoder, modality: Modality, batch: Sequence[Any]) -> list[Stage]:
    """The stages of one call on ``batch``: split if the encoder allows it, else one stage."""
    items = list(batch)
    if isinstance(encoder, PreparedEncoder):
        split = encoder

        def prepare(_: Any) -> Any:
            if modality == "image":
                return split.prepare_images(items)
            return split.prepare_texts(items)

        def forward(prepared: Any) -> Any:
            return split.forward_prepared(modality, prepared)

        return [("preprocess", prepare), ("model", forward)]

    def end_to_end(_: Any) -> Any:
        if modality == "image":
            return encoder.encode_images(items)
        return encoder.encode_texts(items)

    return [(END_TO_END, end_to_end)]
