"""Write a speed sweep: ``results.json`` (a RunLog), ``speed_samples.json`` (raw timings) and
``speed.csv`` (one line per measured case: throughput, latency, stability, interference).

If the output folder already holds a RunLog (e.g. a quality run), the speed rows join it: its
metrics, datasets, outcomes and timings are kept, speed rows of the same (model, runtime,
precision, device, batch size, modality) are replaced, and the speed config and environment go
under the ``"speed"`` key of ``config`` and ``environment``. Otherwise a new RunLog is written.
Both files are written atomically. ``status`` is ``complete`` when at least one case was
measured (a sweep that measured nothing raises before anything is written).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from embedlab._atomic import write_text_atomic
from embedlab.errors import ResultsError
from embedlab.perf.config import SpeedConfig
from embedlab.perf.environment import capture_environment
from embedlab.perf.inputs import describe_inputs
from embedlab.perf.stability import THRESHOLDS
from embedlab.perf.sweep import SweepResult
from embedlab.results.io import RESULTS_JSON, read_results, write_runlog
from embedlab.results.schema import RunLog, SpeedRow, Status

SAMPLES_JSON = "speed_samples.json"
SPEED_CSV = "speed.csv"
REGION_NOTES = {
    "preprocess": "preprocess = image resize/crop/normalise or tokenisation, on the host",
    "model": "model = host-to-device copy, forward pass, device-to-host copy, L2 normalisation",
    "preprocess+model": "preprocess+model = one whole encode call (the throughput figure)",
    "maxsim": "maxsim = exact MaxSim of one query (the measured text tokens per item) against "
    "the batch's documents (the measured image tokens each), random unit float32 tokens; "
    "throughput in documents scored per second",
}


def _key(row: SpeedRow) -> tuple[str, ...]:
    level = None if row.load is None else row.load.get("level")  # load tests: one per level
    return (row.model, row.runtime, row.precision, row.device, str(row.batch_size), row.modality,
            str(row.threads), str(level))  # fmt: skip


def speed_notes(config: SpeedConfig, result: SweepResult) -> list[str]:
    """What the inputs were, how cases were scheduled, and what each timed region holds."""
    plan = config.plan
    modalities = {row.modality for row in result.rows} - {"all"} or set(config.modalities)
    notes = [f"speed: {describe_inputs(config.seed, sorted(modalities))}"]
    if config.isolate:
        scope = "modality x batch, within each configuration's own fresh process (--isolate)"
        memory = "peak RSS is of the configuration's own process"
    else:
        scope = "runtime x precision x threads x modality x batch"
        memory = (
            "peak RSS is of the whole process, which holds every configuration of the "
            "model being compared (--isolate measures each alone)"
        )
    if config.quick:
        notes.append(
            "speed: QUICK LOOK (--quick): short warm-up and timing; the figures are rough, "
            "measure without --quick before comparing"
        )
    notes += [
        f"speed: warm-up >= {plan.warmup_iterations} calls and >= {plan.warmup_seconds} s; "
        f"timed >= {plan.min_iterations} calls and >= {plan.min_seconds} s per round; "
        "throughput = items / wall seconds of the timed runs; raw per-call seconds in "
        + SAMPLES_JSON,
        f"speed: {plan.repeats} interleaved round(s): every case ({scope}) is timed once per "
        "round, in turn, so drift hits each alike; threads = "
        + (
            "given by --threads"
            if config.threads
            else "physical cores this process may use (affinity and cgroup aware)"
        ),
        "speed: unstable = another process used > {other_cores} cores during timing, or "
        "throughput CV over 0.1 s windows > {cv}, or p99/p50 > {p99_p50}; ".format(**THRESHOLDS)
        + memory,
    ]
    if plan.repeats >= 2:
        notes.append(
            "speed: throughput, latency and peak RSS pool the calls of all rounds; "
            "throughput_mean ± throughput_std (ddof=1, n = rounds) over the per-round "
            "throughputs is run-to-run variation on this machine, not a confidence interval"
        )
    notes.append(
        "speed: measured now; speed is re-measured on every run (--reuse-speed keeps "
        "earlier figures measured with the same settings)"
    )
    regions = {row.timed_region for row in result.rows}
    notes += [f"speed: {REGION_NOTES[r]}" for r in sorted(regions) if r in REGION_NOTES]
    if any(row.metric.startswith("parity_") for row in result.rows):
        notes.append(
            "speed: parity = cosine of each first-call embedding with the torch fp32 embedding "
            "of the same input (mean and min over the batch)"
        )
    return notes


def existing_runlog(out: Path) -> RunLog | None:
    """The RunLog already in ``out``, None if there is none; unreadable is a ResultsError."""
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
    environment["machine"] = _machine_of(result)
    old = existing_runlog(config.out)
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
    fields = ("model", "runtime", "precision", "device", "batch_size", "modality", "threads",
              "load_level")  # fmt: skip
    return tuple(str(case.get(name)) for name in fields)


def _old_cases(path: Path) -> list[dict[str, Any]]:
    try:
        cases = json.loads(path.read_text(encoding="utf-8")).get("cases", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [case for case in cases if isinstance(case, dict)]


def _machine_of(result: SweepResult) -> dict[str, Any]:
    """The static machine state (first measured case) for the environment record."""
    for row in result.rows:
        if row.machine:
            keys = ("usable_cpus", "usable_physical_cores", "cgroup_cpu_quota", "governor",
                    "cpu_mhz")  # fmt: skip
            return {key: row.machine.get(key) for key in keys}
    return {}


CSV_FIELDS = (
    "model", "runtime", "precision", "device", "threads", "modality", "batch_size",
    "throughput", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "peak_rss_mib",
    "rounds", "throughput_min", "throughput_max", "cv", "p99_p50", "other_cores",
    "load_avg_1m", "unstable", "unstable_reason",
    "load_mode", "load_level", "qps", "error_rate", "client_cores", "server_cores", "knee",
    "throughput_unit", "tokens_per_item",
)  # fmt: skip


def speed_csv(rows: list[SpeedRow]) -> str:
    """One CSV line per measured case (the whole-call region), columns :data:`CSV_FIELDS`
    (a multi-vector model's: ``tokens_per_item``; its MaxSim case, modality ``maxsim``: the
    throughput in ``docs/s``, ``throughput_unit``)."""
    cases: dict[tuple[str, ...], dict[str, Any]] = {}
    regions = {_key(r): r.timed_region for r in rows if r.metric == "throughput"}
    for row in rows:
        key = _key(row)
        if regions.get(key) != row.timed_region:
            continue
        line = cases.setdefault(key, {
            "model": row.model, "runtime": row.runtime, "precision": row.precision,
            "device": row.device, "threads": row.threads, "modality": row.modality,
            "batch_size": row.batch_size, "unstable": row.unstable,
            "unstable_reason": row.unstable_reason or "",
        })  # fmt: skip
        if row.load is not None:
            line |= {
                "load_mode": row.load.get("mode"),
                "load_level": row.load.get("level"),
                "client_cores": row.load.get("client_cores"),
                "server_cores": row.load.get("server_cores"),
                "knee": row.load.get("knee"),
            }
            if row.metric in ("qps", "error_rate"):
                line[row.metric] = row.value
        column = {"throughput": "throughput", "latency_p50": "latency_p50_ms",
                  "latency_p90": "latency_p90_ms", "latency_p99": "latency_p99_ms",
                  "peak_rss": "peak_rss_mib"}.get(row.metric)  # fmt: skip
        if column:
            line[column] = row.value
        if row.metric == "throughput":
            line |= {"throughput_unit": row.unit, "tokens_per_item": row.tokens_per_item}
        if row.metric == "throughput" and row.machine:
            rounds = row.machine.get("round_throughputs") or [row.value]
            line |= {"rounds": len(rounds), "throughput_min": min(rounds),
                     "throughput_max": max(rounds)}  # fmt: skip
            line |= {k: row.machine.get(k) for k in ("cv", "p99_p50", "other_cores",
                                                      "load_avg_1m")}  # fmt: skip
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_FIELDS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(cases.values())
    return buffer.getvalue()


def write_speed(out: Path, log: RunLog, result: SweepResult) -> list[str]:
    """Write ``speed_samples.json``, ``speed.csv`` then ``results.json`` into ``out``.

    Raw cases of an earlier speed run in ``out`` are kept unless this run measured them again.

    Returns:
        One ``path: what it holds`` line per file written.
    """
    path = out / SAMPLES_JSON
    fresh = {_case_key(case) for case in result.raw}
    kept = [case for case in _old_cases(path) if _case_key(case) not in fresh]
    write_text_atomic(path, json.dumps({"cases": kept + result.raw}, indent=1) + "\n")
    write_text_atomic(out / SPEED_CSV, speed_csv(list(log.speed)))
    results = write_runlog(out, log)
    return [
        f"{results}: the RunLog (config, environment, every speed row with its verdict and "
        "machine state)",
        f"{out / SPEED_CSV}: one line per configuration (throughput, latency, stability)",
        f"{path}: the seconds of every timed call",
    ]
