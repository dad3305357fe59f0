"""A suite file turned into run and speed configurations: the plan every suite verb follows.

Quality: one :class:`RunConfig` per group of models and tasks that share run-wide settings
(runtime, precision, batch size, remote code; a task's protocols, parameters and data folder).
With one group its results go to ``out`` itself; with several, each to ``out/<label>/``.

Speed: :mod:`embedlab.verbs.suite_speed_plan` (``arch:`` twins for absent weights, memory
skips).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from embedlab.config.run import RunConfig
from embedlab.config.suite import Suite, SuiteModel, SuiteTask
from embedlab.core.paths import default_cache_dir
from embedlab.errors import ConfigError
from embedlab.verbs.suite_inputs import dataset_folder, weights_of
from embedlab.verbs.suite_speed_plan import (
    SpeedGroup,
    SpeedPlanning,
    arch_twin,
    preset_of,
    speed_groups,
    unique_label,
)

__all__ = ["PlanOptions", "QualityGroup", "SpeedGroup", "SuitePlan", "arch_twin", "build_plan",
           "preset_of"]  # fmt: skip

Only = Literal["speed", "quality"]


@dataclass(frozen=True)
class PlanOptions:
    """Command-line settings that override or complete the suite file's."""

    out: Path | None = None
    data_dir: Path | None = None
    cache_dir: Path | None = None
    device: str | None = None
    threads: int | None = None
    only: Only | None = None
    progress: bool = True
    reuse_speed: bool = False
    overwrite: bool = False
    #: ``--trust-remote-code``: trust the suite's models that ship their own code (only those).
    trust_remote_code: bool = False
    #: How the user named the suite (a path or a built-in name), for commands in messages.
    source: str | None = None


