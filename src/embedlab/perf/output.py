"""Write a speed sweep: ``results.json`` (a RunLog) and ``speed_samples.json`` (raw timings).

If the output folder already holds a RunLog (e.g. a quality run), the speed rows join it: its
metrics, datasets, outcomes and timings are kept, speed rows of the same (model, runtime,
precision, device, batch size, modality) are replaced, and the speed config and environment go
under the ``"speed"`` key of ``config`` and ``environment``. Otherwise a new RunLog is written.
Both files are written atomically. ``status`` is ``complete`` when at least one case was
measured, ``failed`` when none was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedlab._atomic import write_text_atomic
from embedlab.errors import ResultsError
from embedlab.perf.config import SpeedConfig
from embedlab.perf.environment import capture_environment
from embedlab.perf.inputs import describe_inputs
from embedlab.perf.sweep import SweepResult
from embedlab.results.io import RESULTS_JSON, read_results, write_runlog
from embedlab.results.schema import RunLog, SpeedRow, Status

SAMPLES_JSON = "speed_samples.json"
REGION_NOTES = {
    "preprocess": "preprocess = image resize/crop/normalise or tokenisation, on the host",
    "model": "model = host-to-device copy, forward pass, device-to-host copy, L2 normalisation",
    "preprocess+model": "preprocess+model = one whole encode call (the throughput figure)",
}


def _key(row: SpeedRow) -> tuple[str, ...]:
    return (row.model, row.runtime, row.precision, row.device, str(row.batch_size), row.modality)


def speed_notes(config: SpeedConfig, result: SweepResult) -> list[str]:
    """What the inputs were and what each timed region holds."""
    plan = config.plan
    notes = [
        f"speed: {describe_inputs(config.seed)}",
        f"speed: warm-up >= {plan.warmup_iterations} calls and >= {plan.warmup_seconds} s; "
        f"timed >= {plan.min_iterations} calls and >= {plan.min_seconds} s; throughput = items "
        "/ wall seconds of the timed run; raw per-call seconds in " + SAMPLES_JSON,
    ]
    if plan.repeats >= 2:
        notes.append(
            f"speed: each case was warmed up once, then timed {plan.repeats} times (each run "
            "meeting both floors); throughput, latency and peak RSS pool the calls of all runs; "
            "throughput_mean ± throughput_std (ddof=1, n = runs) over the per-run throughputs "
            "is run-to-run variation on this machine, not a confidence interval of model quality"
        )
    regions = {row.timed_region for row in result.rows}
    notes += [f"speed: {REGION_NOTES[r]}" for r in sorted(regions) if r in REGION_NOTES]
    if any(row.metric.startswith("parity_") for row in result.rows):
        notes.append(
            "speed: parity = cosine of each first-call embedding with the torch fp32 embedding "
            "of the same input (mean and min over the batch)"
        )
    return notes


def _existing(out: Path) -> RunLog | None:
    if not (out / RESULTS_JSON).is_file():
        return None
    try:
        return read_results(out)
    except ResultsError as exc:
        raise ResultsError(
            f"{out / RESULTS_JSON} exists but cannot be read ({exc}); "
            "choose another --out folder for the speed run"
        ) from None


def build_runlog(
    config: SpeedConfig, result: SweepResult, version: str, started: str, finished: str
) -> RunLog:
    """The RunLog of the sweep, merged into the RunLog already in ``config.out`` if any."""
    speed_config: dict[str, Any] = json.loads(config.model_dump_json())
    environment = capture_environment()
    notes = speed_notes(config, result)
    measured = any(r.metric == "throughput" for r in result.rows)
    status: Status = "complete" if measured else "failed"
    old = _existing(config.out)
    if old is None:
        return RunLog(
            embedlab_version=version,
            status=status,
            started_at=started,
            finished_at=finished,
            config=speed_config,
            environment=environment,
            speed=result.rows,
            notes=notes,
            errors=result.errors,
        )
    fresh = {_key(row) for row in result.rows}
    kept = [row for row in old.speed if _key(row) not in fresh]
    old_notes = [n for n in old.notes if not n.startswith("speed: ")]
    return old.model_copy(
        update={
            "config": {**old.config, "speed": speed_config},
            "environment": {**old.environment, "speed": environment},
            "speed": kept + result.rows,
            "notes": old_notes + notes,
            "errors": old.errors + result.errors,
        }
    )


def _case_key(case: dict[str, Any]) -> tuple[str, ...]:
    fields = ("model", "runtime", "precision", "device", "batch_size", "modality")
    return tuple(str(case.get(name)) for name in fields)


def _old_cases(path: Path) -> list[dict[str, Any]]:
    try:
        cases = json.loads(path.read_text(encoding="utf-8")).get("cases", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [case for case in cases if isinstance(case, dict)]


def write_speed(out: Path, log: RunLog, result: SweepResult) -> Path:
    """Write ``speed_samples.json`` then ``results.json`` into ``out``; the latter's path.

    Raw cases of an earlier speed run in ``out`` are kept unless this run measured them again.
    """
    path = out / SAMPLES_JSON
    fresh = {_case_key(case) for case in result.raw}
    kept = [case for case in _old_cases(path) if _case_key(case) not in fresh]
    write_text_atomic(path, json.dumps({"cases": kept + result.raw}, indent=1) + "\n")
    return write_runlog(out, log)
