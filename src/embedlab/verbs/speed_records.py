"""This machine's measured ``arch:`` throughputs, kept for time estimates (``--dry-run``).

Every ``embedlab speed`` run appends its ``arch:`` whole-call throughput rows to
``<cache-dir>/speed-records.jsonl`` (rows flagged unstable are left out), one JSON object per
line: ``machine`` (CPU model × usable CPUs), ``model``, ``runtime``, ``precision``, ``device``,
``batch_size``, ``modality`` (the tower), ``threads``, ``throughput`` (items/s) and
``measured_at``. A later record of the same key replaces an earlier one. Architecture-exact
random weights run at the real model's speed, so these figures estimate how long a suite's
encoding takes here before any weight is downloaded.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from embedlab._atomic import write_text_atomic
from embedlab.core.clock import utc_now
from embedlab.perf.environment import cpu_model
from embedlab.results.schema import SpeedRow

RECORDS = "speed-records.jsonl"
WHOLE_CALL = "preprocess+model"


@dataclass(frozen=True)
class SpeedRecord:
    machine: str
    model: str
    runtime: str
    precision: str
    device: str
    batch_size: int
    modality: str
    threads: int | None
    throughput: float
    measured_at: str

    def key(self) -> tuple[object, ...]:
        return (self.machine, self.model, self.runtime, self.precision, self.device,
                self.batch_size, self.modality, self.threads)  # fmt: skip


def this_machine() -> str:
    """``<CPU model> x<usable CPUs>``: records from another machine are never used here."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 0
    return f"{cpu_model()} x{cpus}"


def read_records(cache_dir: Path) -> list[SpeedRecord]:
    """Every readable record in ``cache_dir`` (unreadable lines are skipped)."""
    path = cache_dir / RECORDS
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(SpeedRecord(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return out


def record_rows(cache_dir: Path, rows: list[SpeedRow]) -> int:
    """Append the ``arch:`` whole-call throughput rows of ``rows``; how many were recorded."""
    machine, now = this_machine(), utc_now()
    fresh = [
        SpeedRecord(
            machine,
            row.model,
            row.runtime,
            row.precision,
            row.device,
            row.batch_size,
            row.modality,
            row.threads,
            row.value,
            now,
        )
        for row in rows
        if row.model.startswith("arch:")
        and row.metric == "throughput"
        and row.timed_region == WHOLE_CALL
        and row.modality in ("image", "text")
        and not row.unstable  # a figure the tool flags unstable estimates nothing
    ]
    if not fresh:
        return 0
    keys = {r.key() for r in fresh}
    kept = [r for r in read_records(cache_dir) if r.key() not in keys]
    text = "".join(json.dumps(asdict(r)) + "\n" for r in [*kept, *fresh])
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(cache_dir / RECORDS, text)
    return len(fresh)


def best_record(
    records: list[SpeedRecord], model: str, runtime: str, precision: str, batch: int,
    modality: str,
) -> SpeedRecord | None:  # fmt: skip
    """This machine's record for the case, at the nearest measured batch size (latest first)."""
    machine = this_machine()
    same = [
        r for r in records
        if (r.machine, r.model, r.runtime, r.precision, r.modality)
        == (machine, model, runtime, precision, modality)
    ]  # fmt: skip
    if not same:
        return None
    latest_first = sorted(same, key=lambda r: r.measured_at, reverse=True)
    return min(latest_first, key=lambda r: abs(r.batch_size - batch))
