"""Where a task's exact top-k runs: in this process (``local``) or as Ray tasks (``ray``).

A :class:`SearchExecutor` travels to tasks in ``TaskContext.search`` (default :data:`LOCAL`:
every caller that does not choose otherwise searches as before). With ``kind == "ray"`` the
BEIR exact top-k (:func:`embedlab.tasks.corpus_search.corpus_topk`) is computed by
:func:`embedlab.scoring.ray_topk.ray_sharded_topk`: one task per corpus shard, each reserving
``cpus_per_task`` CPUs (fractional, so tasks share a small machine), on the cluster at
``address`` (None: a Ray started on this machine, or the one already running). The setting
changes where the dot products are computed, never the lists: every executor gives
``dense_topk``'s result (same tie rule), so it is not part of any result's identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: The search executors.
SEARCH_KINDS = ("local", "ray")
#: CPUs a Ray search task reserves by default (fractional: 4 tasks at a time on 2 cores).
DEFAULT_CPUS_PER_TASK = 0.5


@dataclass(frozen=True)
class SearchExecutor:
    """``kind`` ``local`` or ``ray``; for ``ray`` the cluster ``address`` and CPUs per task."""

    kind: Literal["local", "ray"] = "local"
    address: str | None = None
    cpus_per_task: float = DEFAULT_CPUS_PER_TASK

    @property
    def is_ray(self) -> bool:
        return self.kind == "ray"


#: In-process search (the default).
LOCAL = SearchExecutor()
