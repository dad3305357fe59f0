"""Ragged multi-vector embeddings: one token matrix plus offsets (late interaction).

A late-interaction model (ColBERT, ColPali) embeds item ``i`` as ``n_i`` token vectors. They are
stored flat: ``tokens`` is float32 ``(sum_i n_i, D)`` and item ``i`` owns rows
``tokens[offsets[i]:offsets[i + 1]]``; ``offsets`` is int64 ``(n_items + 1,)``, starts at 0,
never decreases, and ends at ``len(tokens)``. Padding is never stored, so nothing downstream
needs a mask. Every item has at least one token (an item without tokens has no MaxSim score).

Kept in the leaf layer: encoders, caches, scoring kernels and indexes all pass it around.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from embedlab.errors import DataError


@dataclass(frozen=True)
class MultiVectors:
    """``n_items`` items of ``n_i`` float32 token vectors each (module docstring).

    Attributes:
        tokens: float32 ``(sum_i n_i, D)``, C-contiguous.
        offsets: int64 ``(n_items + 1,)``; item ``i`` is ``tokens[offsets[i]:offsets[i+1]]``.
    """

    tokens: NDArray[np.float32]
    offsets: NDArray[np.int64]

    def __post_init__(self) -> None:
        t, o = self.tokens, self.offsets
        if t.ndim != 2 or t.dtype != np.float32:
            raise DataError(f"multi-vector tokens must be float32 (T, D), got {t.dtype} {t.shape}")
        if o.ndim != 1 or o.dtype != np.int64 or len(o) < 1:
            raise DataError("multi-vector offsets must be a 1-d int64 array of n_items + 1 values")
        if o[0] != 0 or o[-1] != len(t):
            raise DataError(
                f"multi-vector offsets must start at 0 and end at {len(t)} (the token count), "
                f"got {int(o[0])} .. {int(o[-1])}"
            )
        counts = np.diff(o)
        if len(counts) and counts.min() < 1:
            empty = int(np.flatnonzero(counts < 1)[0])
            raise DataError(f"multi-vector item {empty} has no tokens (every item needs >= 1)")

    @classmethod
    def from_items(cls, items: Sequence[ArrayLike], dim: int | None = None) -> MultiVectors:
        """Pack per-item ``(n_i, D)`` arrays; ``dim`` is required when ``items`` is empty."""
        arrays = [np.asarray(a, dtype=np.float32) for a in items]
        if not arrays:
            if dim is None:
                raise DataError("no multi-vector items and no dimension given")
            return cls(np.zeros((0, dim), np.float32), np.zeros(1, np.int64))
        dims = {a.shape[1] if a.ndim == 2 else -1 for a in arrays}
        if len(dims) != 1 or -1 in dims:
            raise DataError(f"multi-vector items must all be (n_i, D) with one D, got {dims}")
        counts = np.array([len(a) for a in arrays], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(np.ascontiguousarray(np.concatenate(arrays, axis=0)), offsets)

    @property
    def n_items(self) -> int:
        return len(self.offsets) - 1

    @property
    def dim(self) -> int:
        return int(self.tokens.shape[1])

    @property
    def counts(self) -> NDArray[np.int64]:
        """Tokens per item, ``n_i``."""
        return np.diff(self.offsets)

    def item(self, i: int) -> NDArray[np.float32]:
        """The ``(n_i, D)`` token matrix of item ``i`` (a view)."""
        return self.tokens[self.offsets[i] : self.offsets[i + 1]]

    def select(self, indices: ArrayLike) -> MultiVectors:
        """The items at ``indices``, in that order (copies their tokens)."""
        idx = np.asarray(indices, dtype=np.int64)
        counts = self.counts[idx]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        if len(idx) == 0:
            return MultiVectors(np.zeros((0, self.dim), np.float32), offsets)
        rows = np.concatenate([np.arange(self.offsets[i], self.offsets[i + 1]) for i in idx])
        return MultiVectors(np.ascontiguousarray(self.tokens[rows]), offsets)

    def slice(self, start: int, stop: int) -> MultiVectors:
        """Items ``start:stop`` as a view of the same token matrix (offsets rebased)."""
        a, b = int(self.offsets[start]), int(self.offsets[stop])
        return MultiVectors(self.tokens[a:b], self.offsets[start : stop + 1] - a)
