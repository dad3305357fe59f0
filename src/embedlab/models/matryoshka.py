"""Matryoshka truncation: keep the first N dimensions of each embedding, then renormalise.

For an embedding ``e`` of dimension ``D`` and a target ``N <= D``:
``t_i = e_i / sqrt(sum_{j=1..N} e_j^2)`` for ``i = 1..N`` (a zero prefix stays zero). This is
how Matryoshka-trained models (EmbeddingGemma, Qwen3-Embedding, ...) are meant to be shortened;
any other model can be truncated the same way, but its quality may collapse, so embedlab warns
(:class:`MatryoshkaWarning`) and the tasks record a note in the results.

Addressing: ``?dim=N`` after any text model reference (``st:...?dim=128``,
``preset:embeddinggemma-300m?dim=256``); a ``--dim N`` flag is sugar for
:func:`with_dim`. The option is part of the model name, so it is part of every cache key.
:class:`MatryoshkaSource` adds the same option to a source that does not parse it itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError, ModelError
from embedlab.models._ref_options import with_options
from embedlab.models.base import Encoder, ModelDetails, ModelSource, ModelSpec, Role
from embedlab.models.vectors import l2_normalize

if TYPE_CHECKING:
    from PIL import Image

    from embedlab.models.multivector import MultiVectorEncoder


class MatryoshkaWarning(UserWarning):
    """A model is truncated to a dimension it was not (known to be) trained for."""


def truncate_renormalize(vectors: NDArray[np.floating[Any]], dim: int) -> NDArray[np.float32]:
    """The first ``dim`` columns of ``vectors``, each row rescaled to unit L2 norm.

    Raises:
        ModelError: if ``dim`` exceeds the embedding dimension.
    """
    array = np.asarray(vectors, dtype=np.float32)
    if dim > array.shape[1]:
        raise ModelError(
            f"dim={dim} is larger than the model's embedding dimension {array.shape[1]}; "
            f"choose a dim <= {array.shape[1]}"
        )
    return l2_normalize(array[:, :dim])


def untrained_message(model: str, dim: int, trained: Collection[int] | None) -> str | None:
    """Why truncating ``model`` to ``dim`` is suspect, or None if it was trained for ``dim``.

    Args:
        model: the model name, for the message.
        dim: the requested dimension.
        trained: the dimensions the model was trained to be truncated to; None when unknown,
            empty when the model is known not to be Matryoshka-trained.
    """
    if trained is not None and dim in trained:
        return None
    if trained is None:
        reason = "is not known to be trained for Matryoshka truncation"
    elif not trained:
        reason = "was not trained for Matryoshka truncation"
    else:
        reason = f"was trained for Matryoshka dims {_dims(trained)}, not {dim}"
    return f"model {model} {reason}; its dim={dim} results may be far below its full-size quality"


def warn_untrained(model: str, dim: int, trained: Collection[int] | None) -> None:
    """Emit a :class:`MatryoshkaWarning` when :func:`untrained_message` has something to say."""
    message = untrained_message(model, dim, trained)
    if message is not None:
        warnings.warn(message, MatryoshkaWarning, stacklevel=3)


def with_dim(model: str, dim: int) -> str:
    """The model string with ``?dim=`` set (what ``--dim N`` should do to each ``--model``)."""
    return with_options(model, dim=dim)


@dataclass
class MatryoshkaEncoder:
    """Wraps any :class:`Encoder`; its outputs are truncated to ``dim`` and renormalised.

    ``spec`` is the outer spec (its name carries ``?dim=N``); ``inner`` is the full-size model,
    which a runtime (ONNX Runtime, OpenVINO) may replace: truncation is pure numpy.
    """

    spec: ModelSpec
    inner: Encoder
    dim: int

    def encode_images(self, images: Sequence[Image.Image]) -> NDArray[np.float32]:
        """``truncate_renormalize(inner.encode_images(images), dim)``."""
        return truncate_renormalize(self.inner.encode_images(images), self.dim)

    def encode_texts(self, texts: Sequence[str], role: Role = "query") -> NDArray[np.float32]:
        """``truncate_renormalize(inner.encode_texts(texts, role), dim)``."""
        return truncate_renormalize(self.inner.encode_texts(texts, role=role), self.dim)


def split_dim(spec: ModelSpec) -> tuple[ModelSpec, int | None]:
    """``spec`` without its ``dim`` option (other options kept), and that dim (None if absent)."""
    base, sep, query = spec.ref.partition("?")
    kept: list[str] = []
    dim: int | None = None
    for pair in query.split("&") if sep and query else []:
        key, _, value = pair.partition("=")
        if key != "dim":
            kept.append(pair)  # untouched: the inner source parses its own options
        elif value.isdigit() and int(value) > 0:
            dim = int(value)
        else:
            raise ModelError(f"model {spec.name!r}: dim={value!r} must be a positive integer")
    ref = base + ("?" + "&".join(kept) if kept else "")
    return replace(spec, ref=ref), dim


@dataclass(frozen=True)
class MatryoshkaSource:
    """Adds ``?dim=N`` to a source that does not parse it (e.g. ``hf:``, ``open_clip:``).

    The inner source sees the reference without ``dim``; the fingerprint gets
    ``+matryoshka:N`` so truncated embeddings never share a cache entry with full ones.
    """

    inner: ModelSource

    @property
    def speed_only(self) -> bool:
        """The inner source's (truncation does not make random weights meaningful)."""
        return self.inner.speed_only

    @property
    def handles_dim(self) -> bool:
        """True: this wrapper parses ``?dim=N``."""
        return True

    def fingerprint(self, spec: ModelSpec) -> str:
        """The inner fingerprint of the spec without ``dim``, plus ``+matryoshka:N``."""
        base, dim = split_dim(spec)
        inner = self.inner.fingerprint(base)
        return inner if dim is None else f"{inner}+matryoshka:{dim}"

    def load(self, spec: ModelSpec) -> Encoder:
        """Load the inner model and wrap it (warning: not known to be Matryoshka-trained)."""
        base, dim = split_dim(spec)
        encoder = self.inner.load(base)
        if dim is None:
            return encoder
        warn_untrained(spec.name, dim, None)
        return MatryoshkaEncoder(spec=spec, inner=encoder, dim=dim)

    def describe(self, spec: ModelSpec) -> ModelDetails | None:
        """The inner source's provenance of the spec without ``dim``."""
        return self.inner.describe(split_dim(spec)[0])

    def late_interaction(self, spec: ModelSpec) -> bool:
        """The inner source's answer for the spec without ``dim``."""
        return self.inner.late_interaction(split_dim(spec)[0])

    def load_tokens(self, spec: ModelSpec) -> MultiVectorEncoder:
        """The inner multi-vector model; ``?dim=`` is refused (it truncates dense vectors)."""
        base, dim = split_dim(spec)
        if dim is not None:
            raise ConfigError(refuse_dim(spec))
        return self.inner.load_tokens(base)


def refuse_dim(spec: ModelSpec) -> str:
    """Why ``?dim=`` cannot apply to the multi-vector model ``spec``."""
    return (
        f"model {spec.name!r}: dim= (Matryoshka truncation) applies to dense embeddings, and "
        "this is a multi-vector (late-interaction) model; remove ?dim= / --dim"
    )


def _dims(dims: Collection[int]) -> str:
    values = sorted(dims)
    if len(values) > 6 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ", ".join(str(d) for d in values)
