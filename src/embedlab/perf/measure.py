"""Measure one (loaded encoder, modality, batch size) case into :class:`SpeedRow` values.

For a case the rows are:

- ``throughput`` (``items/s``) = ``batch_size × timed calls / wall seconds`` of the sustained
  timed run, for the whole call (``preprocess+model``);
- ``latency_p50`` / ``latency_p90`` / ``latency_p99`` / ``latency_mean`` (``ms`` per call) for
  the whole call and, when the encoder splits them, for ``preprocess`` and ``model`` alone;
- ``peak_rss`` (``MiB``) sampled during the timed run (``n`` = samples), and on CUDA
  ``peak_device_memory`` (``MiB``, torch allocator);
- with ``plan.repeats = N >= 2`` timed runs after the one warm-up, the rows above are computed
  over the pooled calls of all runs, plus ``throughput_mean`` / ``throughput_std``
  (``items/s``, ``n = N``) over the per-run throughputs (:mod:`embedlab.perf.repeated_runs`).

Every row of a timed case carries its stability verdict (``unstable``, ``unstable_reason``,
:mod:`embedlab.perf.stability`) and the machine state while it was timed (``machine``:
interference in cores, load, CPUs, quota, thread settings in force, per-round throughputs).

Cold start is measured apart: ``cold_start`` (``s``) of loading the model (region ``load``) and
of the very first call of each modality (region ``first_call``). The first call's output is
checked, and compared with the torch fp32 output of the same inputs when the sweep has it
(``parity_cosine_mean`` / ``parity_cosine_min``, region ``output``).

A multi-vector model's rows also carry ``tokens_per_item`` (mean tokens per item of the case's
outputs), and its first call is checked and compared token by token
(:mod:`embedlab.perf.multivector`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models.base import Modality
from embedlab.models.multivector import AnyEncoder
from embedlab.perf.call_stages import call_stages
from embedlab.perf.inputs import synthetic_captions, synthetic_images
from embedlab.perf.machine import machine_state
from embedlab.perf.memory import MIB
from embedlab.perf.multivector import checked_tokens, is_multi_vector
from embedlab.perf.repeated_runs import (
    Figure,
    pool_runs,
    repeat_figures,
    repeat_records,
    repeat_throughputs,
)
from embedlab.perf.rounds import Case, time_in_rounds
from embedlab.perf.runner import TimingPlan, call_once
from embedlab.perf.stability import Verdict, judge
from embedlab.perf.stats import latency_stats, sustained_throughput
from embedlab.perf.timer import Timer
from embedlab.results.schema import SpeedRow
from embedlab.runtimes import parity


@dataclass
class SpeedInputs:
    """Synthetic inputs, generated once for the largest batch and sliced per batch size."""

    max_batch: int
    seed: int = 0
    _cache: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    def batch(self, modality: Modality, size: int) -> list[Any]:
        """The first ``size`` synthetic items of ``modality``."""
        if modality not in self._cache:
            n = max(self.max_batch, size)
            make = synthetic_images if modality == "image" else synthetic_captions
            self._cache[modality] = list(make(n, seed=self.seed))
        return self._cache[modality][:size]


@dataclass(frozen=True)
class CaseResult:
    """The rows of one case and its raw timings (for ``speed_samples.json``)."""

    rows: list[SpeedRow]
    raw: dict[str, Any]


def _row(
    encoder: AnyEncoder, modality: str, batch_size: int, threads: int | None, **values: Any
) -> SpeedRow:
    spec = encoder.spec
    return SpeedRow(
        model=spec.name,
        runtime=spec.runtime,
        precision=spec.precision,
        device=spec.device,
        batch_size=batch_size,
        modality=modality,
        threads=threads,
        **values,
    )


def load_row(encoder: AnyEncoder, seconds: float, threads: int | None) -> SpeedRow:
    """The ``cold_start`` row of loading (or exporting) the model, in seconds."""
    values = {"metric": "cold_start", "value": seconds, "unit": "s", "n": 1}
    return _row(encoder, "all", encoder.spec.batch_size, threads, timed_region="load", **values)


def first_call_row(
    encoder: AnyEncoder, modality: Modality, inputs: SpeedInputs, timer: Timer,
    threads: int | None,
) -> tuple[SpeedRow, NDArray[np.float32]]:  # fmt: skip
    """Time the first call of ``modality`` (batch ``spec.batch_size``); the row and output
    (a multi-vector model's: every token vector of the batch, ``(sum n_i, D)``, and the row's
    ``tokens_per_item``).

    Raises:
        ModelError: the output is not ``(batch, D)`` finite values (multi-vector: ``batch``
            finite token matrices of width ``token_dim``).
    """
    size = encoder.spec.batch_size
    stages = call_stages(encoder, modality, inputs.batch(modality, size))
    durations, output = call_once(stages, timer)
    extra: dict[str, Any] = {}
    if is_multi_vector(encoder):
        tokens = checked_tokens(encoder, modality, output, size)
        vectors = tokens.tokens
        extra["tokens_per_item"] = len(vectors) / size
    else:
        vectors = np.asarray(output)
        if vectors.ndim != 2 or vectors.shape[0] != size or not np.isfinite(vectors).all():
            raise ModelError(
                f"model {encoder.spec.name!r} returned {vectors.shape} (or non-finite values) "
                f"for {size} {modality}s; expected ({size}, D) finite embeddings"
            )
    whole_call = max(durations.values())  # the whole chain is the longest region
    values = {"metric": "cold_start", "value": whole_call, "unit": "s", "n": 1}
    row = _row(encoder, modality, size, threads, timed_region="first_call", **values, **extra)
    return row, vectors.astype(np.float32)


def parity_rows(
    encoder: AnyEncoder,
    modality: Modality,
    reference: NDArray[np.float32],
    output: NDArray[np.float32],
    threads: int | None,
) -> list[SpeedRow]:
    """``parity_cosine_mean`` / ``parity_cosine_min`` (unit ``cosine``) of the first call.

    ``cos_i`` is the cosine between row ``i`` of ``output`` and of ``reference`` (the torch
    fp32 embeddings of the same inputs); 1.0 means the same direction. For a multi-vector model
    the rows are token vectors (``n`` = tokens compared, ``batch_size`` the call's items).
    """
    mean, minimum = parity(reference, output)
    size = encoder.spec.batch_size if is_multi_vector(encoder) else len(output)
    return [
        _row(encoder, modality, size, threads, metric=metric, value=value, unit="cosine",
             n=len(output), timed_region="output")
        for metric, value in (("parity_cosine_mean", mean), ("parity_cosine_min", minimum))
    ]  # fmt: skip


def measure_case(
    encoder: AnyEncoder,
    modality: Modality,
    batch_size: int,
    inputs: SpeedInputs,
    plan: TimingPlan,
    timer: Timer,
    threads: int | None = None,
) -> CaseResult:
    """Warm up once, run ``plan.repeats`` timed runs with memory sampling, summarise into rows.

    One case alone (the sweep interleaves many: :mod:`embedlab.perf.rounds`). Throughput,
    latency and memory rows pool the calls of all timed runs; the per-run spread
    (``throughput_mean`` / ``throughput_std``) is added only when there are 2 runs or more.
    """
    stages = call_stages(encoder, modality, inputs.batch(modality, batch_size))
    case = Case(encoder.spec.name, encoder, modality, batch_size, threads, stages, timer)
    time_in_rounds([case], plan, lambda step: None, 0, plan.repeats)
    if case.error is not None:
        raise ModelError(case.error)
    return case_result(case, threads)


def case_result(case: Case, threads: int | None) -> CaseResult:
    """The rows (with the stability verdict and machine state) and raw record of a timed case.

    The verdict (:func:`embedlab.perf.stability.judge`) is over the pooled whole-call seconds
    and the CPU-seconds-weighted interference of all rounds; every row of the case carries it.
    """
    encoder, batch_size, runs = case.encoder, case.batch_size, case.runs
    run = pool_runs(runs)
    items = batch_size * run.iterations
    figures: list[Figure] = [
        ("throughput", sustained_throughput(items, run.wall_seconds), "items/s", items, run.region),
        *repeat_figures(runs, batch_size),
        ("peak_rss", case.rss_peak_bytes / MIB, "MiB", case.rss_samples, run.region),
    ]
    for region, seconds in run.samples.items():
        stats = latency_stats(seconds)
        figures += [(m, v, "ms", stats.n, region) for m, v in stats.as_dict().items()]
    if case.device_peak_bytes is not None:
        figures.append(("peak_device_memory", case.device_peak_bytes / MIB, "MiB", 1, run.region))
    other = _weighted_other_cores(case)
    verdict = judge(run.samples[run.region], other)
    machine = _machine(case, verdict, repeat_throughputs(runs, batch_size))
    flags: dict[str, Any] = {"unstable": verdict.unstable, "unstable_reason": verdict.reason}
    flags["machine"] = machine
    flags |= case.row_fields
    if case.tokens is not None and case.tokens.mean is not None:
        flags["tokens_per_item"] = case.tokens.mean
    rows = [
        _row(encoder, case.modality, batch_size, threads, metric=metric, value=value,
             unit=case.unit if unit == "items/s" else unit, n=n, timed_region=region, **flags)
        for metric, value, unit, n, region in figures
    ]  # fmt: skip
    spec = encoder.spec
    warm = case.warm
    raw = {
        "model": spec.name,
        "runtime": spec.runtime,
        "precision": spec.precision,
        "device": spec.device,
        "batch_size": batch_size,
        "modality": case.modality,
        "threads": threads,
        "warmup": {"iterations": warm.iterations if warm else 0,
                   "seconds": warm.seconds if warm else 0.0},
        "iterations": run.iterations,
        "wall_seconds": run.wall_seconds,
        "region": run.region,
        "seconds": run.samples,
        "repeats": repeat_records(runs, batch_size),
        "other_cores": [c.other_cores for c in case.cpu],
        "machine": machine,
    }  # fmt: skip
    return CaseResult(rows=rows, raw=raw)


def _weighted_other_cores(case: Case) -> float | None:
    """``Σ other_i · seconds_i / Σ seconds_i`` over the rounds (None without /proc/stat)."""
    known = [(c.other_cores, c.seconds) for c in case.cpu if c.other_cores is not None]
    total = sum(seconds for _, seconds in known)
    if not known or total <= 0:
        return None
    return sum(other * seconds for other, seconds in known) / total


def _machine(case: Case, verdict: Verdict, throughputs: list[float]) -> dict[str, Any]:
    others = [c.other_cores for c in case.cpu if c.other_cores is not None]
    state = machine_state()
    if case.load:
        state["load_avg_1m"] = round(sum(case.load) / len(case.load), 2)
    return {
        **state,
        "other_cores": None if verdict.other_cores is None else round(verdict.other_cores, 3),
        "other_cores_max": round(max(others), 3) if others else None,
        "own_cores": round(sum(c.own_cores for c in case.cpu) / max(len(case.cpu), 1), 3),
        "cv": round(verdict.cv, 4),
        "p99_p50": round(verdict.p99_p50, 3),
        "rounds": len(case.runs),
        "round_throughputs": [round(t, 4) for t in throughputs],
        "threads": case.threads_used,
    }
