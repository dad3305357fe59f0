"""The speed sweep: models × runtimes × precisions × threads × modalities × batch sizes → rows.

A *system* is one model × runtime × precision × thread count (``--threads``, repeatable;
default :func:`embedlab.perf.threads.default_threads`). For each model in turn:

1. every system of the model is loaded (timed: cold start) and makes one first call per
   modality (timed: cold start, output checked; torch fp32 — loaded first — gives the
   reference outputs of the parity rows);
2. every case (system × modality × batch size) is timed **interleaved**, one timed run per
   case per round, for ``--repeats`` rounds (:mod:`embedlab.perf.rounds`);
3. each case becomes rows with its stability verdict and machine state
   (:func:`embedlab.perf.measure.case_result`); the model's systems are dropped before the
   next model loads.

A multi-vector model (ColPali, ColQwen2) is timed the same way; its rows carry
``tokens_per_item``, and one MaxSim case per thread count joins its rounds (modality
``maxsim``: documents scored per second for one query, :mod:`embedlab.perf.late_cases`).

Runtimes are checked before anything loads (an unknown one lists the valid names). A failure
is recorded and the sweep goes on: a system that cannot load (e.g. int8 on torch) skips its
cases, a modality the model lacks or a batch size that runs out of memory skips that case; each
becomes one line of ``errors``. A text-only model (:func:`text_only`) is timed on text alone
when text is among the modalities asked for (its image cases are left out, not errors).
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
from embedlab.models.base import ModelSpec
from embedlab.models.matryoshka import MatryoshkaEncoder
from embedlab.models.multivector import AnyEncoder, MultiVectorEncoder
from embedlab.models.registry import parse_model
from embedlab.models.text_towers import TextTowersMixin
from embedlab.perf.call_stages import call_stages, check_modality
from embedlab.perf.config import SpeedConfig
from embedlab.perf.late_cases import MaxSimPlan
from embedlab.perf.loading import load_encoder_for_speed
from embedlab.perf.measure import (
    SpeedInputs,
    case_result,
    first_call_row,
    load_row,
    parity_rows,
)
from embedlab.perf.multivector import TokenTally, counting
from embedlab.perf.rounds import Case, Observe, Step, time_in_rounds
from embedlab.perf.threads import default_threads, prefer_passive_waiting, set_torch_threads
from embedlab.perf.timer import Timer, encoder_sync
from embedlab.results.schema import SpeedRow
from embedlab.runtimes import RUNTIMES
from embedlab.runtimes.towers import TowerEncoder

Notify = Callable[[str], None]


@dataclass
class SweepResult:
    """Everything a sweep measured or could not measure."""

    rows: list[SpeedRow] = field(default_factory=list)
    raw: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    references: dict[tuple[str, str], NDArray[np.float32]] = field(default_factory=dict)
    failures: list[EmbedlabError] = field(default_factory=list)


@dataclass(frozen=True)
class System:
    """One model × runtime × precision × thread count."""

    spec: ModelSpec
    threads: int

    @property
    def label(self) -> str:
        spec = self.spec
        return f"{spec.name} [{spec.runtime} {spec.precision}, {self.threads} threads]"


def is_reference(spec: ModelSpec) -> bool:
    """Torch fp32: the output every other runtime/precision is compared with."""
    return spec.runtime == "torch" and spec.precision == "fp32"


def check_runtimes(names: list[str]) -> None:
    """Raise :class:`~embedlab.errors.UnknownNameError` for the first unknown runtime."""
    for name in names:
        RUNTIMES.get(name)


def specs_of(config: SpeedConfig) -> list[ModelSpec]:
    """Every model × runtime × precision as a spec, torch fp32 first within a model.

    A bad ``--model`` or ``--runtime`` fails here, before anything is loaded or measured.
    """
    check_runtimes(config.runtimes)
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


def systems_of(config: SpeedConfig) -> list[System]:
    """Every spec × thread count, in :func:`specs_of` order."""
    counts = config.threads or [default_threads()]
    return [System(spec, count) for spec in specs_of(config) for count in counts]


def text_only(encoder: AnyEncoder) -> bool:
    """A text-only encoder: a text tower model (``st:``, ``hf-text:``, ``arch:`` text), or an
    exported runtime's encoder without an image tower (Matryoshka wrappers looked through)."""
    inner = encoder.inner if isinstance(encoder, MatryoshkaEncoder) else encoder
    if isinstance(inner, TowerEncoder):
        return inner.run_image is None
    return isinstance(inner, TextTowersMixin)


