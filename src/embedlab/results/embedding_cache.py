"""On-disk embedding cache, sharded so an interrupted encode resumes where it stopped.

Layout: ``<cache_dir>/embeddings/<key>/meta.json`` plus ``shard-000000.npy``, ... each holding the
float32 embeddings of ``shard_size`` consecutive items, and beside each shard its checksum file
``shard-000000.json`` = ``{"sha256": <hex of the array's C-order bytes>, "shape": [rows, dim],
"dtype": "float32"}`` (JSON, never pickle). The key is a sha256 over everything that determines
the vectors: model fingerprint, precision, runtime, modality, role, and the ordered item ids
(with their content hash where the caller gives one). Shards are plain ``.npy`` read with
``allow_pickle=False`` — the cache never unpickles anything.

Writes are atomic and ordered checksum file first, then shard: a run killed between the two
leaves either no shard (recomputed as missing) or an old shard whose checksum no longer matches
(recomputed as corrupt), never a shard trusted without its checksum.

Reads verify (:meth:`ShardedEmbeddings.load_shard`): the file loads, has ``rows x dim`` float32
values matching its checksum file, only finite values, and the sha256 matches. A failing shard
is a :class:`ShardFault` (the embedding provider recomputes it with a one-line warning naming the
file). A shard without a checksum file (written by embedlab before it kept checksums, or whose
checksum file was lost) is *unverified* and recomputed too, rather than trusted or migrated:
migrating would stamp whatever the file holds now as correct.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import write_atomic, write_text_atomic
from embedlab.errors import CacheWarning, ResultsError

#: Unchanged by checksums on purpose: entries written before them keep their keys, so they are
#: found, reported once and recomputed (a new format would orphan them silently instead).
CACHE_FORMAT = 1
DEFAULT_SHARD_SIZE = 1024
DTYPE = "float32"


def cache_key(parts: Mapping[str, str]) -> str:
    """sha256 (first 24 hex digits) of the canonical JSON of ``parts`` plus the cache format."""
    payload = json.dumps({**parts, "cache_format": str(CACHE_FORMAT)}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def array_checksum(array: NDArray[Any]) -> str:
    """sha256 hex digest of the C-order bytes of ``array``."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@dataclass(frozen=True)
class ShardFault:
    """Why a stored shard cannot be used: ``path`` and a ``reason`` that completes a sentence.

    ``unverified`` marks a readable shard that merely has no checksum file.
    """

    shard: int
    path: Path
    reason: str
    unverified: bool = False


@dataclass(frozen=True)
class ShardLayout:
    """``n_items`` items in a folder, cut into consecutive shards of ``shard_size`` items."""

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


@dataclass(frozen=True)
class ShardedEmbeddings(ShardLayout):
    """The cache entry of one (model, modality, item list): shards of ``shard_size`` rows."""

    def shard_path(self, shard: int) -> Path:
        """The ``.npy`` file of ``shard``."""
        return self.root / f"shard-{shard:06d}.npy"

    def checksum_path(self, shard: int) -> Path:
        """The JSON checksum file of ``shard``."""
        return self.root / f"shard-{shard:06d}.json"

    def missing_shards(self) -> list[int]:
        """Shards not yet on disk."""
        return [s for s in range(self.n_shards) if not self.shard_path(s).exists()]

    def write_meta(self, meta: Mapping[str, str]) -> None:
        write_text_atomic(self.root / "meta.json", json.dumps(dict(meta), indent=1, sort_keys=True))

    def write_shard(self, shard: int, vectors: NDArray[np.float32]) -> None:
        """Write the checksum file, then the shard, each atomically (see the module docstring)."""
        start, stop = self.shard_range(shard)
        if vectors.ndim != 2 or vectors.shape[0] != stop - start:
            raise ResultsError(f"shard {shard} of {self.root} needs {stop - start} rows")
        array = np.ascontiguousarray(vectors, dtype=np.float32)
        check = {"sha256": array_checksum(array), "shape": list(array.shape), "dtype": DTYPE}
        write_text_atomic(self.checksum_path(shard), json.dumps(check, sort_keys=True))
        write_atomic(self.shard_path(shard), lambda h: np.save(h, array, allow_pickle=False))

    def load_shard(self, shard: int) -> NDArray[np.float32] | ShardFault:
        """The verified vectors of a stored ``shard``, or the :class:`ShardFault` found."""
        start, stop = self.shard_range(shard)
        path = self.shard_path(shard)

        def fault(reason: str, unverified: bool = False) -> ShardFault:
            return ShardFault(shard, path, reason, unverified)

        try:
            if path.stat().st_size == 0:
                return fault("is empty (0 bytes)")
            array: NDArray[Any] = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:  # EOFError: truncated header
            return fault(f"is unreadable ({type(exc).__name__}: {exc})")
        if array.ndim != 2 or array.shape[0] != stop - start or array.dtype != np.float32:
            return fault(
                f"has shape {array.shape} {array.dtype}, expected {stop - start} float32 rows"
            )
        bad = int(np.count_nonzero(~np.isfinite(array)))
        if bad:
            return fault(f"holds {bad} non-finite value(s) (NaN/inf)")
        check = self._read_checksum(shard)
        if check is None:
            return fault("has no checksum file", unverified=True)
        if isinstance(check, str):
            return fault(check)
        if check["shape"] != list(array.shape) or check["dtype"] != DTYPE:
            return fault(
                f"has shape {list(array.shape)}, but its checksum file records {check['shape']} "
                f"{check['dtype']}"
            )
        if array_checksum(array) != check["sha256"]:
            return fault("does not match its sha256 checksum (its values were changed)")
        return array

    def _read_checksum(self, shard: int) -> dict[str, Any] | str | None:
        """The checksum record, None when absent, or a fault reason when malformed."""
        path = self.checksum_path(shard)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            return f"has an unreadable checksum file {path.name} ({type(exc).__name__})"
        ok = (
            isinstance(raw, dict)
            and isinstance(raw.get("sha256"), str)
            and isinstance(raw.get("shape"), list)
            and isinstance(raw.get("dtype"), str)
        )
        return raw if ok else f"has a malformed checksum file {path.name}"

    def read_shard(self, shard: int) -> NDArray[np.float32]:
        """The verified vectors of ``shard``.

        Raises:
            ResultsError: the shard fails verification (names the file to delete).
        """
        loaded = self.load_shard(shard)
        if isinstance(loaded, ShardFault):
            raise ResultsError(
                f"embedding cache file {loaded.path} {loaded.reason}; delete it to recompute"
            )
        return loaded

    def read_all(self) -> NDArray[np.float32]:
        """All shards concatenated and verified, ``(n_items, D)``."""
        return np.concatenate([self.read_shard(s) for s in range(self.n_shards)], axis=0)


