"""``local``: the missing shards encoded in this process, one after another (the default).

The model is loaded once (``work.load``) and each shard goes through the provider's own loop
(batches of ``--batch-size``, images decoded one batch ahead by ``--workers`` threads).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from embedlab.embedding.executors.base import (
    EXECUTORS,
    Advance,
    ExecutorOptions,
    ShardWork,
)


@dataclass(frozen=True)
class LocalExecutor:
    """Shards computed in order, in this process."""

    name: str = "local"

    def compute(
        self, work: ShardWork, advance: Advance
    ) -> Iterator[tuple[int, NDArray[np.float32]]]:
        """Load the model, then yield each shard as soon as it is encoded."""
        work.load()
        for shard in work.shards:
            yield shard, work.encode_shard(shard, advance)


@EXECUTORS.register("local")
def local_executor(options: ExecutorOptions) -> LocalExecutor:
    """The in-process executor (takes no options)."""
    return LocalExecutor()
