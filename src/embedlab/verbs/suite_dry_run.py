"""``--dry-run``: a suite's plan as text; writes nothing, loads no model, uses no network.

Sections: the quality groups (models × tasks × protocols, runtime, precision, batch, folder),
each model's download size (the preset's ``facts.weights_gb``, else "size unknown") and whether
its weights are in the local Hub cache, each dataset's size and presence under ``--data-dir``,
the speed cases, and a time estimate for this machine: per (model, task) the items to encode
divided by the model's rate (:mod:`embedlab.verbs.suite_estimate`, each line labelled
``measured`` or ``rough``), per speed case its warm-up and timed rounds at that rate.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from embedlab.perf.environment import cpu_model
from embedlab.verbs.speed_records import SpeedRecord, read_records
from embedlab.verbs.suite_estimate import Rate, duration, gemm_rate, how_to_measure, tower_rate
from embedlab.verbs.suite_inputs import (
    DATASETS,
    GENERATED,
    dataset_present,
    hub_cache,
    weights_of,
)
from embedlab.verbs.suite_plan import SpeedGroup, SuitePlan


def dry_run_text(
    plan: SuitePlan,
    probe: Callable[[], float] = gemm_rate,
    records: list[SpeedRecord] | None = None,
) -> str:
    """The plan of ``plan`` (see the module docstring)."""
    rate_probe = cache(probe)
    found = read_records(plan.cache_dir) if records is None else records
    suite = plan.suite
    lines = [f"suite {suite.name}: {suite.description}".rstrip(": "), f"out: {plan.out}"]
    lines += _quality_lines(plan)
    lines += _model_lines(plan)
    lines += _data_lines(plan)
    lines += _speed_lines(plan)
    lines += [f"note: {note.removeprefix('speed: ')}" for note in plan.notes]
    lines += [f"skipped: {item}" for item in plan.skipped]
    lines += _estimate_lines(plan, found, rate_probe)
    return "\n".join(lines)


def _quality_lines(plan: SuitePlan) -> list[str]:
    if not plan.quality:
        return ["quality: none (--only speed, or the suite has no tasks)"]
    parts = sum(len(g.config.models) * len(g.config.tasks) for g in plan.quality)
    lines = [f"quality: {parts} (model, task) parts in {len(plan.quality)} group(s)"]
    for group in plan.quality:
        config = group.config
        protocols = f" [{', '.join(config.protocols)}]" if config.protocols else ""
        lines.append(
            f"  {group.label}: {', '.join(config.tasks)}{protocols} × {len(config.models)} "
            f"model(s), {config.runtime} {config.resolved_precision}, batch "
            f"{config.batch_size} → {config.out}"
        )
        lines.append(f"    models: {', '.join(config.models)}")
    return lines


def _all_models(plan: SuitePlan) -> list[str]:
    names = [m for g in plan.quality for m in g.config.models]
    names += [m for g in plan.speed for m in g.stands_for.values()]
    return list(dict.fromkeys(names))


def _model_lines(plan: SuitePlan) -> list[str]:
    lines = [f"weights (Hub cache {hub_cache()}):"]
    total = 0.0
    for model in _all_models(plan):
        weights = weights_of(model)
        if not weights.needed:
            lines.append(f"  {model:<28} nothing to download")
            continue
        size = "size unknown" if weights.size_gb is None else f"{weights.size_gb:.1f} GB"
        if not weights.present and weights.size_gb is not None:
            total += weights.size_gb
        here = "present" if weights.present else "not here"
        pin = f" @ {weights.revision[:12]}" if weights.revision else ""
        source = weights.hub_id or str(weights.path)
        lines.append(f"  {model:<28} {size:>12}  {here:<8}  {source}{pin}")
    lines.append(f"  to download: {total:.1f} GB (sizes known)")
    return lines


def _data_lines(plan: SuitePlan) -> list[str]:
    tasks = {t: f for g in plan.quality for t, f in g.data.items()}
    if not tasks:
        return []
    lines = [f"datasets (--data-dir {plan.data_dir or 'not given: the Hub'}):"]
    for task, folder in tasks.items():
        need = DATASETS.get(task)
        size = need.size if need is not None else "size unknown"
        here = "present" if dataset_present(task, folder, plan.cache_dir) else "not here"
        hub = "read from the Hub into the cache on first use"
        where = folder or ("generated offline" if task in GENERATED else hub)
        lines.append(f"  {task:<16} {here:<8} {size}; {where}")
    return lines


def _speed_lines(plan: SuitePlan) -> list[str]:
    if not plan.speed:
        return ["speed: none"]
    lines = ["speed:"]
    for group in plan.speed:
        c = group.config
        lines.append(
            f"  {len(c.models)} model(s) × {'/'.join(c.runtimes)} × {'/'.join(c.precisions)} × "
            f"batch {'/'.join(map(str, c.batch_sizes))} × {'/'.join(c.modalities)}; "
            f"{c.repeats} round(s) ≥ {c.min_seconds:g} s, warm-up ≥ {c.warmup_seconds:g} s"
        )
        lines.append(f"    models: {', '.join(c.models)}")
    return lines


def _estimate_lines(
    plan: SuitePlan, records: list[SpeedRecord], probe: Callable[[], float]
) -> list[str]:
    lines = [f"time estimate on this machine ({cpu_model()}); downloads and model loading "
             "not included:"]  # fmt: skip
    total, rough = 0.0, False
    commands: dict[str, list[tuple[str, str, int]]] = {}
    for group in plan.quality:
        c = group.config
        for model in c.models:
            for task in c.tasks:
                need = DATASETS.get(task)
                if need is None or need.images is None:
                    lines.append(f"  {model} on {task}: items unknown")
                    continue
                precision, batch = c.resolved_precision, c.batch_size
                counts = {"image": need.images, "text": need.texts or 0}
                rates = {
                    m: tower_rate(model, c.runtime, precision, batch, m, records, probe)
                    for m, n in counts.items()
                    if n > 0
                }
                seconds = _encode_seconds([(counts[m], r) for m, r in rates.items()])
                total += seconds or 0.0
                rough |= any(not r.measured for r in rates.values())
                labels = "; ".join(f"{m} {r.how}" for m, r in rates.items())
                setting = f"{c.runtime} {precision}, batch {batch}"
                lines.append(f"  {model} on {task} ({setting}): {duration(seconds)}  [{labels}]")
                if not all(r.measured for r in rates.values()):
                    commands.setdefault(model, []).append((c.runtime, precision, batch))
    for timing in plan.speed:
        seconds = _speed_seconds(timing, records, probe)
        total += seconds
        lines.append(f"  speed {timing.label}: ≥ {duration(seconds)}")
    lines.append(f"  total ≈ {duration(total)}" + (" (partly rough)" if rough else ""))
    for model, cases in commands.items():
        command = how_to_measure(model, cases)
        if command is not None:
            lines.append(f"  measured instead of rough: {command}")
    return lines


def _encode_seconds(rates: list[tuple[int, Rate]]) -> float | None:
    seconds = 0.0
    for count, rate in rates:
        if count == 0:
            continue
        if rate.items_per_s is None:
            return None
        seconds += count / rate.items_per_s
    return seconds


def _speed_seconds(
    group: SpeedGroup, records: list[SpeedRecord], probe: Callable[[], float]
) -> float:
    """Warm-up + rounds of every case: each at least its floors, longer when slow."""
    c = group.config
    seconds = 0.0
    for suite_model in group.stands_for.values():
        for runtime in c.runtimes:
            for precision in c.precisions:
                for batch in c.batch_sizes:
                    for modality in c.modalities:
                        rate = tower_rate(suite_model, runtime, precision, batch, modality,
                                          records, probe).items_per_s  # fmt: skip
                        call = batch / rate if rate else 0.0
                        warm = max(c.warmup_seconds, c.warmup_iterations * call)
                        timed = max(c.min_seconds, c.min_iterations * call)
                        seconds += warm + c.repeats * timed
    return seconds