@dataclass(frozen=True)
class QualityGroup:
    label: str
    config: RunConfig
    #: Per task name: its data folder (None: generated, or read from the Hub).
    data: dict[str, Path | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SuitePlan:
    suite: Suite
    out: Path
    cache_dir: Path
    data_dir: Path | None
    quality: tuple[QualityGroup, ...]
    speed: tuple[SpeedGroup, ...]
    notes: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    reuse_speed: bool = False
    source: str = ""


def needs_remote_code(model: str) -> bool:
    """True for a ``remote:`` model or a preset that stands for one (it ships its own code)."""
    from embedlab.models.presets import preset_model

    return preset_model(model).startswith("remote:")


def build_plan(
    suite: Suite, options: PlanOptions, present: Callable[[str], bool] | None = None
) -> SuitePlan:
    """The plan of ``suite`` under ``options``; ``present(model)`` says whether a model's real
    weights are here (default: the local Hub cache, :func:`~.suite_inputs.weights_of`)."""
    has = present or (lambda model: weights_of(model).present)
    if options.trust_remote_code:
        trusted = [
            m.model_copy(update={"trust_remote_code": True}) if needs_remote_code(m.model) else m
            for m in suite.models
        ]
        suite = suite.model_copy(update={"models": trusted})
    out = options.out or suite.out or Path("runs") / suite.name
    cache_dir = options.cache_dir or default_cache_dir()
    data_dir = options.data_dir or suite.data_dir
    notes: list[str] = []
    skipped: list[str] = []
    quality = (
        ()
        if options.only == "speed"
        else _quality(suite, options, out, cache_dir, data_dir, skipped)
    )
    speed: tuple[SpeedGroup, ...] = ()
    if options.only != "quality" and suite.speed.enabled:
        device = options.device or suite.quality.device
        reuse = options.reuse_speed or suite.speed.reuse
        where = SpeedPlanning(out, cache_dir, device, options.threads, reuse)
        speed = speed_groups(suite, where, has, notes, skipped)
    if not quality and not speed:
        raise ConfigError(f"suite {suite.name}: nothing to run ({'; '.join(skipped) or 'empty'})")
    reuse = options.reuse_speed or suite.speed.reuse
    return SuitePlan(suite, out, cache_dir, data_dir, quality, speed, tuple(notes),
                     tuple(skipped), reuse, options.source or suite.name)  # fmt: skip


def _quality(
    suite: Suite,
    options: PlanOptions,
    out: Path,
    cache_dir: Path,
    data_dir: Path | None,
    skipped: list[str],
) -> tuple[QualityGroup, ...]:
    if not suite.tasks:
        return ()
    by_name = {m.model: m for m in suite.models}
    groups: dict[tuple[object, ...], tuple[list[SuiteModel], list[SuiteTask], tuple[str, ...]]]
    groups = {}
    for index, task in enumerate(suite.tasks):
        for name in task.models or []:
            if name not in by_name:
                raise ConfigError(
                    f"suite {suite.name}: tasks[{index}].models names {name!r}, which is not "
                    f"one of the suite's models ({', '.join(by_name)})"
                )
        models = [by_name[n] for n in task.models] if task.models else list(suite.models)
        params = tuple(sorted(task.params.items(), key=str))
        folder = dataset_folder(task.name, data_dir)
        task_key = (tuple(task.protocols), params, tuple(m.model for m in models), folder)
        for model in models:
            for runtime, precision in _combos(suite, model, skipped):
                key = (*task_key, runtime, precision, model.trust_remote_code, model.batch_size)
                members, tasks, _ = groups.setdefault(key, ([], [], (runtime, precision or "")))
                if model not in members:
                    members.append(model)
                if task not in tasks:
                    tasks.append(task)
    several = len(groups) > 1
    labels: list[str] = []
    out_groups = []
    for members, tasks, (runtime, precision) in groups.values():
        label = unique_label(_label(suite, members, tasks, runtime, precision), labels)
        folder = out / label if several else out
        data = {t.name: dataset_folder(t.name, data_dir) for t in tasks}
        config = _run_config(suite, options, members, tasks, folder, cache_dir, runtime,
                             precision, data)  # fmt: skip
        out_groups.append(QualityGroup(label, config, data))
    return tuple(out_groups)


def _combos(
    suite: Suite, model: SuiteModel, skipped: list[str]
) -> list[tuple[str, str | None]]:
    """The model's (runtime, precision) quality cases; one the runtime does not run is left
    out with its reason in ``skipped`` (said once per combination)."""
    from embedlab.runtimes.base import runtime_precisions

    runtimes = [model.runtime] if model.runtime else suite.quality.runtimes
    precisions = [model.precision] if model.precision else suite.quality.precisions
    kept: list[tuple[str, str | None]] = []
    for runtime, precision in dict.fromkeys((r, p) for r in runtimes for p in precisions):
        supported = runtime_precisions(runtime)
        if precision and supported is not None and precision not in supported:
            reason = (
                f"quality {runtime} {precision}: not run by --runtime {runtime} "
                f"(supported: {', '.join(supported)})"
            )
            if reason not in skipped:
                skipped.append(reason)
            continue
        kept.append((runtime, precision))
    return kept


def _label(
    suite: Suite, members: list[SuiteModel], tasks: list[SuiteTask], runtime: str, precision: str
) -> str:
    parts = ["+".join(t.name for t in tasks)]
    if len(suite.quality.runtimes) > 1 or runtime != "torch":
        parts.append(runtime)
    if len(suite.quality.precisions) > 1 and precision:
        parts.append(precision)
    if members[0].batch_size is not None:
        parts.append(f"batch{members[0].batch_size}")
    if members[0].trust_remote_code:
        parts.append("remote-code")
    return "-".join(parts)


def _run_config(
    suite: Suite, options: PlanOptions, members: list[SuiteModel], tasks: list[SuiteTask],
    folder: Path, cache_dir: Path, runtime: str, precision: str, data: dict[str, Path | None],
) -> RunConfig:  # fmt: skip
    params = {k: _text(v) for t in tasks for k, v in t.params.items()}
    folders = [str(f) for f in data.values() if f is not None]  # grouped: one folder at most
    if folders and "data_dir" not in params:
        params["data_dir"] = folders[0]
    first = members[0]
    return RunConfig(
        models=[m.model for m in members],
        tasks=[t.name for t in tasks],
        out=folder,
        cache_dir=cache_dir,
        precision=precision or None,
        device=options.device or suite.quality.device,
        runtime=runtime,
        batch_size=first.batch_size or suite.quality.batch_size,
        workers=suite.quality.workers,
        protocols=list(tasks[0].protocols),
        trust_remote_code=first.trust_remote_code,
        task_params=params,
        bootstrap=suite.bootstrap,
        confidence=suite.confidence,
        seed=suite.seed,
        progress=options.progress,
        overwrite=options.overwrite,
    )


def _text(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)
