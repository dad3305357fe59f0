"""What a task is, what it receives, and what it hands back.

A :class:`Task` = dataset + protocol + metrics. It receives a :class:`TaskContext` (where the data
lives, and an embedding provider that hides the model, caching and batching) and returns a
:class:`TaskResult`: dataset identity, metric values with their per-query arrays (so confidence
intervals can be computed generically), and per-query outcome tables to save.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from embedlab._registry import Registry
from embedlab.models.encode import EmbeddingProvider
from embedlab.results.outcomes import Outcomes
from embedlab.results.schema import DatasetInfo

Statistic = Literal["mean", "median"]


@dataclass(frozen=True)
class TaskOptions:
    """User settings a task may read (``--data-dir``, ``--protocol``, ``--split``...)."""

    data_dir: Path | None
    cache_dir: Path
    split: str = "test"
    protocols: tuple[str, ...] = ()
    hub_id: str | None = None
    chunk_mb: int = 32
    classnames: Path | None = None
    templates: Path | None = None


@dataclass(frozen=True)
class TaskContext:
    """What a task gets to run: options and the embeddings of one model."""

    options: TaskOptions
    embed: EmbeddingProvider


@dataclass(frozen=True)
class MetricValue:
    """A metric = ``statistic`` over ``per_query`` (grouped by ``clusters`` for resampling)."""

    protocol: str
    metric: str
    value: float
    n: int
    k: int | None = None
    per_query: NDArray[np.float64] | None = None
    clusters: NDArray[np.int64] | None = None
    statistic: Statistic = "mean"


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


TaskFactory = Callable[[str, TaskOptions], Task]
TASKS: Registry[TaskFactory] = Registry("task", autoload="embedlab.tasks")

