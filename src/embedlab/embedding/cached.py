"""A cache-only :class:`~embedlab.embedding.contract.Embedder`: a finished run's embeddings.

:class:`CachedEmbedder` is the run's :class:`~embedlab.embedding.provider.EmbeddingProvider`
(same cache keys: model fingerprint, precision, runtime, role, task instructions, items) with
the two steps that could compute or write replaced: the cache entry is located without
creating it, and a missing, incomplete or unverifiable entry raises one
:class:`~embedlab.errors.ResultsError` line naming the run, dataset and modality and the exact
command that re-creates the embeddings (``recreate``). It never loads a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.embedding.provider import SHARD_SIZE, EmbeddingProvider
from embedlab.errors import ResultsError
from embedlab.results.embedding_cache import ShardedEmbeddings, ShardFault, locate_entry


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