def _skip(result: SweepResult, where: str, exc: EmbedlabError) -> None:
    result.errors.append(f"{where}: skipped: {exc}")
    result.failures.append(exc)


def _cases_of(
    system: System, encoder: AnyEncoder, config: SpeedConfig, inputs: SpeedInputs,
    result: SweepResult, maxsim: MaxSimPlan,
) -> list[Case]:  # fmt: skip
    """First call (+parity) per modality, then the cases of every batch size to time (and a
    multi-vector model's MaxSim case)."""
    spec, threads = system.spec, system.threads
    timer = Timer(sync=encoder_sync(encoder, spec.device))
    multi = isinstance(encoder, MultiVectorEncoder)
    cases: list[Case] = []
    firsts: dict[str, float] = {}
    for name in config.modalities:
        modality = check_modality(name)
        if modality == "image" and "text" in config.modalities and text_only(encoder):
            continue
        try:
            row, output = first_call_row(encoder, modality, inputs, timer, threads)
        except EmbedlabError as exc:
            _skip(result, f"{system.label} {modality}", exc)
            continue
        result.rows.append(row)
        if row.tokens_per_item is not None:
            firsts[modality] = row.tokens_per_item
        reference = result.references.get((spec.name, modality))
        if is_reference(spec) and reference is None:
            result.references[(spec.name, modality)] = output
        elif reference is not None and not is_reference(spec):
            result.rows.extend(parity_rows(encoder, modality, reference, output, threads))
        for size in config.batch_sizes:
            stages = call_stages(encoder, modality, inputs.batch(modality, size))
            tally = TokenTally() if multi else None
            if tally is not None:
                stages = counting(stages, tally)
            label = f"{system.label} {modality} batch {size}"
            cases.append(Case(label, encoder, modality, size, threads, stages, timer, tokens=tally))
    if isinstance(encoder, MultiVectorEncoder) and cases:
        try:
            late = maxsim.case(system.label, encoder, threads, firsts, inputs, timer)
        except EmbedlabError as exc:
            _skip(result, f"{system.label} maxsim", exc)
        else:
            cases += [late] if late is not None else []
    return cases


def sweep(
    config: SpeedConfig,
    notify: Notify | None = None,
    observe: Observe | None = None,
    result: SweepResult | None = None,
) -> SweepResult:
    """Measure every combination of ``config``; failures become ``errors`` lines.

    ``notify`` receives one-line messages (loading …); ``observe`` a :class:`Step` after each
    timed run (runs done / total and the estimated seconds left). ``result`` may come with
    torch fp32 ``references`` from elsewhere (an isolated process, :mod:`.isolate`).
    """
    say = notify or (lambda message: None)
    see = observe or (lambda step: None)
    prefer_passive_waiting()
    systems = systems_of(config)
    inputs = SpeedInputs(max_batch=max(config.batch_sizes), seed=config.seed)
    per_system = len(config.modalities) * len(config.batch_sizes) * config.repeats
    total, done = len(systems) * per_system, 0
    result = result or SweepResult()
    for model in dict.fromkeys(system.spec.name for system in systems):
        cases: list[Case] = []
        maxsim = MaxSimPlan(config.maxsim_docs, config.seed)
        for system in (s for s in systems if s.spec.name == model):
            say(f"loading {system.label}")
            start = time.perf_counter()
            try:
                encoder = load_encoder_for_speed(system.spec, system.threads, config.cache_dir)
            except EmbedlabError as exc:
                _skip(result, system.label, exc)
                total -= per_system
                continue
            seconds = time.perf_counter() - start
            result.rows.append(load_row(encoder, seconds, system.threads))
            set_torch_threads(system.threads)
            found = _cases_of(system, encoder, config, inputs, result, maxsim)
            total -= per_system - len(found) * config.repeats
            cases += found
        see(Step(done, total, None, f"{model}: {len(cases)} cases loaded"))
        done, total = time_in_rounds(cases, config.plan, see, done, total)
        for case in cases:
            if case.error is not None:
                result.errors.append(f"{case.label}: skipped: {case.error}")
                continue
            measured = case_result(case, case.threads)
            result.rows.extend(measured.rows)
            result.raw.append(measured.raw)
        del cases, maxsim
        gc.collect()
    return result
