"""A run's late-interaction flags, checked before any work, and the second stage of a part.

``--muvera`` fills the ``muvera`` parameter of the tasks that declare it (``vidore``: MUVERA
fixed-dimensional encodings as a first stage, exact MaxSim rerank, reported beside exact
MaxSim). ``--rerank MODEL --candidates K`` asks for two-stage retrieval: each ``--model``'s top
``K`` documents per query are rescored by exact MaxSim of the late-interaction ``MODEL``, in the
tasks registered with ``two_stage=True`` (:class:`~embedlab.tasks.base.TaskDef`).

Refused in one line before any model loads or any data is read:

- ``--muvera`` with a task that declares no ``muvera`` parameter, with a dense model (MUVERA
  encodes token vectors), or with ``--rerank``;
- ``--rerank`` with a task that has no two-stage form, or with a reranker that is not a
  late-interaction (multi-vector) model; ``--candidates`` without ``--rerank`` is refused by
  :class:`~embedlab.config.run.RunConfig` itself.

A two-stage part is one (first model, task) part: its rows carry the model label
``FIRST → RERANKER@K`` (so the report groups them apart from FIRST run alone), its key holds the
reranker's name, weights fingerprint, precision and ``K``, its notes record both models'
provenance, and its timings hold both models' encoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from embedlab.config.run import RunConfig
from embedlab.embedding.provider import EmbeddingProvider
from embedlab.errors import ConfigError
from embedlab.models.base import ModelSpec
from embedlab.models.registry import get_source
from embedlab.tasks.base import TASKS, TaskDef

#: The task parameter ``--muvera`` fills.
MUVERA_PARAM = "muvera"
#: Why a model is refused where a late-interaction one is needed (the source decides from the
#: checkpoint's config.json, which for a Hub id needs the Hugging Face cache or the Hub).
NOT_LATE = (
    "not recognised as a late-interaction (multi-vector) model (a ColPali or ColQwen2 "
    "checkpoint, told by its config.json: a Hub model must be cached or the Hub reachable)"
)


def is_late(spec: ModelSpec) -> bool:
    """Whether ``spec`` is a late-interaction (multi-vector) model; cheap, never loads it."""
    return get_source(spec).late_interaction(spec)


def check_muvera(
    config: RunConfig, definitions: Sequence[TaskDef[Any]], specs: Sequence[ModelSpec]
) -> None:
    """Refuse ``--muvera`` for tasks without a MUVERA stage and for dense models."""
    if not config.muvera:
        return
    if config.rerank is not None:
        raise ConfigError(
            "--muvera and --rerank cannot be combined (MUVERA replaces the exact search of one "
            "late-interaction model; --rerank adds a reranker to another model): run them "
            "separately"
        )
    for definition in definitions:
        if MUVERA_PARAM not in definition.params.model_fields:
            raise ConfigError(
                f"--muvera: task {definition.name} has no MUVERA stage (tasks with one: "
                f"{_listed(_muvera_tasks())}); drop --muvera or the task"
            )
    for spec in specs:
        if not is_late(spec):
            raise ConfigError(
                f"--muvera: model {spec.name} is {NOT_LATE}; MUVERA encodes the token vectors "
                "of a late-interaction model (e.g. hf:vidore/colpali-v1.3-hf)"
            )


def check_rerank(
    config: RunConfig, definitions: Sequence[TaskDef[Any]], spec: ModelSpec | None
) -> None:
    """Refuse ``--rerank`` for tasks without a two-stage form and for a dense reranker."""
    if spec is None:
        return
    for definition in definitions:
        if not definition.two_stage:
            raise ConfigError(
                f"--rerank: task {definition.name} has no two-stage form (tasks with one: "
                f"{_listed(_two_stage_tasks())}); run it without --rerank/--candidates"
            )
    if not is_late(spec):
        raise ConfigError(
            f"--rerank {config.rerank}: the model is {NOT_LATE}; the reranker rescores "
            "candidates by MaxSim over token vectors (e.g. hf:vidore/colpali-v1.3-hf)"
        )


def check_late_models(
    definitions: Sequence[TaskDef[Any]], specs: Sequence[ModelSpec]
) -> None:
    """Refuse, before any work, a late-interaction ``--model`` (or reranker) with a setting it
    cannot run (another runtime, int8, ``?dim=``) or with a task that has no MaxSim form."""
    from embedlab.runtimes.loader import check_token_spec

    for spec in specs:
        if not is_late(spec):
            continue
        check_token_spec(spec)
        for definition in definitions:
            if not definition.late_interaction:
                raise ConfigError(
                    f"task {definition.name} has no form for the late-interaction "
                    f"(multi-vector) model {spec.name}; run it with a dense model, or give "
                    "this model tasks with a MaxSim form (image-text retrieval, pair-choice, "
                    "beir, vidore)"
                )


@dataclass(frozen=True)
class SecondStage:
    """The reranker of a two-stage run and its candidate count."""

    provider: EmbeddingProvider
    candidates: int

    def label(self, first: str) -> str:
        """The model label of a two-stage part's rows: ``FIRST → RERANKER@K``."""
        return f"{first} → {self.provider.spec.name}@{self.candidates}"

    def key_fields(self) -> list[str | int]:
        """What the part key adds for the second stage."""
        spec = self.provider.spec
        return [spec.name, self.provider.fingerprint, spec.precision, spec.runtime, self.candidates]

    def notes(self, first: EmbeddingProvider) -> list[str]:
        """Both models' provenance, in one line each."""
        return [
            f"two-stage: first stage {_described(first)}; top {self.candidates} per query "
            f"reranked by exact MaxSim of {_described(self.provider)}"
        ]

    def model_info(self) -> dict[str, int]:
        """The reranker's observed figures, prefixed ``rerank_`` (beside the first model's)."""
        return {f"rerank_{key}": value for key, value in self.provider.model_info.items()}


def _described(provider: EmbeddingProvider) -> str:
    spec = provider.spec
    return f"{spec.name} (weights {provider.fingerprint}, {spec.precision}, {spec.runtime})"


def _muvera_tasks() -> list[str]:
    return [n for n in TASKS.names() if MUVERA_PARAM in TASKS.get(n).params.model_fields]


def _two_stage_tasks() -> list[str]:
    return [n for n in TASKS.names() if TASKS.get(n).two_stage]


def _listed(names: list[str]) -> str:
    return ", ".join(names) or "none registered"
