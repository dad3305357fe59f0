"""``ray``: missing shards computed by a pool of Ray actors through Ray Data.

Pipeline: the items of the missing shards become a Ray dataset whose **blocks are exactly the
local executor's batches** (``--batch-size`` items of one shard; a shard's last batch may be
shorter), so every batch holds the same items in the same order as in a local run and the
vectors are the same. ``map_batches`` sends each block whole (``batch_size=None``) to an
:class:`~embedlab.embedding.executors._ray_actor.EncodeActor` of a fixed pool
(``ActorPoolStrategy(size=--ray-actors)``, ``num_cpus=--ray-cpus-per-actor``, fractional by
default so a pool fits a 2-core machine, ``num_gpus=--ray-gpus-per-actor``); each actor loads the
model once and decodes its images itself. The driver streams the results (``iter_batches``),
checks each batch (shape, finite values), feeds the progress bar per batch, and yields a shard as
soon as all its rows are in; the provider writes it into the cache at once.

Faults: a dead actor is restarted by Ray and its batch retried (``max_restarts`` /
``max_task_retries`` = ``ExecutorOptions.max_restarts``); beyond that, one
:class:`~embedlab.errors.BackendError` line names the shards not computed and the root cause.
Errors that a retry cannot fix (model does not load, a package missing on a worker, a bad
image) come back from the actor as data and are raised as one line of their own class. Shards
finished before a failure stay in the cache: re-running resumes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.core.ray_cluster import address_endpoint, connect, probe, root_cause
from embedlab.embedding.executors._ray_actor import Loader, actor_class
from embedlab.embedding.executors.base import (
    EXECUTORS,
    Advance,
    ExecutorOptions,
    ShardWork,
)
from embedlab.errors import (
    BackendError,
    ConfigError,
    DataError,
    EmbedlabError,
    ModelError,
    ResultsError,
)

_ERRORS: dict[str, type[EmbedlabError]] = {
    cls.__name__: cls for cls in (ConfigError, DataError, ModelError, BackendError, ResultsError)
}


@dataclass
class RayExecutor:
    """Shards computed by a Ray actor pool (module docstring).

    ``loader`` replaces ``load_encoder`` inside the actors (fault-injection in tests).
    """

    options: ExecutorOptions
    loader: Loader | None = None
    name: str = field(default="ray", init=False)

    def __post_init__(self) -> None:
        if self.options.address is not None:  # fail before any work, not at the first shard
            address_endpoint(self.options.address)
            probe(self.options.address)

    def compute(
        self, work: ShardWork, advance: Advance
    ) -> Iterator[tuple[int, NDArray[np.float32]]]:
        """Yield each shard of ``work`` as soon as all its rows came back from the actors."""
        if work.recipe is None:
            raise ConfigError(
                f"{work.label}: the Ray executor cannot compute these embeddings (no recipe a "
                "worker could follow); run with --executor local"
            )
        if self.options.gpus_per_actor > 0 and work.recipe.spec.device == "cpu":
            raise ConfigError(
                "--ray-gpus-per-actor reserves GPUs the model would not use: add --device cuda"
            )
        ray = connect(self.options.address)
        dataset = self._encoded(ray, work)
        filled = _ShardFill(work)
        try:
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                _raise_worker_error(batch["error"])
                yield from filled.add(batch["index"], batch["vector"], advance)
        except EmbedlabError:
            raise
        except Exception as exc:
            if not type(exc).__module__.startswith("ray"):
                raise
            raise BackendError(
                f"{work.label}: Ray could not compute {filled.pending_text()} after "
                f"{self.options.max_restarts} actor restart(s) and batch retries: "
                f"{root_cause(exc)}; finished shards are kept in the cache, re-run to resume"
            ) from None

    def _encoded(self, ray: Any, work: ShardWork) -> Any:
        """The lazy Ray dataset of ``{shard, index, vector, error}`` rows."""
        import pyarrow as pa

        assert work.recipe is not None
        size = work.recipe.spec.batch_size
        blocks = []
        for shard in work.shards:
            lo, hi = work.entry.shard_range(shard)
            for start in range(lo, hi, size):
                stop = min(start + size, hi)
                items = [str(item) for item in work.items[start:stop]]
                rows = {"shard": [shard] * len(items), "index": list(range(start, stop))}
                blocks.append(pa.table({**rows, "item": items}))
        restarts = self.options.max_restarts
        with warnings.catch_warnings():  # Ray 2.60 marks **ray_remote_args as deprecated,
            warnings.simplefilter("ignore")  # but it is the only way to set restarts
            return ray.data.from_arrow(blocks).map_batches(
                actor_class(work.recipe, self.loader),
                batch_size=None,
                compute=ray.data.ActorPoolStrategy(size=self.options.actors),
                num_cpus=self.options.cpus_per_actor,
                num_gpus=self.options.gpus_per_actor or None,
                max_restarts=restarts,
                max_task_retries=restarts,
            )


class _ShardFill:
    """Rows arriving in any order, gathered per shard; a shard is yielded once complete."""

    def __init__(self, work: ShardWork) -> None:
        self.work = work
        self.arrays: dict[int, NDArray[np.float32]] = {}
        self.missing = {s: work.entry.shard_range(s)[1] - work.entry.shard_range(s)[0]
                        for s in work.shards}  # fmt: skip

    def add(
        self, index: NDArray[Any], vectors: NDArray[Any], advance: Advance
    ) -> Iterator[tuple[int, NDArray[np.float32]]]:
        rows = np.asarray(index, dtype=np.int64)
        block = np.asarray(vectors, dtype=np.float32).reshape(len(rows), -1)
        self.work.check(block, [self.work.ids[i] for i in rows])
        size = self.work.entry.shard_size
        for shard in np.unique(rows // size).tolist():
            mine = rows // size == shard
            lo, hi = self.work.entry.shard_range(shard)
            array = self.arrays.setdefault(
                shard, np.empty((hi - lo, block.shape[1]), dtype=np.float32)
            )
            array[rows[mine] - lo] = block[mine]
            self.missing[shard] -= int(mine.sum())
            if self.missing[shard] == 0:
                del self.missing[shard]
                yield shard, self.arrays.pop(shard)
        advance(len(rows))

    def pending_text(self) -> str:
        """``shard 3 (items 3072-4095)`` / ``shards 3, 5, ... (N items)`` not yet complete."""
        pending = sorted(self.missing)
        if len(pending) == 1:
            lo, hi = self.work.entry.shard_range(pending[0])
            return f"shard {pending[0]} (items {lo}-{hi - 1})"
        shown = ", ".join(str(s) for s in pending[:8]) + (", ..." if len(pending) > 8 else "")
        return f"shards {shown} of {self.work.entry.n_shards}"


def _raise_worker_error(errors: NDArray[Any]) -> None:
    """Raise the first error an actor returned as data (see ``_ray_actor``), as its class."""
    failed = [str(e) for e in errors.tolist() if e]
    if failed:
        name, _, message = failed[0].partition("\t")
        raise _ERRORS.get(name, ModelError)(message)


@EXECUTORS.register("ray")
def ray_executor(options: ExecutorOptions) -> RayExecutor:
    """The Ray actor-pool executor (probes ``options.address`` now, imports Ray later)."""
    return RayExecutor(options)
