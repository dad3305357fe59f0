"""The executor contract: compute the missing shards of one cache entry, shard by shard.

The embedding provider finds which shards of a cache entry are missing or failed verification
and hands them to an executor as one :class:`ShardWork`. The executor yields ``(shard,
vectors)`` pairs as shards complete, in any order; the provider checks nothing further and writes
each at once with ``ShardedEmbeddings.write_shard`` (checksum file, then shard, atomically), so
an interrupted run keeps every shard yielded so far and a restarted run recomputes only the
others, whichever executor computes them. Executors are named in :data:`EXECUTORS` (autoloaded
from this package: a new one is one module).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from embedlab._registry import Registry
from embedlab.models.base import ModelSpec, Role
from embedlab.results.embedding_cache import ShardedEmbeddings

Advance = Callable[[int], None]


@dataclass(frozen=True)
class EncodeRecipe:
    """How any process encodes a batch of this entry: everything is picklable, nothing loaded.

    Attributes:
        spec: the model (its runtime, precision, device, batch size).
        cache_dir: embedlab's cache (runtimes keep exports there).
        api_key_env: endpoint runtimes: the variable holding the API key (never the key).
        modality: ``image`` (items are file paths, decoded by the worker) or ``text``.
        role: the text role (None for images).
        instruction: the instruction of an instruction-aware model (None: none).
        fingerprint: the weights fingerprint of the cache key; a worker whose copy of the model
            fingerprints differently refuses to encode (None: not checked).
    """

    spec: ModelSpec
    cache_dir: Path
    api_key_env: str | None
    modality: str
    role: Role | None
    instruction: str | None
    fingerprint: str | None = None


@dataclass(frozen=True)
class ShardWork:
    """The shards of one cache entry to compute, and the in-process ways to compute them.

    Attributes:
        entry: the cache entry (shard ranges).
        shards: the shard numbers to compute, ascending.
        ids: every item id of the entry (for messages and checks).
        items: every item of the entry (image paths or texts).
        label: what the progress bar and messages call this work.
        recipe: how another process encodes a batch (None: only in-process encoding exists).
        load: loads the model in this process (the local executor calls it once, first).
        encode_shard: ``encode_shard(shard, advance)``, the provider's in-process loop.
        check: ``check(vectors, ids)`` raises ModelError on a wrong shape or non-finite values.
    """

    entry: ShardedEmbeddings
    shards: list[int]
    ids: Sequence[str]
    items: Sequence[Any]
    label: str
    recipe: EncodeRecipe | None
    load: Callable[[], None]
    encode_shard: Callable[[int, Advance], NDArray[np.float32]]
    check: Callable[[NDArray[np.float32], list[str]], None]


class Executor(Protocol):
    """Computes shards: ``compute(work, advance)`` yields ``(shard, float32 (rows, D))``."""

    @property
    def name(self) -> str:
        """The registry name (``local``, ``ray``)."""

    def compute(
        self, work: ShardWork, advance: Advance
    ) -> Iterator[tuple[int, NDArray[np.float32]]]: ...


@dataclass(frozen=True)
class ExecutorOptions:
    """Settings of the ``ray`` executor (the ``local`` one takes none).

    Attributes:
        address: Ray cluster address (None: start Ray on this machine).
        actors: actors in the pool, each holding one copy of the model.
        cpus_per_actor: CPUs Ray reserves per actor (fractional works on small machines).
        gpus_per_actor: GPUs Ray reserves per actor (needs ``--device cuda``).
        max_restarts: times Ray restarts a dead actor, and retries its batch, before failing.
    """

    address: str | None = None
    actors: int = 2
    cpus_per_actor: float = 0.5
    gpus_per_actor: float = 0.0
    max_restarts: int = 3


ExecutorFactory = Callable[[ExecutorOptions], Executor]
EXECUTORS: Registry[ExecutorFactory] = Registry("executor", autoload="embedlab.embedding.executors")


def create_executor(name: str, options: ExecutorOptions | None = None) -> Executor:
    """The executor ``name`` (UnknownNameError listing the valid names otherwise)."""
    return EXECUTORS.get(name)(options or ExecutorOptions())
