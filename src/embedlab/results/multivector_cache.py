"""On-disk cache of multi-vector (late-interaction) embeddings: ragged shards that resume.

The ragged twin of :mod:`embedlab.results.embedding_cache`, with the same guarantees. Layout:
``<cache_dir>/embeddings/<key>/meta.json`` and per shard of ``shard_size`` consecutive items

- ``shard-000000.tokens.npy``: float32 ``(T_s, D)``, the items' token vectors one after another
  (padding never stored);
- ``shard-000000.offsets.npy``: int64 ``(n_s + 1,)``, item ``i`` of the shard owns rows
  ``offsets[i]:offsets[i + 1]`` (:class:`~embedlab.core.multivector.MultiVectors`); the token
  counts per item are ``diff(offsets)``;
- ``shard-000000.json``: ``{"tokens": {"sha256", "shape", "dtype"}, "offsets": {...}}``.

The key is :func:`~embedlab.results.embedding_cache.cache_key` of the caller's parts plus
``form = multivector``, so a dense and a multi-vector entry of the same model and items never
share a folder. Both arrays are plain ``.npy`` read with ``allow_pickle=False``.

Writes are atomic and ordered checksum file, offsets, then tokens (the tokens file is what marks
a shard present): an interrupted write leaves a missing shard, or files that no longer match
their checksums, which are recomputed; never a shard trusted without its checksum.

Reads verify (:meth:`RaggedEmbeddings.load_shard`): both files load; the tokens are a finite
float32 matrix; the offsets are int64, one more than the shard's items, start at 0, end at the
token count, and give every item at least one token; shapes, dtypes and sha256 match the
checksum file. A failure is a :class:`~embedlab.results.embedding_cache.ShardFault`, handled by
:func:`~embedlab.results.embedding_cache.verified_shards` exactly as for dense shards (a
one-line :class:`~embedlab.errors.CacheWarning`, then the shard is recomputed).

Storage: ``bytes_per_item = 4 * D * mean(n_i)`` for the tokens, plus 8 bytes of offset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab._atomic import write_atomic, write_text_atomic
from embedlab.core.multivector import MultiVectors
from embedlab.errors import DataError, ResultsError
from embedlab.results.embedding_cache import ShardFault, ShardLayout, array_checksum, cache_key

#: The cache-key marker of ragged entries (dense entries have no ``form`` part).
FORM = "multivector"
#: Items per shard: a ColPali page is ~1030 tokens x 128 x 4 B = 0.5 MB, so 256 pages are a
#: ~135 MB shard (the unit of resumption, and of memory while it is written).
TOKEN_SHARD_SIZE = 256
_DTYPES = {"tokens": "float32", "offsets": "int64"}


@dataclass(frozen=True)
class RaggedEmbeddings(ShardLayout):
    """The cache entry of one (model, modality, item list) as ragged shards (module docstring)."""

    shard_size: int = TOKEN_SHARD_SIZE

    def tokens_path(self, shard: int) -> Path:
        return self.root / f"shard-{shard:06d}.tokens.npy"

    def offsets_path(self, shard: int) -> Path:
        return self.root / f"shard-{shard:06d}.offsets.npy"

    def checksum_path(self, shard: int) -> Path:
        return self.root / f"shard-{shard:06d}.json"

    def missing_shards(self) -> list[int]:
        """Shards whose tokens file (written last) is not on disk."""
        return [s for s in range(self.n_shards) if not self.tokens_path(s).exists()]

    def write_shard(self, shard: int, items: MultiVectors) -> None:
        """Write the checksum file, the offsets, then the tokens, each atomically."""
        start, stop = self.shard_range(shard)
        if items.n_items != stop - start:
            raise ResultsError(f"shard {shard} of {self.root} needs {stop - start} items")
        arrays: dict[str, NDArray[Any]] = {
            "tokens": np.ascontiguousarray(items.tokens, dtype=np.float32),
            "offsets": np.ascontiguousarray(items.offsets, dtype=np.int64),
        }
        check = {
            name: {"sha256": array_checksum(a), "shape": list(a.shape), "dtype": _DTYPES[name]}
            for name, a in arrays.items()
        }
        write_text_atomic(self.checksum_path(shard), json.dumps(check, sort_keys=True))
        _save(self.offsets_path(shard), arrays["offsets"])
        _save(self.tokens_path(shard), arrays["tokens"])

    def load_shard(self, shard: int) -> MultiVectors | ShardFault:
        """The verified items of a stored ``shard``, or the :class:`ShardFault` found."""
        start, stop = self.shard_range(shard)
        path = self.tokens_path(shard)

        def fault(reason: str, unverified: bool = False) -> ShardFault:
            return ShardFault(shard, path, reason, unverified)

        tokens = _load(path)
        if isinstance(tokens, str):
            return fault(tokens)
        offsets = _load(self.offsets_path(shard))
        if isinstance(offsets, str):
            return fault(f"has an offsets file that {offsets}")
        if tokens.ndim != 2 or tokens.dtype != np.float32:
            return fault(f"has shape {tokens.shape} {tokens.dtype}, expected float32 (tokens, dim)")
        if offsets.ndim != 1 or offsets.dtype != np.int64 or len(offsets) != stop - start + 1:
            return fault(
                f"has offsets of shape {offsets.shape} {offsets.dtype}, expected "
                f"{stop - start + 1} int64 values"
            )
        bad = int(np.count_nonzero(~np.isfinite(tokens)))
        if bad:
            return fault(f"holds {bad} non-finite value(s) (NaN/inf)")
        check = _read_checksum(self.checksum_path(shard))
        if check is None:
            return fault("has no checksum file", unverified=True)
        if isinstance(check, str):
            return fault(check)
        for name, array in (("tokens", tokens), ("offsets", offsets)):
            record = check[name]
            if record["shape"] != list(array.shape) or record["dtype"] != _DTYPES[name]:
                return fault(
                    f"has {name} of shape {list(array.shape)}, but its checksum file records "
                    f"{record['shape']} {record['dtype']}"
                )
            if array_checksum(array) != record["sha256"]:
                return fault(f"does not match its sha256 checksum ({name} values were changed)")
        try:
            return MultiVectors(tokens, offsets)
        except DataError as exc:  # offsets inconsistent with the tokens
            return fault(f"has invalid offsets ({exc})")

    def read_all(self) -> MultiVectors:
        """All shards concatenated and verified.

        Raises:
            ResultsError: a shard is missing or fails verification (names the file).
        """
        shards = []
        for shard in range(self.n_shards):
            loaded = self.load_shard(shard)
            if isinstance(loaded, ShardFault):
                raise ResultsError(
                    f"embedding cache file {loaded.path} {loaded.reason}; delete it to recompute"
                )
            shards.append(loaded)
        return concatenate(shards, self.root)


def concatenate(shards: list[MultiVectors], where: Path) -> MultiVectors:
    """The shards' items in order as one :class:`MultiVectors`.

    Raises:
        ResultsError: the shards have different token widths (names the entry folder).
    """
    if not shards:  # no items: zero tokens of unknown width
        return MultiVectors(np.zeros((0, 0), np.float32), np.zeros(1, np.int64))
    dims = sorted({s.dim for s in shards})
    if len(dims) > 1:
        raise ResultsError(
            f"embedding cache folder {where} holds token vectors of different widths {dims}; "
            "delete it to recompute"
        )
    counts = np.concatenate([s.counts for s in shards])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    tokens = np.concatenate([s.tokens for s in shards], axis=0)
    return MultiVectors(np.ascontiguousarray(tokens, dtype=np.float32), offsets)


def locate_ragged(
    cache_dir: Path, parts: Mapping[str, str], n_items: int, shard_size: int = TOKEN_SHARD_SIZE
) -> RaggedEmbeddings:
    """The ragged entry for ``parts`` (keyed with ``form = multivector``); creates nothing."""
    key = cache_key(_keyed(parts, n_items, shard_size))
    return RaggedEmbeddings(cache_dir / "embeddings" / key, n_items, shard_size)


def open_ragged(
    cache_dir: Path, parts: Mapping[str, str], n_items: int, shard_size: int = TOKEN_SHARD_SIZE
) -> RaggedEmbeddings:
    """Open (creating if needed) the ragged entry for ``parts``; records them in meta.json."""
    entry = locate_ragged(cache_dir, parts, n_items, shard_size)
    if not (entry.root / "meta.json").exists():
        meta = json.dumps(_keyed(parts, n_items, shard_size), indent=1, sort_keys=True)
        write_text_atomic(entry.root / "meta.json", meta)
    return entry


def _keyed(parts: Mapping[str, str], n_items: int, shard_size: int) -> dict[str, str]:
    return {**parts, "form": FORM, "n_items": str(n_items), "shard_size": str(shard_size)}


def _save(path: Path, array: NDArray[Any]) -> None:
    write_atomic(path, lambda handle: np.save(handle, array, allow_pickle=False))


def _load(path: Path) -> NDArray[Any] | str:
    """The array in ``path``, or why it cannot be read (completes "the file ...")."""
    try:
        if path.stat().st_size == 0:
            return "is empty (0 bytes)"
        array: NDArray[Any] = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return "is missing"
    except (OSError, ValueError, EOFError) as exc:  # EOFError: truncated header
        return f"is unreadable ({type(exc).__name__}: {exc})"
    return array


def _read_checksum(path: Path) -> dict[str, dict[str, Any]] | str | None:
    """The checksum record, None when absent, or a fault reason when malformed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return f"has an unreadable checksum file {path.name} ({type(exc).__name__})"
    ok = isinstance(raw, dict) and all(
        isinstance(raw.get(name), dict)
        and isinstance(raw[name].get("sha256"), str)
        and isinstance(raw[name].get("shape"), list)
        and isinstance(raw[name].get("dtype"), str)
        for name in _DTYPES
    )
    return raw if ok else f"has a malformed checksum file {path.name}"
