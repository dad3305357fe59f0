"""Pooling of token embeddings into one vector per text, in numpy (any runtime can use it).

With token embeddings ``h[b, t]`` (shape ``(B, L, H)``) and the attention mask ``m[b, t]`` in
{0, 1} (1 = real token; padding may be on either side):

- ``mean``: ``sum_t m[b,t] h[b,t] / max(sum_t m[b,t], 1)`` (padding excluded);
- ``cls``: ``h[b, first_b]`` with ``first_b = min{t : m[b,t] = 1}`` (the first real token,
  i.e. ``[CLS]``; position 0 with right padding);
- ``last``: ``h[b, last_b]`` with ``last_b = max{t : m[b,t] = 1}`` (the last real token,
  e.g. the EOS token of decoder embedders such as Qwen3-Embedding; position L-1 with left
  padding).

A row without any real token pools to zeros.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ConfigError

Pooling = Literal["mean", "cls", "last"]
POOLINGS: tuple[Pooling, ...] = ("mean", "cls", "last")


def check_pooling(value: str | None, model: str) -> Pooling:
    """``value`` if it is a pooling name, else :class:`ConfigError` listing them."""
    if value not in POOLINGS:
        got = "no pooling" if value is None else f"pooling={value!r}"
        raise ConfigError(
            f"model {model!r}: {got}; the hf-text source needs an explicit pooling, one of "
            f"{', '.join(POOLINGS)} (e.g. hf-text:org/name?pooling=mean); models with a "
            "sentence-transformers config can use st:org/name instead"
        )
    return value


def pool(
    hidden: NDArray[np.floating[Any]], mask: NDArray[np.integer[Any]], mode: Pooling
) -> NDArray[np.float32]:
    """Pool ``hidden`` ``(B, L, H)`` with ``mask`` ``(B, L)`` by ``mode`` (module docstring).

    Returns:
        float32 array ``(B, H)`` (not normalised).
    """
    h = np.asarray(hidden, dtype=np.float32)
    m = np.asarray(mask) > 0
    if h.ndim != 3 or m.shape != h.shape[:2]:
        raise ValueError(f"hidden {h.shape} and mask {m.shape} do not match as (B, L, H), (B, L)")
    if mode == "mean":
        weights = m.astype(np.float32)[:, :, None]
        counts = np.maximum(weights.sum(axis=1), 1.0)
        out: NDArray[np.float32] = (h * weights).sum(axis=1) / counts
        return out
    has_token = m.any(axis=1)
    if mode == "cls":
        index = np.argmax(m, axis=1)
    else:
        index = m.shape[1] - 1 - np.argmax(m[:, ::-1], axis=1)
    pooled: NDArray[np.float32] = h[np.arange(h.shape[0]), index]
    pooled[~has_token] = 0.0
    return pooled
