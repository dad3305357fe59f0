"""On-disk embedding cache, sharded so an interrupted encode resumes where it stopped.

Layout: ``<cache_dir>/embeddings/<key>/meta.json`` plus ``shard-000000.npy``, ... each holding the
float32 embeddings of ``shard_size`` consecutive items. The key is a sha256 over everything that
determines the vectors: model fingerprint, precision, runtime, modality, role, and the ordered
item ids (with their content hash where the caller gives one). Shards are plain ``.npy`` read with
``allow_pickle=False`` — the cache never unpickles anything. Each shard is written atomically,
so a killed run leaves only complete shards behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import write_atomic, write_text_atomic
from embedlab.errors import ResultsError

CACHE_FORMAT = 1
DEFAULT_SHARD_SIZE = 1024


def cache_key(parts: Mapping[str, str]) -> str:
    """sha256 (first 24 hex digits) of the canonical JSON of ``parts`` plus the cache format."""
    payload = json.dumps({**parts, "cache_format": str(CACHE_FORMAT)}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class ShardedEmbeddings:
    """The cache entry of one (model, modality, item list): shards of ``shard_size`` rows."""

    root: Path
    n_items: int
    shard_size: int = DEFAULT_SHARD_SIZE

    @property
    def n_shards(self) -> int:
        return (self.n_items + self.shard_size - 1) // self.shard_size

    def shard_range(self, shard: int) -> tuple[int, int]:
        """Item index range ``[start, stop)`` covered by ``shard``."""
        start = shard * self.shard_size
        return start, min(start + self.shard_size, self.n_items)

    def _path(self, shard: int) -> Path:
        return self.root / f"shard-{shard:06d}.npy"

    def missing_shards(self) -> list[int]:
        """Shards not yet on disk."""
        return [s for s in range(self.n_shards) if not self._path(s).exists()]

    def write_meta(self, meta: Mapping[str, str]) -> None:
        write_text_atomic(self.root / "meta.json", json.dumps(dict(meta), indent=1, sort_keys=True))

    def write_shard(self, shard: int, vectors: NDArray[np.float32]) -> None:
        start, stop = self.shard_range(shard)
        if vectors.shape[0] != stop - start:
            raise ResultsError(f"shard {shard} of {self.root} needs {stop - start} rows")
        array = np.ascontiguousarray(vectors, dtype=np.float32)
        write_atomic(self._path(shard), lambda handle: np.save(handle, array, allow_pickle=False))

    def read_shard(self, shard: int) -> NDArray[np.float32]:
        start, stop = self.shard_range(shard)
        path = self._path(shard)
        try:
            array: NDArray[np.float32] = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ResultsError(
                f"embedding cache file {path} is unreadable ({exc}); delete it to recompute"
            ) from None
        if array.ndim != 2 or array.shape[0] != stop - start or array.dtype != np.float32:
            raise ResultsError(
                f"embedding cache file {path} has shape {array.shape} {array.dtype}, expected "
                f"{stop - start} float32 rows; delete it to recompute"
            )
        return array

    def read_all(self) -> NDArray[np.float32]:
        """All shards concatenated, ``(n_items, D)``."""
        return np.concatenate([self.read_shard(s) for s in range(self.n_shards)], axis=0)


def open_entry(
    cache_dir: Path, parts: Mapping[str, str], n_items: int, shard_size: int = DEFAULT_SHARD_SIZE
) -> ShardedEmbeddings:
    """Open (creating if needed) the cache entry for ``parts``; records ``parts`` in meta.json."""
    key = cache_key({**parts, "n_items": str(n_items), "shard_size": str(shard_size)})
    entry = ShardedEmbeddings(cache_dir / "embeddings" / key, n_items, shard_size)
    if not (entry.root / "meta.json").exists():
        entry.write_meta({**parts, "n_items": str(n_items), "shard_size": str(shard_size)})
    return entry
