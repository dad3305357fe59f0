"""Interleaved timing: every compared case is timed once per round, rounds repeat (ABC ABC …).

Timing configuration A for ten seconds and then B for ten seconds lets anything that changes
in between (another job starting, the CPU clocking down, a cache filling) land on one of them
only. Here every case of a model (runtimes × precisions × thread counts × modalities × batch
sizes, all loaded at once) is timed once per round, in the same order, for ``plan.repeats``
rounds (``--repeats``), so drift hits each case alike, and the rounds give the run-to-run
spread.

Per case and round: the first round warms the case up (both warm-up floors); later rounds make
one untimed call first (the other cases ran since, so caches and thread pools are cold again).
Torch's intra-op threads are set to the case's count before it runs (a process-wide setting).
Then one timed run (both timing floors) with RSS sampling, bracketed by CPU snapshots
(:mod:`embedlab.perf.machine`) that give the other processes' CPU use during exactly that run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from embedlab.errors import EmbedlabError
from embedlab.models.multivector import AnyEncoder
from embedlab.perf.machine import Interference, cpu_snapshot, interference, load_average
from embedlab.perf.memory import CudaPeak, RssSampler
from embedlab.perf.multivector import TokenTally
from embedlab.perf.runner import Stage, TimedRun, TimingPlan, WarmUp, call_once, timed_calls
from embedlab.perf.runner import warm_up as run_warm_up
from embedlab.perf.threads import set_torch_threads, threads_in_force
from embedlab.perf.timer import Timer


@dataclass(frozen=True)
class Step:
    """Progress of the timing plan: ``done`` of ``total`` timed runs, and the time left."""

    done: int
    total: int
    eta_seconds: float | None
    label: str


Observe = Callable[[Step], None]


@dataclass
class Case:
    """One timed case and everything measured of it so far.

    ``modality`` is ``image`` or ``text``, or ``maxsim`` for the MaxSim scoring case of a
    multi-vector model (:mod:`embedlab.perf.multivector`); ``tokens`` tallies the token counts
    of a multi-vector model's outputs; ``unit`` is what the throughput counts per second, and
    ``row_fields`` are optional :class:`~embedlab.results.schema.SpeedRow` fields every row of
    the case carries (the MaxSim case's ``maxsim`` details).
    """

    label: str
    encoder: AnyEncoder
    modality: str
    batch_size: int
    threads: int | None
    stages: list[Stage]
    timer: Timer
    warm: WarmUp | None = None
    runs: list[TimedRun] = field(default_factory=list)
    cpu: list[Interference] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    rss_peak_bytes: int = 0
    rss_samples: int = 0
    device_peak_bytes: int | None = None
    threads_used: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    last_seconds: float = 0.0
    tokens: TokenTally | None = None
    unit: str = "items/s"
    row_fields: dict[str, Any] = field(default_factory=dict)


def _eta(cases: list[Case], rounds: int, round_index: int, position: int) -> float | None:
    """Seconds left: each remaining run costs what that case's last run (+warm-up) took."""
    if not any(case.runs for case in cases):
        return None
    known = [c.last_seconds for c in cases if c.runs]
    typical = sum(known) / len(known)
    left = 0.0
    for r in range(round_index, rounds):
        for i, case in enumerate(cases):
            if case.error is None and (r > round_index or i > position):
                left += case.last_seconds if case.runs else typical
    return left


def _time_once(case: Case, plan: TimingPlan, first: bool) -> None:
    if case.threads is not None:
        set_torch_threads(case.threads)
    start = time.perf_counter()
    if first:
        case.warm = run_warm_up(case.stages, plan, case.timer)
    else:
        call_once(case.stages, case.timer)
    before = cpu_snapshot()
    with RssSampler() as rss, CudaPeak(case.encoder.spec.device) as device_peak:
        run = timed_calls(case.stages, plan, case.timer)
    after = cpu_snapshot()
    case.runs.append(run)
    case.cpu.append(interference(before, after))
    average = load_average()
    if average is not None:
        case.load.append(average)
    case.rss_peak_bytes = max(case.rss_peak_bytes, rss.peak_bytes)
    case.rss_samples += rss.n_samples
    if device_peak.peak_bytes is not None:
        case.device_peak_bytes = max(case.device_peak_bytes or 0, device_peak.peak_bytes)
    if first:
        case.threads_used = threads_in_force(case.encoder)
    case.last_seconds = time.perf_counter() - start


def time_in_rounds(
    cases: list[Case], plan: TimingPlan, observe: Observe, done_before: int, total: int
) -> tuple[int, int]:
    """Time ``cases`` interleaved for ``plan.repeats`` rounds; ``(runs done, new total)``.

    A case that fails (an :class:`EmbedlabError` or ``MemoryError``, e.g. a batch size that
    does not fit) gets its ``error`` set and leaves the schedule; its runs are taken off
    ``total``.
    """
    done = done_before
    for round_index in range(plan.repeats):
        for position, case in enumerate(cases):
            if case.error is not None:
                continue
            try:
                _time_once(case, plan, first=round_index == 0)
            except (EmbedlabError, MemoryError) as exc:
                case.error = str(exc) or type(exc).__name__
                total -= plan.repeats - round_index
                continue
            done += 1
            eta = _eta(cases, plan.repeats, round_index, position)
            observe(Step(done, total, eta, case.label))
    return done, total
