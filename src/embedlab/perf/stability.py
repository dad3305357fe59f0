"""Is a speed figure worth reading? The stability verdict of one measured case.

Three measures of one case (all of its timed calls, over every round):

- ``cv``: coefficient of variation of the mean call time over consecutive *windows* of calls,
  ``std(ddof=1) / mean`` of the window means, where a window collects consecutive calls until
  they last at least :data:`WINDOW_SECONDS` (0.1 s; the last, shorter window is dropped when
  there are others). This is pyperf's time scale (each of its values is a loop of >= 100 ms):
  it measures whether the *throughput* held steady, not the per-call jitter of millisecond
  calls, which is large on any machine (an idle 2-core box shows 11-22 % per-call CV at batch 1
  while repeated throughputs agree within 5 %). Calls of 0.1 s or more are their own windows;
  with fewer than two windows the per-call CV is used;
- ``p99_p50``: the p99 per-call latency over the p50 (type-7 percentiles, as in the tables);
- ``other_cores``: CPU used by other processes during the timed calls, in cores
  (:mod:`embedlab.perf.machine`), the CPU-seconds-weighted mean over rounds.

A case is **unstable** when any measure passes its threshold (:data:`THRESHOLDS`):

==============  =========  ==================================================================
measure         threshold  why
==============  =========  ==================================================================
other_cores     > 0.25     a quarter of a core taken by someone else changes multi-threaded
                           timings by far more than a quarter (threads wait for the slowest)
cv              > 0.10     100 ms windows of one fixed input should run at the same speed;
                           10 % spread is more than a comparison usually hinges on
p99_p50         > 2.0      a tail twice the median means calls were stalled (preemption,
                           paging, throttling)
==============  =========  ==================================================================

The reason names the first measure over threshold in that order, e.g. ``another process used
0.90 cores during timing``. Two figures are **within run-to-run spread** when the ranges of
their per-round throughputs overlap (:func:`within_spread`); with one round there is no
spread to compare against and nothing is claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Flag thresholds; documented in the module docstring and docs/measurements.md.
THRESHOLDS = {"other_cores": 0.25, "cv": 0.10, "p99_p50": 2.0}
#: Shortest window of consecutive calls whose mean enters the CV (pyperf's loop length).
WINDOW_SECONDS = 0.1


@dataclass(frozen=True)
class Verdict:
    """The measures of one case and whether they pass the thresholds."""

    cv: float
    p99_p50: float
    other_cores: float | None
    unstable: bool
    reason: str | None


def coefficient_of_variation(seconds: Sequence[float]) -> float:
    """``std(ddof=1) / mean`` of ``seconds``; 0 for fewer than two values or a zero mean."""
    values = np.asarray(seconds, dtype=np.float64)
    if values.size < 2 or values.mean() <= 0:
        return 0.0
    return float(values.std(ddof=1) / values.mean())


def window_means(seconds: Sequence[float], window: float = WINDOW_SECONDS) -> list[float]:
    """Mean call time of consecutive windows of at least ``window`` seconds (in order).

    A trailing window shorter than ``window`` is dropped when at least one full window exists.
    """
    means: list[float] = []
    total, count = 0.0, 0
    for value in seconds:
        total += float(value)
        count += 1
        if total >= window:
            means.append(total / count)
            total, count = 0.0, 0
    if count and not means:
        means.append(total / count)
    return means


def windowed_cv(seconds: Sequence[float], window: float = WINDOW_SECONDS) -> float:
    """CV of :func:`window_means` (per-call CV when there are fewer than two windows)."""
    means = window_means(seconds, window)
    return coefficient_of_variation(means if len(means) >= 2 else seconds)


#: Completions a window of a load test should hold at the measured rate (see completion_cv).
COMPLETIONS_PER_WINDOW = 50
#: Shortest window of a load test's completion-rate CV, seconds.
MIN_RATE_WINDOW = 1.0


def completion_cv(done_at: Sequence[float], seconds: float) -> tuple[float, float]:
    """``(cv, window)``: CV of the completion counts of a load test over consecutive windows.

    ``done_at`` are the completion times of successful requests, in seconds since the measured
    window opened, ``seconds`` its length. Concurrent requests overlap, so per-request latencies
    say nothing about whether throughput held; the counts per window of
    ``window = max(MIN_RATE_WINDOW, COMPLETIONS_PER_WINDOW / rate)`` seconds do (a window holds
    about 50 completions, so counting noise stays small). The trailing partial window is
    dropped; with fewer than two whole windows the CV is 0 (nothing to compare).
    """
    rate = len(done_at) / seconds if seconds > 0 else 0.0
    if rate <= 0:
        return 0.0, MIN_RATE_WINDOW
    window = max(MIN_RATE_WINDOW, COMPLETIONS_PER_WINDOW / rate)
    whole = int(seconds // window)
    if whole < 2:
        return 0.0, window
    edges = np.arange(whole + 1, dtype=np.float64) * window
    counts, _ = np.histogram(np.asarray(done_at, dtype=np.float64), bins=edges)
    return coefficient_of_variation(counts.astype(np.float64).tolist()), window


def tail_ratio(seconds: Sequence[float]) -> float:
    """p99 / p50 of ``seconds`` (1 when the median is zero)."""
    p50, p99 = np.percentile(np.asarray(seconds, dtype=np.float64), [50.0, 99.0])
    return float(p99 / p50) if p50 > 0 else 1.0


def judge(
    seconds: Sequence[float],
    other_cores: float | None,
    thresholds: dict[str, float] | None = None,
) -> Verdict:
    """The verdict of one case from its per-call ``seconds`` and the interference."""
    limits = {**THRESHOLDS, **(thresholds or {})}
    cv, tail = windowed_cv(seconds), tail_ratio(seconds)
    reason = None
    if other_cores is not None and other_cores > limits["other_cores"]:
        reason = f"another process used {other_cores:.2f} cores during timing"
    elif cv > limits["cv"]:
        reason = f"throughput varied by {100 * cv:.0f}% between 0.1 s windows (CV)"
    elif tail > limits["p99_p50"]:
        reason = f"p99 latency was {tail:.1f}x the median (stalled calls)"
    return Verdict(cv, tail, other_cores, reason is not None, reason)


def within_spread(a: Sequence[float], b: Sequence[float]) -> bool | None:
    """Whether the ranges of two sets of per-round throughputs overlap (None: < 2 rounds each)."""
    if len(a) < 2 or len(b) < 2:
        return None
    return max(min(a), min(b)) <= min(max(a), max(b))
