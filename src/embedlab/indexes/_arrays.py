"""Input checks and result conventions shared by every backend (float32, -1 / -inf padding)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import write_atomic
from embedlab.errors import ConfigError, DataError


def as_vectors(array: Any, what: str, dim: int | None = None) -> NDArray[np.float32]:
    """``array`` as a C-contiguous float32 ``(N, D)`` of finite values (``D == dim`` if given).

    Raises:
        DataError: not 2-D, empty, wrong dimension, or holding NaN/inf.
    """
    x = np.ascontiguousarray(array, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise DataError(f"{what} must be a non-empty (N, D) array, got shape {x.shape}")
    if dim is not None and x.shape[1] != dim:
        raise DataError(f"{what} have dimension {x.shape[1]}, the index holds dimension {dim}")
    if not np.isfinite(x).all():
        raise DataError(f"{what} hold NaN or infinite values")
    return x


def check_k(k: int) -> int:
    """``k`` as an int >= 1 (ConfigError otherwise)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"search needs k >= 1, got k={k!r}")
    return int(k)


def finish(scores: Any, ids: Any) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """float32 scores and int64 ids; where the id is -1 (not found) the score is -inf."""
    s = np.ascontiguousarray(scores, dtype=np.float32)
    i = np.ascontiguousarray(ids, dtype=np.int64)
    s[i < 0] = -np.inf
    return s, i


def seeded_rows(n: int, size: int, seed: int) -> NDArray[np.int64]:
    """``min(n, size)`` distinct row numbers drawn with ``default_rng(seed)``, sorted."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    rows = np.random.default_rng(seed).choice(n, size=size, replace=False)
    return np.sort(rows).astype(np.int64)


class ByteCounter:
    """A write-only file object that counts the bytes written (serialised sizes, no copy)."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes | memoryview) -> int:
        self.count += len(data)
        return len(data)

    def __call__(self, data: bytes) -> int:
        return self.write(data)


def npy_nbytes(array: NDArray[Any]) -> int:
    """Bytes of ``array`` saved as ``.npy`` (``np.save``, no pickle), measured by writing."""
    counter = ByteCounter()
    np.save(counter, array, allow_pickle=False)
    return counter.count


def save_npy(path: Path, array: NDArray[Any]) -> Path:
    """``np.save`` (no pickle) to ``path`` atomically; returns ``path``."""
    write_atomic(path, lambda f: np.save(f, array, allow_pickle=False))
    return path
