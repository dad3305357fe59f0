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
    """

    embed: Embedder
    cache_dir: Path
    chunk_mb: int = 32


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
    """

    name: str
    params: type[P]
    build: Callable[[str, P], Task]
    description: str
    kind: TaskKind | None = None


TASKS: Registry[TaskDef[Any]] = Registry("task", autoload="embedlab.tasks")


def register_task(
    name: str, params: type[P], description: str, kind: TaskKind | None = None
) -> Callable[[Callable[[str, P], Task]], Callable[[str, P], Task]]:
    """Decorator registering ``build(name, params) -> Task`` as task ``name`` of ``kind``."""

    def decorator(build: Callable[[str, P], Task]) -> Callable[[str, P], Task]:
        TASKS.register(name)(TaskDef(name, params, build, description, kind))
        return build

    return decorator
