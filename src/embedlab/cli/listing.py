"""``embedlab list``: everything this installation can run, read from the registries.

Sections: model sources, presets (bare names work as ``--model``), ``arch:`` configurations
(random weights, speed only), runtimes, tasks (with their ``-T`` parameters), datasets (with
their kind), metrics and index backends. Nothing here is a hand-kept list: each section is a
registry.

``embedlab list --presets`` prints the preset fact table instead: per preset the model it
stands for, published parameters, embedding dim, image input (side in pixels, ``squash`` or
``crop`` = shortest side then centre crop), license, weights to download, the pinned revision
and the preset's note (:mod:`embedlab.models.presets`; cited in ``docs/presets.md``).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from embedlab.models.presets import Preset

_PRESET_COLUMNS = ("preset", "stands for", "params", "dim", "image", "license", "GB", "revision")


def list_command(
    presets: Annotated[
        bool,
        typer.Option(
            "--presets",
            help="Only the presets, as a fact table: source, params, dim, image size, "
            "license, weights, pinned revision, notes.",
        ),
    ] = False,
) -> None:
    """List model sources, presets, arch configs, runtimes, tasks, datasets and metrics."""
    typer.echo("\n".join(preset_lines() if presets else listing_lines()))


def preset_lines() -> list[str]:
    """The lines of ``embedlab list --presets``: a header, then one row per preset by name.

    The note follows on an indented second line so the columns stay aligned.
    """
    from embedlab.models.presets import PRESETS

    presets = [preset for _, preset in sorted(PRESETS.items())]
    rows = [_PRESET_COLUMNS, *(_preset_row(preset) for preset in presets)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_PRESET_COLUMNS))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()

    lines = [line(_PRESET_COLUMNS)]
    for preset, row in zip(presets, rows[1:], strict=True):
        lines.append(line(row))
        if preset.note:
            lines.append(f"    {preset.note}")
    return lines


def _preset_row(preset: Preset) -> tuple[str, ...]:
    """One preset's cells (``?`` where a fact is missing)."""
    from embedlab.models.presets import hub_ref

    facts = preset.facts
    source = f"{preset.loader}:{hub_ref(preset)}"
    if facts is None:
        return (preset.name, source, "?", "?", "?", "?", "?", preset.revision or "-")
    if facts.resolution is None:
        image = "dynamic" if facts.modality != "text" else "-"
    else:
        image = f"{facts.resolution} {'squash' if facts.resize == 'squash' else 'crop'}"
    return (
        preset.name,
        source,
        _count(facts.params),
        str(facts.embedding_dim),
        image,
        facts.license,
        f"{facts.weights_gb:.2f}",
        preset.revision[:12] if preset.revision else "-",
    )


def _count(params: int) -> str:
    """``986.7M`` / ``2.92B``: a parameter count to three or four significant figures."""
    if params >= 1_000_000_000:
        return f"{params / 1e9:.2f}B"
    return f"{params / 1e6:.1f}M"


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
