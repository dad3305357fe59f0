"""Repeated timed runs of one case: pooling their raw calls, and their run-to-run spread.

With ``--repeats N`` a case is warmed up once, then timed ``N`` times independently
(:func:`timed_repeats`); every run obeys the ``min_iterations`` AND ``min_seconds`` floors.

- The usual rows (``throughput``, latency percentiles, peak memory) are computed over the
  **pooled** raw calls of all runs (:func:`pool_runs`): latencies over every timed call, and
  ``throughput = batch × Σ_r calls_r / Σ_r wall_r`` (the gaps between runs are not timed).
- When ``N >= 2``, ``throughput_mean`` and ``throughput_std`` (``items/s``, ``n = N``) are the
  mean and sample std (``ddof=1``, :func:`embedlab.stats.repeats.repeat_summary`) of the ``N``
  per-run sustained throughputs ``batch × calls_r / wall_r`` (:func:`repeat_figures`). The std
  is run-to-run variation on this machine, not a confidence interval of model quality. With
  ``N = 1`` there is no std at all (never a zero std).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from embedlab.errors import ConfigError
from embedlab.perf.runner import Stage, TimedRun, TimingPlan, timed_calls
from embedlab.perf.stats import sustained_throughput
from embedlab.perf.timer import Timer
from embedlab.stats.repeats import repeat_summary

#: ``(metric, value, unit, n, timed_region)`` of one SpeedRow-to-be.
Figure = tuple[str, float, str, int, str]

__all__ = ["Figure", "pool_runs", "repeat_figures", "repeat_records", "timed_repeats"]


def timed_repeats(stages: Sequence[Stage], plan: TimingPlan, timer: Timer) -> list[TimedRun]:
    """``plan.repeats`` independent timed runs, back to back (no warm-up in between)."""
    return [timed_calls(stages, plan, timer) for _ in range(plan.repeats)]


def pool_runs(runs: Sequence[TimedRun]) -> TimedRun:
    """One run holding every call of ``runs``, in order; iterations and wall seconds summed.

    Raises:
        ConfigError: if ``runs`` is empty or the runs time different regions.
    """
    if not runs:
        raise ConfigError("no timed runs to pool; --repeats must be at least 1")
    regions = {run.region for run in runs}
    if len(regions) != 1:
        raise ConfigError(f"cannot pool timed runs of different regions: {sorted(regions)}")
    samples: dict[str, list[float]] = {}
    for run in runs:
        for name, seconds in run.samples.items():
            samples.setdefault(name, []).extend(seconds)
    return TimedRun(
        samples=samples,
        region=runs[0].region,
        iterations=sum(run.iterations for run in runs),
        wall_seconds=sum(run.wall_seconds for run in runs),
    )


def repeat_throughputs(runs: Sequence[TimedRun], batch_size: int) -> list[float]:
    """Sustained throughput of each run: ``batch_size × calls / wall seconds`` (items/s)."""
    return [sustained_throughput(batch_size * run.iterations, run.wall_seconds) for run in runs]


def repeat_figures(runs: Sequence[TimedRun], batch_size: int) -> list[Figure]:
    """``throughput_mean`` / ``throughput_std`` over the runs; empty for fewer than 2 runs."""
    if len(runs) < 2:
        return []
    summary = repeat_summary(repeat_throughputs(runs, batch_size))
    region = runs[0].region
    return [
        ("throughput_mean", summary.mean, "items/s", summary.n, region),
        ("throughput_std", summary.std, "items/s", summary.n, region),
    ]


def repeat_records(runs: Sequence[TimedRun], batch_size: int) -> list[dict[str, Any]]:
    """Per-run ``iterations``, ``wall_seconds`` and ``throughput`` for ``speed_samples.json``."""
    throughputs = repeat_throughputs(runs, batch_size)
    return [
        {"iterations": run.iterations, "wall_seconds": run.wall_seconds, "throughput": value}
        for run, value in zip(runs, throughputs, strict=True)
    ]
