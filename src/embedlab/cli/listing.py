"""``embedlab list``: everything this installation can run, read from the registries.

Sections: model sources, presets (bare names work as ``--model``), ``arch:`` configurations
(random weights, speed only), runtimes, tasks (with their ``-T`` parameters), datasets (with
their kind), metrics and index backends. Nothing here is a hand-kept list: each section is a
registry.
"""

from __future__ import annotations

import importlib
import sys

import typer


def list_command() -> None:
    """List model sources, presets, arch configs, runtimes, tasks, datasets and metrics."""
    typer.echo("\n".join(listing_lines()))


def listing_lines() -> list[str]:
    """The lines ``embedlab list`` prints."""
    from embedlab.data.registry import DATASETS
    from embedlab.metrics.table import METRICS
    from embedlab.models.presets import PRESETS
    from embedlab.models.registry import MODEL_SOURCES
    from embedlab.models.sources.arch import shipped_configs
    from embedlab.runtimes.base import RUNTIMES
    from embedlab.tasks.base import TASKS

    lines = ["model sources (--model SOURCE:REF):"]
    for name in MODEL_SOURCES.names():
        module = type(MODEL_SOURCES.get(name)).__module__
        lines.append(f"  {name + ':':<12} {_summary(module)}")
    lines.append("presets (--model NAME or preset:NAME):")
    for name, preset in sorted(PRESETS.items()):
        lines.append(f"  {name:<28} {preset.loader}:{preset.hub_id}")
    lines.append("arch configs (--model arch:ID; random weights, for embedlab speed only):")
    lines.extend(f"  {hub_id}" for hub_id in sorted(shipped_configs()))
    lines.append("runtimes (--runtime):")
    lines.append("  " + ", ".join(RUNTIMES.names()))
    lines.append("tasks (--task; parameters settable with -T NAME=VALUE):")
    for name in TASKS.names():
        task = TASKS.get(name)
        params = ", ".join(task.params.model_fields)
        lines.append(f"  {name:<20} {task.description} [{params}]")
    lines.append("datasets:")
    for name in DATASETS.names():
        dataset = DATASETS.get(name)
        lines.append(f"  {name:<20} {dataset.kind:<15} {dataset.description}")
    lines.append("metrics (compare --metric; K is a positive integer):")
    for entry in METRICS.entries():
        lines.append(f"  {entry.name:<22} {entry.formula}")
    from embedlab.indexes.base import INDEX_BACKENDS

    lines.append("index backends (embedlab index --index NAME[:PARAM=VALUE,...]):")
    for name in INDEX_BACKENDS.names():
        lines.append(f"  {name:<22} {INDEX_BACKENDS.get(name).description}")
    return lines


def _summary(module: str) -> str:
    """The first line of a module's docstring (what a model source is)."""
    doc = (sys.modules.get(module) or importlib.import_module(module)).__doc__ or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    return first.split(": ", 1)[-1].rstrip(".")
