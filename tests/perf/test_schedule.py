"""How a speed sweep is scheduled and reported: interleaved rounds, thread sweeps, files,
re-measurement vs ``--reuse-speed``, unknown runtimes up front, progress lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import UnknownNameError
from embedlab.perf import sweep as sweep_module
from embedlab.perf.rounds import Case, Step, time_in_rounds
from embedlab.perf.runner import TimingPlan
from embedlab.perf.timer import Timer
from embedlab.report.speed import spread_comparisons
from embedlab.results.schema import SpeedRow
from tests.perf._fakes import FakeClock, SplitEncoder

FLOORS = ["--warmup-iterations", "1", "--warmup-seconds", "0", "--min-iterations", "2",
          "--min-seconds", "0"]  # fmt: skip


def _speed(*args: str) -> str:
    result = CliRunner().invoke(app, ["speed", *args, *FLOORS])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result.output


def test_cases_are_timed_in_alternating_rounds() -> None:
    order: list[str] = []
    clock = FakeClock()

    def case(label: str) -> Case:
        def work(_: Any) -> None:
            order.append(label)
            clock.advance(0.01)

        encoder = SplitEncoder(clock)
        return Case(label, encoder, "text", 1, None, [(label, work)], Timer(clock=clock))  # type: ignore[arg-type]

    plan = TimingPlan(warmup_iterations=1, warmup_seconds=0, min_iterations=2, min_seconds=0,
                      repeats=3)  # fmt: skip
    steps: list[Step] = []
    done, total = time_in_rounds([case("A"), case("B")], plan, steps.append, 0, 6)
    # round 1: warm-up + 2 timed each; rounds 2, 3: one untimed call + 2 timed each
    assert "".join(order) == "AAABBBAAABBBAAABBB"
    assert (done, total) == (6, 6)
    assert [s.done for s in steps] == [1, 2, 3, 4, 5, 6] and steps[-1].eta_seconds == 0
    assert [s.label for s in steps] == ["A", "B"] * 3


def test_a_thread_sweep_measures_each_count_and_records_it(tmp_path: Path) -> None:
    output = _speed("-m", "fake:8", "--out", str(tmp_path), "--modality", "text",
                    "--batch-size", "1", "--threads", "1", "--threads", "2",
                    "--repeats", "2")  # fmt: skip
    log = json.loads((tmp_path / "results.json").read_text())
    rows = [r for r in log["speed"] if r["metric"] == "throughput"]
    assert sorted(r["threads"] for r in rows) == [1, 2]
    assert all(len(r["machine"]["round_throughputs"]) == 2 for r in rows)
    assert "| fake:8 | torch | fp32 | 1 | 1 |" in output
    assert "| fake:8 | torch | fp32 | 2 | 1 |" in output
    assert "[4/4 timed runs" in output  # the plan: 2 configurations x 2 rounds
    lines = list(csv.DictReader((tmp_path / "speed.csv").open()))
    assert [(x["threads"], x["modality"], x["rounds"]) for x in lines] == [
        ("1", "text", "2"), ("2", "text", "2")]  # fmt: skip
    assert "speed.csv: one line per configuration" in output


def test_a_text_only_run_does_not_describe_images(tmp_path: Path) -> None:
    output = _speed("-m", "fake:8", "--out", str(tmp_path), "--modality", "text",
                    "--batch-size", "1", "--repeats", "1")  # fmt: skip
    assert "captions of 8-13 words" in output and "640x480" not in output


def test_speed_is_measured_again_unless_reuse_speed(tmp_path: Path) -> None:
    args = ["-m", "fake:8", "--out", str(tmp_path), "--modality", "text", "--batch-size", "1",
            "--repeats", "1"]  # fmt: skip
    first = _speed(*args)
    assert "measured now; speed is re-measured on every run" in first
    before = json.loads((tmp_path / "results.json").read_text())
    again = _speed(*args)
    assert "measured now" in again and "reused" not in again
    reused = _speed(*args, "--reuse-speed")
    assert "reused the speed rows measured" in reused and "timed runs]" not in reused
    after = json.loads((tmp_path / "results.json").read_text())
    assert after["speed"] != before["speed"]  # the plain re-run replaced them
    changed = _speed(*args[:-1], "2", "--reuse-speed")  # other settings: measured anew
    assert "measured now" in changed


def test_an_unknown_runtime_fails_before_anything_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_loading(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model was loaded before the runtimes were checked")

    monkeypatch.setattr(sweep_module, "load_encoder_for_speed", no_loading)
    with pytest.raises(UnknownNameError, match="bogus"):
        _speed("-m", "fake:8", "--out", str(tmp_path), "--runtime", "torch",
               "--runtime", "bogus")  # fmt: skip
    assert not tmp_path.joinpath("results.json").exists()


def _throughput(runtime: str, value: float, rounds: list[float]) -> SpeedRow:
    return SpeedRow(model="m", runtime=runtime, precision="fp32", device="cpu", batch_size=1,
                    modality="text", metric="throughput", value=value, unit="items/s", n=10,
                    threads=2, timed_region="preprocess+model",
                    machine={"round_throughputs": rounds})  # fmt: skip


def test_a_difference_within_the_run_to_run_spread_is_named() -> None:
    close = [_throughput("torch", 100, [95, 105]), _throughput("onnxruntime", 103, [99, 108])]
    (line,) = spread_comparisons(close)
    assert "torch fp32 (2 threads) vs onnxruntime fp32 (2 threads): 3% apart" in line
    assert "within their run-to-run spread" in line
    apart = [_throughput("torch", 100, [99, 101]), _throughput("onnxruntime", 150, [148, 152])]
    assert spread_comparisons(apart) == []


def test_isolate_measures_each_configuration_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMBEDLAB_WAIT_POLICY", "passive")  # the children inherit the choice
    output = _speed("-m", "fake:8", "--out", str(tmp_path), "--modality", "text",
                    "--batch-size", "1", "--precision", "fp32", "--precision", "bf16",
                    "--repeats", "1", "--isolate")  # fmt: skip
    assert "isolated process 2/2: fake:8 [torch bf16" in output
    assert "own fresh process (--isolate)" in output
    log = json.loads((tmp_path / "results.json").read_text())
    rows = [r for r in log["speed"] if r["metric"] == "throughput"]
    assert sorted(r["precision"] for r in rows) == ["bf16", "fp32"]
    assert all(r["machine"]["threads"]["OMP_WAIT_POLICY"].startswith("PASSIVE") for r in rows)
    # the torch fp32 reference crossed processes: bf16 has a parity row against it
    parity = [r for r in log["speed"] if r["metric"] == "parity_cosine_min"]
    assert [r["precision"] for r in parity] == ["bf16"] and parity[0]["value"] > 0.99
