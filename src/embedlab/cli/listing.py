"""``embedlab list``: the registered model sources, tasks and datasets."""

from __future__ import annotations

import typer


def list_command() -> None:
    """List the model sources, tasks and datasets this installation knows."""
    from embedlab.data.registry import DATASETS
    from embedlab.models.registry import MODEL_SOURCES
    from embedlab.tasks.base import TASKS

    typer.echo("model sources: " + ", ".join(f"{n}:" for n in MODEL_SOURCES.names()))
    typer.echo("tasks:         " + ", ".join(TASKS.names()))
    typer.echo("datasets:      " + ", ".join(DATASETS.names()))
