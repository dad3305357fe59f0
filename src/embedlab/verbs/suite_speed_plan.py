"""The speed half of a suite's plan: one :class:`SpeedConfig` per group of models sharing
batch sizes, modalities and remote code; every group's rows join ``out/results.json``.

A preset whose real weights are not in the local cache is timed on its ``arch:`` twin (same
architecture, random weights) with a note; a model with no ``arch:`` config, or whose estimated
memory (``params × bytes × 1.2``, the preset's published parameter count) exceeds the RAM
available now, is skipped with the reason. Text-only models are timed on text alone. With
``parity``, torch and fp32 join the sweep so every other case gets parity rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from embedlab.config.suite import Suite, SuiteModel
from embedlab.core.ram import available_ram_bytes
from embedlab.models.presets import PRESETS, Preset
from embedlab.models.sources.arch import shipped_configs
from embedlab.perf.config import SpeedConfig

_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "int8": 1}
_OVERHEAD = 1.2


@dataclass(frozen=True)
class SpeedGroup:
    label: str
    config: SpeedConfig
    #: Per timed model: the suite's model it stands for (differs for ``arch:`` substitutes).
    stands_for: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeedPlanning:
    """Where the speed half writes and the command line's settings for it."""

    out: Path
    cache_dir: Path
    device: str
    threads: int | None
    reuse: bool


def unique_label(label: str, taken: list[str]) -> str:
    """``label``, or ``label-2``, ``label-3``... when taken; the result is added to ``taken``."""
    candidate, n = label, 2
    while candidate in taken:
        candidate, n = f"{label}-{n}", n + 1
    taken.append(candidate)
    return candidate


def preset_of(model: str) -> Preset | None:
    """The preset ``model`` names (bare or ``preset:``), else None."""
    return PRESETS.get(model.partition("?")[0].removeprefix("preset:").casefold())


def arch_twin(model: str) -> str | None:
    """``arch:<id>`` with the architecture of ``model`` when embedlab ships that config."""
    preset = preset_of(model)
    if preset is not None:
        hub_id = (preset.facts.arch_id if preset.facts else None) or preset.hub_id
    else:
        hub_id = model.partition(":")[2].partition("?")[0].removeprefix("hf-hub:")
    return f"arch:{hub_id}" if hub_id in shipped_configs() else None


def memory_problem(model: str, precision: str, available: int | None) -> str | None:
    """Why ``model`` would not fit in RAM at ``precision`` (params × bytes × 1.2), or None."""
    preset = preset_of(model)
    if preset is None or preset.facts is None or available is None:
        return None
    need = preset.facts.params * _BYTES.get(precision, 4) * _OVERHEAD
    if need <= available:
        return None
    return (
        f"needs about {need / 1e9:.1f} GB in {precision} ({preset.facts.params / 1e9:.2f}B "
        f"parameters), {available / 1e9:.1f} GB of RAM available"
    )


def speed_groups(
    suite: Suite, where: SpeedPlanning, present: Callable[[str], bool], notes: list[str],
    skipped: list[str],
) -> tuple[SpeedGroup, ...]:  # fmt: skip
    """The speed groups of ``suite``; substitutions go to ``notes``, skips to ``skipped``."""
    settings = suite.speed
    by_name = {m.model: m for m in suite.models}
    runtimes, precisions = list(settings.runtimes), list(settings.precisions)
    if settings.parity:
        runtimes = list(dict.fromkeys(["torch", *runtimes]))
        precisions = list(dict.fromkeys(["fp32", *precisions]))
    available = available_ram_bytes()
    groups: dict[tuple[tuple[int, ...], tuple[str, ...], bool], dict[str, str]] = {}
    for name in settings.models or list(by_name):
        model = by_name.get(name) or SuiteModel(model=name)
        timed = name
        if not present(name):
            twin = arch_twin(name)
            if twin is None:
                skipped.append(
                    f"speed {name}: weights not here and no arch: config to time instead"
                )
                continue
            timed = twin
            notes.append(f"speed: {name} timed as {twin} (architecture-exact random weights; "
                         "the real weights are not in the local cache)")  # fmt: skip
        problem = memory_problem(name, max(precisions, key=lambda p: _BYTES.get(p, 4)), available)
        if problem is not None:
            skipped.append(f"speed {name}: {problem}")
            continue
        sizes = model.speed_batch_sizes or ([model.batch_size] if model.batch_size else None)
        modalities = _modalities(name, list(settings.modalities))
        key = (tuple(sizes or settings.batch_sizes), tuple(modalities), model.trust_remote_code)
        groups.setdefault(key, {})[timed] = name
    out_groups = []
    labels: list[str] = []
    for (batches, towers, trust), members in groups.items():
        name = "speed-" + "-".join(f"b{s}" for s in batches) + "-" + "+".join(towers)
        label = unique_label(name, labels)
        config = SpeedConfig(
            models=list(members),
            out=where.out,
            runtimes=runtimes,
            precisions=precisions,
            batch_sizes=list(batches),
            modalities=list(towers),
            device=where.device,
            threads=None if where.threads is None else [where.threads],
            warmup_seconds=settings.warmup_seconds,
            min_seconds=settings.min_seconds,
            min_iterations=settings.min_iterations,
            repeats=settings.repeats,
            reuse_speed=where.reuse,
            seed=suite.seed,
            trust_remote_code=bool(trust),
            cache_dir=where.cache_dir,
        )
        out_groups.append(SpeedGroup(label, config, dict(members)))
    return tuple(out_groups)


def _modalities(model: str, wanted: list[str]) -> list[str]:
    """Text-only models are timed on text alone."""
    preset = preset_of(model)
    text_only = preset is not None and (
        (preset.facts is not None and preset.facts.modality == "text")
        or preset.loader in ("st", "hf-text")
    )
    kept = [m for m in wanted if m == "text"] if text_only else list(wanted)
    return kept or list(wanted)
