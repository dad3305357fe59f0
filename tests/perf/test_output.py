"""The speed RunLog: notes on what was timed, status, and raw samples kept across runs."""

from __future__ import annotations

import json
from pathlib import Path

from embedlab.perf.config import SpeedConfig
from embedlab.perf.output import SAMPLES_JSON, build_runlog, write_speed
from embedlab.perf.sweep import SweepResult
from embedlab.results.io import read_results
from embedlab.results.schema import SpeedRow


def _row(metric: str, region: str, batch: int = 1) -> SpeedRow:
    return SpeedRow(model="fake:8", runtime="torch", precision="fp32", device="cpu",
                    batch_size=batch, modality="image", metric=metric, value=1.0, unit="ms",
                    n=3, timed_region=region)  # fmt: skip


def _case(batch: int) -> dict[str, object]:
    return {"model": "fake:8", "runtime": "torch", "precision": "fp32", "device": "cpu",
            "batch_size": batch, "modality": "image", "region": "preprocess+model",
            "iterations": 1, "seconds": {"preprocess+model": [0.1]}}  # fmt: skip


def test_notes_say_what_each_timed_region_holds(tmp_path: Path) -> None:
    rows = [_row("throughput", "preprocess+model"), _row("latency_p50", "model"),
            _row("latency_p50", "preprocess")]  # fmt: skip
    config = SpeedConfig(models=["fake:8"], out=tmp_path)
    log = build_runlog(config, SweepResult(rows=rows), "0", "a", "b")
    text = "\n".join(log.notes)
    assert log.status == "complete"
    assert "preprocess = image resize" in text and "model = host-to-device copy" in text
    assert "synthetic 640x480" in text and "throughput = items / wall seconds" in text


def test_nothing_measured_is_a_failed_log(tmp_path: Path) -> None:
    config = SpeedConfig(models=["fake:8"], out=tmp_path)
    log = build_runlog(config, SweepResult(errors=["x: skipped: no"]), "0", "a", "b")
    assert log.status == "failed" and log.errors == ["x: skipped: no"]


def test_raw_samples_of_earlier_cases_are_kept_unless_measured_again(tmp_path: Path) -> None:
    config = SpeedConfig(models=["fake:8"], out=tmp_path)
    first = SweepResult(rows=[_row("throughput", "preprocess+model")], raw=[_case(1), _case(4)])
    write_speed(tmp_path, build_runlog(config, first, "0", "a", "b"), first)
    second = SweepResult(rows=[_row("throughput", "preprocess+model")], raw=[_case(4)])
    write_speed(tmp_path, build_runlog(config, second, "0", "a", "b"), second)
    cases = json.loads((tmp_path / SAMPLES_JSON).read_text())["cases"]
    assert sorted(c["batch_size"] for c in cases) == [1, 4]
    assert read_results(tmp_path).status == "complete"
