"""The measurement loop: warm-up, then a timed run with iteration and time floors.

One *call* is a chain of stages (e.g. ``preprocess`` then ``model``); each stage receives the
previous stage's output. The runner owns every clock read (through a :class:`Timer`, which
synchronises the device first), so a stage is plain work:

- **warm-up** (:func:`warm_up`): calls until at least ``warmup_iterations`` calls AND
  ``warmup_seconds`` have passed (lazy initialisation, allocator growth, oneDNN kernel
  selection, CPU frequency);
- **timed run** (:func:`timed_calls`): calls until at least ``min_iterations`` calls AND
  ``min_seconds`` have passed. Every stage's duration of every call is kept raw, plus the whole
  call (the joined region name, e.g. ``preprocess+model``) and the wall time of the run, clock
  read before the first call and after the last;
- **repeats** (``TimingPlan.repeats``): how many independent timed runs follow the one warm-up
  of a case (:func:`embedlab.perf.repeated_runs.timed_repeats`); each obeys both floors.

They are separate functions so that memory sampling can cover the timed run only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from embedlab.errors import ConfigError
from embedlab.perf.timer import Timer

Stage = tuple[str, Callable[[Any], Any]]


@dataclass(frozen=True)
class TimingPlan:
    """How long to warm up and to measure (both floors must be met), and how many timed runs."""

    warmup_iterations: int = 3
    warmup_seconds: float = 2.0
    min_iterations: int = 10
    min_seconds: float = 10.0
    repeats: int = 1

    def __post_init__(self) -> None:
        if self.warmup_iterations < 0 or self.warmup_seconds < 0:
            raise ConfigError("--warmup-iterations and --warmup-seconds must be 0 or more")
        if self.min_iterations < 1:
            raise ConfigError(f"--min-iterations must be at least 1, got {self.min_iterations}")
        if self.min_seconds < 0:
            raise ConfigError(f"--min-seconds must be 0 or more, got {self.min_seconds}")
        if self.repeats < 1:
            raise ConfigError(f"--repeats must be at least 1, got {self.repeats}")


@dataclass(frozen=True)
class TimedRun:
    """Raw timings of one timed run.

    Attributes:
        samples: region name → seconds of each timed call, in call order.
        region: the name of the whole call (stage names joined with ``+``).
        iterations: timed calls.
        wall_seconds: clock after the last call minus clock before the first.
    """

    samples: dict[str, list[float]]
    region: str
    iterations: int
    wall_seconds: float


@dataclass(frozen=True)
class WarmUp:
    """What the warm-up did: ``iterations`` calls in ``seconds`` of wall time."""

    iterations: int
    seconds: float


def region_name(stages: Sequence[Stage]) -> str:
    """The joined name of a chain of stages, e.g. ``preprocess+model``."""
    return "+".join(name for name, _ in stages)


def call_once(stages: Sequence[Stage], timer: Timer) -> tuple[dict[str, float], Any]:
    """Run the chain once; ``(seconds per stage and for the whole chain, last output)``."""
    if not stages:
        raise ConfigError("a timed call needs at least one stage")
    durations: dict[str, float] = {}
    start = timer.now()
    mark = start
    value: Any = None
    for name, work in stages:
        value = work(value)
        now = timer.now()
        durations[name] = now - mark
        mark = now
    if len(stages) > 1:
        durations[region_name(stages)] = mark - start
    return durations, value


def warm_up(stages: Sequence[Stage], plan: TimingPlan, timer: Timer) -> WarmUp:
    """Call until both warm-up floors are met."""
    start = timer.now()
    now, calls = start, 0
    while calls < plan.warmup_iterations or now - start < plan.warmup_seconds:
        call_once(stages, timer)
        calls += 1
        now = timer.now()
    return WarmUp(iterations=calls, seconds=now - start)


def timed_calls(stages: Sequence[Stage], plan: TimingPlan, timer: Timer) -> TimedRun:
    """Time calls until ``min_iterations`` AND ``min_seconds`` are reached (no warm-up)."""
    samples: dict[str, list[float]] = {}
    start = timer.now()
    now, calls = start, 0
    while calls < plan.min_iterations or now - start < plan.min_seconds:
        durations, _ = call_once(stages, timer)
        for name, seconds in durations.items():
            samples.setdefault(name, []).append(seconds)
        calls += 1
        now = timer.now()
    return TimedRun(
        samples=samples, region=region_name(stages), iterations=calls, wall_seconds=now - start
    )
