"""A cache-only :class:`~embedlab.embedding.contract.Embedder`: a finished run's embeddings.

:class:`CachedEmbedder` is the run's :class:`~embedlab.embedding.provider.EmbeddingProvider`
(same cache keys: model fingerprint, precision, runtime, role, task instructions, items) with
the two steps that could compute or write replaced: the cache entry is located without
creating it, and a missing, incomplete or unverifiable entry raises one
:class:`~embedlab.errors.ResultsError` line naming the run, dataset and modality and the exact
command that re-creates the embeddings (``recreate``). It never loads a model. The token
methods of a multi-vector model read its ragged entries the same way
(:class:`CachedTokenFill`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.multivector import MultiVectors
from embedlab.embedding import token_fill
from embedlab.embedding.executors.base import EncodeRecipe
from embedlab.embedding.image_feed import ImageFeed
from embedlab.embedding.provider import SHARD_SIZE, EmbeddingProvider
from embedlab.embedding.token_fill import TokenFill
from embedlab.errors import ResultsError
from embedlab.models.base import Role
from embedlab.results.embedding_cache import ShardedEmbeddings, ShardFault, locate_entry
from embedlab.results.multivector_cache import RaggedEmbeddings, concatenate, locate_ragged


@dataclass
class CachedEmbedder(EmbeddingProvider):
    """The run's provider reading its cache only (see the module docstring).

    Attributes:
        run: the run folder, for messages.
        recreate: the command that re-creates the run's embeddings, for messages.
    """

    run: Path = field(default=Path("."), kw_only=True)
    recreate: str = field(default="embedlab run ...", kw_only=True)

    def _entry(
        self,
        modality: str,
        role: str,
        dataset: str,
        items: str,
        n: int,
        instruction: str | None = None,
    ) -> ShardedEmbeddings:
        """The entry the provider would open, located without writing anything."""
        parts = self._entry_parts(modality, role, dataset, items, instruction)
        root = locate_entry(self.cache_dir, parts, n, SHARD_SIZE).root
        return _Described(root, n, SHARD_SIZE, what=f"{modality} ({role}) embeddings")

    def _fill(
        self,
        entry: ShardedEmbeddings,
        dataset: str,
        modality: str,
        ids: list[str],
        items: list[Any],
        encode: Callable[[Sequence[Any]], NDArray[np.float32]],
        prepare: Callable[[Any], Any] | None,
        *,
        recipe: EncodeRecipe | None = None,
        image_feed: Callable[[list[tuple[int, int]]], ImageFeed] | None = None,
    ) -> NDArray[np.float32]:
        """The stored vectors, every shard verified; never encodes."""
        arrays = []
        for shard in range(entry.n_shards):
            loaded = entry.load_shard(shard) if entry.shard_path(shard).exists() else None
            if not isinstance(loaded, np.ndarray):
                raise self._missing(dataset, getattr(entry, "what", modality), loaded)
            arrays.append(loaded)
        if not arrays:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(arrays, axis=0)

    def _token_fill(self) -> TokenFill:
        """A cache-only token fill (never loads the model or writes)."""
        if self._tokens is None:
            self._tokens = CachedTokenFill(
                self.spec,
                self.cache_dir,
                self._options(),
                lambda batches, prepare: iter(batches),  # never encodes
                timings=self.timings,
                model_info=self.model_info,
                missing=self._missing,
            )
        return self._tokens

    def _missing(self, dataset: str, what: str, fault: ShardFault | None) -> ResultsError:
        why = (
            f"are not in the cache {self.cache_dir}"
            if fault is None
            else f"are unusable (cache file {fault.path} {fault.reason})"
        )
        return ResultsError(
            f"run {self.run}: the {what} of {self.spec.name} on {dataset} {why}; the index "
            f"study never loads a model, re-create them with: {self.recreate}"
        )


@dataclass(frozen=True)
class _Described(ShardedEmbeddings):
    """A cache entry that also says what it holds (for the message)."""

    what: str = ""


@dataclass
class CachedTokenFill(TokenFill):
    """A :class:`TokenFill` that reads a finished run's cache only: it never creates an entry,
    loads a model or computes; a missing or unusable shard is ``missing(dataset, what, fault)``
    raised (one ResultsError line with the command that re-creates it)."""

    missing: Callable[[str, str, ShardFault | None], ResultsError] | None = None

    def entry(self, parts: dict[str, str], n_items: int) -> RaggedEmbeddings:
        """The entry the run would have written, located without writing anything."""
        return locate_ragged(self.cache_dir, parts, n_items, token_fill.SHARD_ITEMS)

    def fill(
        self,
        parts: dict[str, str],
        dataset: str,
        modality: str,
        ids: list[str],
        items: list[Any],
        prepare: Callable[[Any], Any] | None,
        role: Role = "query",
    ) -> MultiVectors:
        """The stored token vectors, every shard verified; never encodes."""
        entry = self.entry(parts, len(ids))
        what = f"{modality} ({parts.get('role', role)}) token embeddings"
        shards = []
        for shard in range(entry.n_shards):
            exists = entry.tokens_path(shard).exists()
            loaded = entry.load_shard(shard) if exists else None
            if not isinstance(loaded, MultiVectors):
                if self.missing is None:
                    raise ResultsError(f"{what} of {self.spec.name} on {dataset} are not cached")
                raise self.missing(dataset, what, loaded)
            shards.append(loaded)
        result = concatenate(shards, entry.root)
        self.record(modality, result)
        return result
