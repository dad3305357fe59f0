"""``--isolate``: every configuration measured in its own fresh process.

A configuration (model × runtime × precision × thread count) then starts from nothing: no
other model's memory in the process (its peak RSS is its own), no allocator or thread-pool
state left by a previous configuration, and process-wide settings read once at start-up —
``OMP_WAIT_POLICY`` above all — take effect even when the parent had already imported torch.
This is how optimum-benchmark isolates its measurements.

The parent writes the child's :class:`SpeedConfig` (one runtime, precision and thread count)
to a JSON file and runs ``python -m embedlab.perf.isolate CONFIG RESULT``; the child runs
:func:`embedlab.perf.sweep.sweep` on it and writes rows, raw timings and errors to RESULT.
Parity with torch fp32 crosses processes through ``.npy`` files of the reference outputs in
the same temporary folder. The price: configurations are no longer interleaved with each other
(each child still interleaves its modalities × batch sizes over ``--repeats`` rounds), so
drift between children is not shared; the stability verdict of each row still says whether
its own timing was disturbed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from embedlab.perf.config import SpeedConfig
from embedlab.perf.rounds import Observe, Step
from embedlab.perf.sweep import Notify, SweepResult, sweep, systems_of
from embedlab.results.schema import SpeedRow


def _reference_file(folder: Path, model: str, modality: str) -> Path:
    safe = "".join(c if c.isalnum() else "_" for c in model)
    return folder / f"reference-{safe}-{modality}.npy"


def sweep_isolated(
    config: SpeedConfig, notify: Notify | None = None, observe: Observe | None = None
) -> SweepResult:
    """Measure each configuration of ``config`` in a fresh child process; merge the results."""
    say = notify or (lambda message: None)
    see = observe or (lambda step: None)
    systems = systems_of(config)  # unknown runtimes/models fail here, before any child starts
    per_system = len(config.modalities) * len(config.batch_sizes) * config.repeats
    total, done, started = len(systems) * per_system, 0, time.perf_counter()
    merged = SweepResult()
    with tempfile.TemporaryDirectory(prefix="embedlab-isolate-") as tmp:
        folder = Path(tmp)
        for index, system in enumerate(systems):
            spec = system.spec
            child = config.model_copy(
                update={
                    "models": [spec.name],
                    "runtimes": [spec.runtime],
                    "precisions": [spec.precision],
                    "threads": [system.threads],
                    "isolate": False,
                    "out": folder,
                }
            )
            request, answer = folder / f"config-{index}.json", folder / f"result-{index}.json"
            request.write_text(child.model_dump_json())
            say(f"isolated process {index + 1}/{len(systems)}: {system.label}")
            process = subprocess.run(
                [sys.executable, "-m", "embedlab.perf.isolate", str(request), str(answer)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
            )  # fmt: skip
            if process.returncode != 0 or not answer.is_file():
                last = (process.stderr.strip().splitlines() or ["no output"])[-1]
                merged.errors.append(
                    f"{system.label}: skipped: its isolated process failed "
                    f"(exit {process.returncode}): {last}"
                )
                total -= per_system
                continue
            found = json.loads(answer.read_text())
            merged.rows += [SpeedRow.model_validate(row) for row in found["rows"]]
            merged.raw += found["raw"]
            merged.errors += found["errors"]
            done += len(found["raw"]) * config.repeats
            total -= per_system - len(found["raw"]) * config.repeats
            elapsed = time.perf_counter() - started
            eta = elapsed / (index + 1) * (len(systems) - index - 1)
            see(Step(done, total, eta, system.label))
    return merged


def run_child(request: Path, answer: Path) -> None:
    """The child: sweep one configuration, exchange parity references, write RESULT."""
    config = SpeedConfig.model_validate_json(request.read_text())
    folder = request.parent
    result = SweepResult()
    for modality in config.modalities:
        path = _reference_file(folder, config.models[0], modality)
        if path.is_file():
            result.references[(config.models[0], modality)] = np.load(path)
    found = sweep(config, notify=lambda m: print(m, file=sys.stderr), result=result)
    for (model, modality), output in found.references.items():
        path = _reference_file(folder, model, modality)
        if not path.is_file():
            np.save(path, output)
    payload: dict[str, Any] = {
        "rows": [json.loads(row.model_dump_json()) for row in found.rows],
        "raw": found.raw,
        "errors": found.errors,
    }
    answer.write_text(json.dumps(payload))


if __name__ == "__main__":
    run_child(Path(sys.argv[1]), Path(sys.argv[2]))
