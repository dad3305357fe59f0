"""Tasks and late-interaction (multi-vector) models: the one-line refusal of tasks without a
MaxSim form.

A task that supports late interaction checks ``ctx.embed.late_interaction`` and takes the
token path (:mod:`embedlab.embedding.contract`); one that does not calls :func:`refuse_late`
first thing in ``run``, before reading data or embedding anything.
"""

from __future__ import annotations

from embedlab.errors import ConfigError
from embedlab.tasks.base import TaskContext


def refuse_late(ctx: TaskContext, task: str, reason: str) -> None:
    """Raise ConfigError naming ``task`` and the model when the model is multi-vector.

    ``reason``: why the task has no late-interaction form (one clause).
    """
    if ctx.embed.late_interaction:
        raise ConfigError(
            f"task {task} cannot run the late-interaction (multi-vector) model "
            f"{ctx.embed.model}: {reason}; run it with a dense model, or give this model "
            "tasks with a MaxSim form (image-text retrieval, pair-choice, beir, vidore)"
        )
