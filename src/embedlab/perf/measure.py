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

Cold start is measured apart: ``cold_start`` (``s``) of loading the model (region ``load``) and
of the very first call of each modality (region ``first_call``). The first call's output is
checked, and compared with the torch fp32 output of the same inputs when the sweep has it
(``parity_cosine_mean`` / ``parity_cosine_min``, region ``output``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import ModelError
from embedlab.models.base import Encoder, Modality
from embedlab.perf.call_stages import call_stages
from embedlab.perf.inputs import synthetic_captions, synthetic_images
from embedlab.perf.memory import MIB, CudaPeak, RssSampler
from embedlab.perf.repeated_runs import (
    Figure,
    pool_runs,
    repeat_figures,
    repeat_records,
    timed_repeats,
)
from embedlab.perf.runner import TimingPlan, call_once, warm_up
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
    encoder: Encoder, modality: str, batch_size: int, threads: int | None, **values: Any
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


def load_row(encoder: Encoder, seconds: float, threads: int | None) -> SpeedRow:
    """The ``cold_start`` row of loading (or exporting) the model, in seconds."""
    values = {"metric": "cold_start", "value": seconds, "unit": "s", "n": 1}
    return _row(encoder, "all", encoder.spec.batch_size, threads, timed_region="load", **values)


def first_call_row(
    encoder: Encoder, modality: Modality, inputs: SpeedInputs, timer: Timer, threads: int | None
) -> tuple[SpeedRow, NDArray[np.float32]]:
    """Time the first call of ``modality`` (batch ``spec.batch_size``); the row and output.

    Raises:
        ModelError: the output is not ``(batch, D)`` finite values.
    """
    size = encoder.spec.batch_size
    stages = call_stages(encoder, modality, inputs.batch(modality, size))
    durations, output = call_once(stages, timer)
    vectors = np.asarray(output)
    if vectors.ndim != 2 or vectors.shape[0] != size or not np.isfinite(vectors).all():
        raise ModelError(
            f"model {encoder.spec.name!r} returned {vectors.shape} (or non-finite values) for "
            f"{size} {modality}s; expected ({size}, D) finite embeddings"
        )
    whole_call = max(durations.values())  # the whole chain is the longest region
    values = {"metric": "cold_start", "value": whole_call, "unit": "s", "n": 1}
    row = _row(encoder, modality, size, threads, timed_region="first_call", **values)
    return row, vectors.astype(np.float32)


def parity_rows(
    encoder: Encoder,
    modality: Modality,
    reference: NDArray[np.float32],
    output: NDArray[np.float32],
    threads: int | None,
) -> list[SpeedRow]:
    """``parity_cosine_mean`` / ``parity_cosine_min`` (unit ``cosine``) of the first call.

    ``cos_i`` is the cosine between row ``i`` of ``output`` and of ``reference`` (the torch
    fp32 embeddings of the same inputs); 1.0 means the same direction.
    """
    mean, minimum = parity(reference, output)
    size = len(output)
    return [
        _row(encoder, modality, size, threads, metric=metric, value=value, unit="cosine",
             n=size, timed_region="output")
        for metric, value in (("parity_cosine_mean", mean), ("parity_cosine_min", minimum))
    ]  # fmt: skip


def measure_case(
    encoder: Encoder,
    modality: Modality,
    batch_size: int,
    inputs: SpeedInputs,
    plan: TimingPlan,
    timer: Timer,
    threads: int | None = None,
) -> CaseResult:
    """Warm up once, run ``plan.repeats`` timed runs with memory sampling, summarise into rows.

    Throughput, latency and memory rows pool the calls of all timed runs; the per-run spread
    (``throughput_mean`` / ``throughput_std``) is added only when there are 2 runs or more.
    """
    stages = call_stages(encoder, modality, inputs.batch(modality, batch_size))
    warm = warm_up(stages, plan, timer)
    with RssSampler() as rss, CudaPeak(encoder.spec.device) as device_peak:
        runs = timed_repeats(stages, plan, timer)
    run = pool_runs(runs)
    items = batch_size * run.iterations
    figures: list[Figure] = [
        ("throughput", sustained_throughput(items, run.wall_seconds), "items/s", items, run.region),
        *repeat_figures(runs, batch_size),
        ("peak_rss", rss.peak_mib, "MiB", rss.n_samples, run.region),
    ]
    for region, seconds in run.samples.items():
        stats = latency_stats(seconds)
        figures += [(m, v, "ms", stats.n, region) for m, v in stats.as_dict().items()]
    if device_peak.peak_bytes is not None:
        figures.append(("peak_device_memory", device_peak.peak_bytes / MIB, "MiB", 1, run.region))
    rows = [
        _row(encoder, modality, batch_size, threads, metric=metric, value=value, unit=unit, n=n,
             timed_region=region)
        for metric, value, unit, n, region in figures
    ]  # fmt: skip
    spec = encoder.spec
    raw = {
        "model": spec.name,
        "runtime": spec.runtime,
        "precision": spec.precision,
        "device": spec.device,
        "batch_size": batch_size,
        "modality": modality,
        "threads": threads,
        "warmup": {"iterations": warm.iterations, "seconds": warm.seconds},
        "iterations": run.iterations,
        "wall_seconds": run.wall_seconds,
        "region": run.region,
        "seconds": run.samples,
        "repeats": repeat_records(runs, batch_size),
    }
    return CaseResult(rows=rows, raw=raw)
