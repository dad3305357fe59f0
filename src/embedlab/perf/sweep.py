"""The speed sweep: models × runtimes × precisions × modalities × batch sizes → SpeedRows.

Order of work for each model × runtime × precision: load (timed: cold start), set threads, then
per modality one first call (timed: cold start, output checked), then per batch size a warm-up
and ``--repeats`` timed runs (:func:`embedlab.perf.measure.measure_case`). The encoder is dropped
before the next one loads, so peak memory is not inflated by the previous model.

The torch fp32 combination of each model, when asked for, runs first: its first-call outputs are
the reference the other runtimes/precisions are compared with (parity rows).

A failure is recorded and the sweep goes on: a model that cannot load on a runtime/precision
(e.g. int8 on torch) skips that combination; a modality the model lacks, or a batch size that
runs out of memory, skips that case. Each becomes one line of ``errors``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedlab.errors import EmbedlabError
from embedlab.models.base import Encoder, ModelSpec
from embedlab.models.registry import parse_model
from embedlab.perf.call_stages import check_modality
from embedlab.perf.config import SpeedConfig
from embedlab.perf.loading import effective_threads, load_encoder_for_speed
from embedlab.perf.measure import (
    SpeedInputs,
    first_call_row,
    load_row,
    measure_case,
    parity_rows,
)
from embedlab.perf.timer import Timer, encoder_sync
from embedlab.results.schema import SpeedRow

Notify = Callable[[str], None]


@dataclass
class SweepResult:
    """Everything a sweep measured or could not measure."""

    rows: list[SpeedRow] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    references: dict[tuple[str, str], NDArray[np.float32]] = field(default_factory=dict)


def is_reference(spec: ModelSpec) -> bool:
    """Torch fp32: the output every other runtime/precision is compared with."""
    return spec.runtime == "torch" and spec.precision == "fp32"


def specs_of(config: SpeedConfig) -> list[ModelSpec]:
    """Every model × runtime × precision as a spec, torch fp32 first within a model.

    A bad ``--model`` fails here, before anything is measured.
    """
    specs = [
        parse_model(
            model,
            precision=precision,
            device=config.device,
            batch_size=config.batch_sizes[0],
            trust_remote_code=config.trust_remote_code,
            runtime=runtime,
        )
        for model in config.models
        for runtime in config.runtimes
        for precision in config.precisions
    ]
    order = {name: i for i, name in enumerate(config.models)}
    return sorted(specs, key=lambda s: (order[s.name], not is_reference(s)))


def _label(spec: ModelSpec) -> str:
    return f"{spec.name} [{spec.runtime} {spec.precision}]"


def _measure_encoder(
    encoder: Encoder, config: SpeedConfig, inputs: SpeedInputs, result: SweepResult, say: Notify
) -> None:
    spec = encoder.spec
    threads = effective_threads(encoder)
    timer = Timer(sync=encoder_sync(encoder, spec.device))
    for name in config.modalities:
        modality = check_modality(name)
        try:
            row, output = first_call_row(encoder, modality, inputs, timer, threads)
        except EmbedlabError as exc:
            result.errors.append(f"{_label(spec)} {modality}: skipped: {exc}")
            continue
        result.rows.append(row)
        reference = result.references.get((spec.name, modality))
        if is_reference(spec):
            result.references[(spec.name, modality)] = output
        elif reference is not None:
            result.rows.extend(parity_rows(encoder, modality, reference, output, threads))
        for batch_size in config.batch_sizes:
            say(f"timing {_label(encoder.spec)} {modality}s, batch {batch_size}")
            try:
                case = measure_case(
                    encoder, modality, batch_size, inputs, config.plan, timer, threads
                )
            except (EmbedlabError, MemoryError) as exc:
                where = f"{_label(encoder.spec)} {modality} batch {batch_size}"
                result.errors.append(f"{where}: skipped: {exc}")
                continue
            result.rows.extend(case.rows)
            result.raw.append(case.raw)


def sweep(config: SpeedConfig, notify: Notify | None = None) -> SweepResult:
    """Measure every combination of ``config``; failures become ``errors`` lines."""
    say = notify or (lambda message: None)
    specs = specs_of(config)
    inputs = SpeedInputs(max_batch=max(config.batch_sizes), seed=config.seed)
    result = SweepResult()
    for spec in specs:
        say(f"loading {_label(spec)}")
        start = time.perf_counter()
        try:
            encoder = load_encoder_for_speed(spec, config.threads, config.cache_dir)
        except EmbedlabError as exc:
            result.errors.append(f"{_label(spec)}: skipped: {exc}")
            continue
        seconds = time.perf_counter() - start
        result.rows.append(load_row(encoder, seconds, effective_threads(encoder)))
        _measure_encoder(encoder, config, inputs, result, say)
        del encoder
        gc.collect()
    return result