def locate_entry(
    cache_dir: Path, parts: Mapping[str, str], n_items: int, shard_size: int = DEFAULT_SHARD_SIZE
) -> ShardedEmbeddings:
    """The cache entry for ``parts`` (its folder is keyed by them), without creating anything."""
    key = cache_key({**parts, "n_items": str(n_items), "shard_size": str(shard_size)})
    return ShardedEmbeddings(cache_dir / "embeddings" / key, n_items, shard_size)


def open_entry(
    cache_dir: Path, parts: Mapping[str, str], n_items: int, shard_size: int = DEFAULT_SHARD_SIZE
) -> ShardedEmbeddings:
    """Open (creating if needed) the cache entry for ``parts``; records ``parts`` in meta.json."""
    entry = locate_entry(cache_dir, parts, n_items, shard_size)
    if not (entry.root / "meta.json").exists():
        entry.write_meta({**parts, "n_items": str(n_items), "shard_size": str(shard_size)})
    return entry


_Shard_co = TypeVar("_Shard_co", covariant=True)
_Shard = TypeVar("_Shard")


class StoredShards(Protocol[_Shard_co]):
    """A sharded cache entry as :func:`verified_shards` reads it: dense
    (:class:`ShardedEmbeddings`) or ragged (:mod:`embedlab.results.multivector_cache`)."""

    @property
    def root(self) -> Path: ...

    @property
    def n_shards(self) -> int: ...

    def missing_shards(self) -> list[int]: ...

    def load_shard(self, shard: int) -> _Shard_co | ShardFault: ...


def verified_shards(
    entry: StoredShards[_Shard],
) -> tuple[dict[int, _Shard], list[int], list[ShardFault]]:
    """Verified stored shards, the shards to (re)compute, and the faults found.

    Each corrupt shard gets a one-line :class:`CacheWarning` naming its file; shards without a
    checksum file (older embedlab) get one warning for the whole entry.
    """
    missing = set(entry.missing_shards())
    arrays: dict[int, _Shard] = {}
    todo: list[int] = []
    faults: list[ShardFault] = []
    for shard in range(entry.n_shards):
        loaded = None if shard in missing else entry.load_shard(shard)
        if loaded is not None and not isinstance(loaded, ShardFault):
            arrays[shard] = loaded
            continue
        todo.append(shard)
        if isinstance(loaded, ShardFault):
            faults.append(loaded)
            if not loaded.unverified:
                warnings.warn(
                    f"embedding cache file {loaded.path} {loaded.reason}; recomputing it",
                    CacheWarning,
                    stacklevel=3,
                )
    unverified = [f for f in faults if f.unverified]
    if unverified:
        warnings.warn(
            f"{len(unverified)} embedding cache file(s) in {entry.root} have no checksum "
            f"(written by an older embedlab, or the checksum file was lost), e.g. "
            f"{unverified[0].path.name}; recomputing them rather than trusting them",
            CacheWarning,
            stacklevel=3,
        )
    return arrays, todo, faults
