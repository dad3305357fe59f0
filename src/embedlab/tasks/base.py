"""What a task is, what it receives, what it hands back, and how it declares its parameters.

A :class:`Task` = dataset + protocol + metrics. Each task module registers a :class:`TaskDef`
in :data:`TASKS`: its name, its own typed parameter model (a :class:`TaskParams` subclass, the
way inspect_ai tasks declare typed arguments), and a ``build`` that validates them. The CLI and
suite files fill the parameters (``--data-dir``, ``--protocol``... or ``-T name=value`` for any
declared field); the finished-part key hashes the parameter object, so a new option is one field
in one task module and can never reuse a stale result.

At run time a task receives a :class:`TaskContext` (an :class:`~embedlab.embedding.contract.
Embedder` that hides the model, caching and batching, and where caches live) and returns a
:class:`TaskResult`: dataset identity, metric values with their per-query arrays (so confidence
intervals are computed generically), and per-query outcome tables to save.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from embedlab._registry import Registry
from embedlab.core.values import MetricValue
from embedlab.embedding.contract import Embedder
from embedlab.models.instructions import TaskKind
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo
from embedlab.scoring.search_executor import LOCAL, SearchExecutor

__all__ = [
    "TASKS",
    "MetricValue",
    "Task",
    "TaskContext",
    "TaskDef",
    "TaskParams",
    "TaskResult",
]


class TaskParams(BaseModel):
    """Base of every task's parameter model: frozen, unknown fields refused.

    Subclasses declare typed fields with defaults; field names are the ``-T`` names and match
    the run flags where one exists (``data_dir`` ← ``--data-dir``, ``protocols`` ←
    ``--protocol``, ``split``, ``hub_id``, ``classnames``, ``templates``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")


P = TypeVar("P", bound=TaskParams)


@dataclass(frozen=True)
class TaskContext:
    """What a task gets to run: the embeddings of one model and where caches live.

    Attributes:
        embed: embeddings of whole item lists (cached, batched; see ``Embedder``).
        cache_dir: where downloaded or generated data may be stored.
        chunk_mb: memory budget of one scoring block (does not change results).
        rerank: two-stage retrieval (``--rerank MODEL``): the late-interaction model that
            reranks ``embed``'s top ``candidates`` per query; None: one stage. Tasks that
            support it (``vidore``) report the first stage alone, the reranker alone and the
            two-stage pipeline; the others refuse it in one line.
        candidates: first-stage candidates per query for ``rerank`` (``--candidates``).
        corpus_memory_mb: ``--corpus-memory-mb``: a BEIR corpus larger than this is searched
            shard by shard from the embedding cache (:mod:`embedlab.tasks.corpus_search`;
            same results); None: always held in memory.
        search: where exact corpus top-k runs (:mod:`embedlab.scoring.search_executor`):
            in this process (default), or as Ray tasks (``--executor ray``; same results).
    """

    embed: Embedder
    cache_dir: Path
    chunk_mb: int = 32
    rerank: Embedder | None = None
    candidates: int = 100
    corpus_memory_mb: float | None = None
    search: SearchExecutor = LOCAL


@dataclass(frozen=True)
class TaskResult:
    """Everything a task produced for one model."""

    dataset: DatasetInfo
    metrics: list[MetricValue]
    outcomes: list[Outcomes] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Task(Protocol):
    """A runnable task (see module docstring)."""

    @property
    def name(self) -> str: ...

    def run(self, ctx: TaskContext) -> TaskResult: ...


@dataclass(frozen=True)
class TaskDef(Generic[P]):
    """A registered task: its parameter model and how to build it.

    Attributes:
        name: the ``--task`` name.
        params: the task's parameter model.
        build: ``(name, params) -> Task``; raises :class:`~embedlab.errors.ConfigError` for
            invalid settings (unknown protocol, missing ``--data-dir``...) before any work.
        description: one line for ``embedlab list``.
        kind: what the task embeds for; instruction-aware models pick their instructions
            by it (None: the model's defaults, or an error if its recipe needs one).
        two_stage: the task reads ``TaskContext.rerank``/``candidates`` (``--rerank``); a run
            asking a task without it for two-stage retrieval is refused before any work.
        late_interaction: the task has a MaxSim form for multi-vector models; a run giving
            a task without it such a model is refused before any work (and the task itself
            refuses in ``run``, :func:`embedlab.tasks._late.refuse_late`).
    """

    name: str
    params: type[P]
    build: Callable[[str, P], Task]
    description: str
    kind: TaskKind | None = None
    two_stage: bool = False
    late_interaction: bool = True


TASKS: Registry[TaskDef[Any]] = Registry("task", autoload="embedlab.tasks")


def register_task(
    name: str,
    params: type[P],
    description: str,
    kind: TaskKind | None = None,
    two_stage: bool = False,
    late_interaction: bool = True,
) -> Callable[[Callable[[str, P], Task]], Callable[[str, P], Task]]:
    """Decorator registering ``build(name, params) -> Task`` as task ``name`` of ``kind``
    (``two_stage``: it supports ``--rerank``; ``late_interaction``: it has a MaxSim form)."""

    def decorator(build: Callable[[str, P], Task]) -> Callable[[str, P], Task]:
        TASKS.register(name)(
            TaskDef(name, params, build, description, kind, two_stage, late_interaction)
        )
        return build

    return decorator
