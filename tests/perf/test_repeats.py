"""``--repeats N``: one warm-up, N timed rounds (one untimed call before each later round),
pooled rows, and mean ± std only for N >= 2."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from typer.testing import CliRunner

from embedlab.cli.app import app
from embedlab.errors import ConfigError
from embedlab.perf.config import SpeedConfig
from embedlab.perf.measure import SpeedInputs, measure_case
from embedlab.perf.output import build_runlog
from embedlab.perf.runner import TimingPlan
from embedlab.perf.sweep import SweepResult
from embedlab.perf.timer import Timer
from embedlab.report.speed import REPEATS_FOOTNOTE, speed_table
from embedlab.results.schema import SpeedRow
from embedlab.stats.repeats import repeat_summary
from tests.perf._fakes import FakeClock, SplitEncoder

BATCH, PREP, MODEL, DRIFT = 2, 1 / 1024, 3 / 1024, 1 / 1024


@dataclass
class SlowingEncoder(SplitEncoder):
    """Each forward pass is ``drift`` seconds per item slower than the last: runs differ."""

    drift: float = 0.0
    calls: int = 0

    def forward_prepared(self, modality: str, prepared: int) -> NDArray[np.float32]:
        out = super().forward_prepared(modality, prepared)
        self.model_seconds += self.drift
        self.calls += 1
        return out


def _case(repeats: int) -> tuple[SlowingEncoder, list[SpeedRow], dict[str, Any]]:
    clock = FakeClock()
    encoder = SlowingEncoder(clock, prep_seconds=PREP, model_seconds=MODEL, drift=DRIFT)
    plan = TimingPlan(warmup_iterations=1, warmup_seconds=0, min_iterations=4, min_seconds=0,
                      repeats=repeats)  # fmt: skip
    case = measure_case(encoder, "image", BATCH, SpeedInputs(max_batch=BATCH), plan,
                        Timer(clock=clock))  # fmt: skip
    return encoder, case.rows, case.raw


def _expected_throughputs(repeats: int) -> list[float]:
    """By hand: overall call k (warm-up is k = 0) lasts BATCH × (PREP + MODEL + k × DRIFT);
    round r > 0 starts with one untimed call (calls 5, 10, ...)."""
    seconds = [BATCH * (PREP + MODEL + k * DRIFT) for k in range(5 * repeats)]
    runs = [seconds[1 + 5 * r : 5 + 5 * r] for r in range(repeats)]
    return [BATCH * 4 / sum(run) for run in runs]


def _only(rows: list[SpeedRow], metric: str) -> SpeedRow:
    found = [r for r in rows if r.metric == metric]
    assert len(found) == 1, (metric, found)
    return found[0]


def test_three_repeats_give_mean_and_std_of_the_per_run_throughputs() -> None:
    encoder, rows, raw = _case(3)
    expected = _expected_throughputs(3)
    assert len(set(expected)) == 3  # the runs really differ
    # one warm-up call, 3 runs of >= 4 calls, one untimed call before rounds 2 and 3
    assert encoder.calls == 1 + 3 * 4 + 2
    assert raw["warmup"] == {"iterations": 1, "seconds": pytest.approx(BATCH * (PREP + MODEL))}
    per_run = raw["repeats"]
    assert [r["iterations"] for r in per_run] == [4, 4, 4]
    assert [r["throughput"] for r in per_run] == pytest.approx(expected)
    summary = repeat_summary(expected)
    mean, std = _only(rows, "throughput_mean"), _only(rows, "throughput_std")
    assert mean.value == pytest.approx(summary.mean) and std.value == pytest.approx(summary.std)
    assert std.value > 0 and mean.n == std.n == 3
    assert mean.unit == std.unit == "items/s" and std.timed_region == "preprocess+model"
    # the existing rows pool every timed call of the three runs
    pooled = _only(rows, "throughput")
    assert pooled.n == BATCH * 12 and raw["iterations"] == 12
    total_wall = sum(r["wall_seconds"] for r in per_run)
    assert pooled.value == pytest.approx(BATCH * 12 / total_wall)
    latency = [r for r in rows if r.metric == "latency_p50" and r.timed_region == "model"]
    assert latency[0].n == 12 and len(raw["seconds"]["model"]) == 12


def test_each_run_meets_both_floors() -> None:
    clock = FakeClock()
    encoder = SplitEncoder(clock, prep_seconds=1 / 1024, model_seconds=3 / 1024)
    plan = TimingPlan(warmup_iterations=2, warmup_seconds=0, min_iterations=2, min_seconds=0.25,
                      repeats=2)  # fmt: skip
    raw: dict[str, Any] = measure_case(encoder, "text", 8, SpeedInputs(max_batch=8), plan,
                                       Timer(clock=clock)).raw  # fmt: skip
    # one call = 8 × 4/1024 s = 1/32 s; 0.25 s → 8 calls per run, not 2
    assert [r["iterations"] for r in raw["repeats"]] == [8, 8]
    assert [r["wall_seconds"] for r in raw["repeats"]] == pytest.approx([0.25, 0.25])
    assert raw["warmup"]["iterations"] == 2


def test_one_repeat_reports_no_spread_anywhere(tmp_path: Path) -> None:
    _, rows, raw = _case(1)
    assert not [r for r in rows if r.metric.startswith("throughput_")]
    assert [r["throughput"] for r in raw["repeats"]] == pytest.approx(_expected_throughputs(1))
    assert "±" not in speed_table(rows) and REPEATS_FOOTNOTE not in speed_table(rows)
    config = SpeedConfig(models=["fake:8"], out=tmp_path, repeats=1)
    notes = build_runlog(config, SweepResult(rows=rows), "0", "a", "b").notes
    assert not any("std" in note for note in notes)


def test_notes_of_repeated_runs_state_pooling_and_what_the_std_is(tmp_path: Path) -> None:
    _, rows, _ = _case(3)
    config = SpeedConfig(models=["fake:8"], out=tmp_path, repeats=3)
    assert config.plan.repeats == 3
    text = "\n".join(build_runlog(config, SweepResult(rows=rows), "0", "a", "b").notes)
    assert "3 interleaved round(s)" in text and "pool the calls of all rounds" in text
    assert "not a confidence interval" in text


def _row(metric: str, value: float, n: int, modality: str = "image") -> SpeedRow:
    return SpeedRow(model="m", runtime="torch", precision="fp32", device="cpu", batch_size=1,
                    modality=modality, metric=metric, value=value, unit="items/s", n=n,
                    timed_region="preprocess+model")  # fmt: skip


def test_table_shows_mean_plus_minus_std_with_the_number_of_runs() -> None:
    rows = [_row("throughput", 79.0, 30), _row("throughput_mean", 80.0, 3),
            _row("throughput_std", 2.5, 3), _row("throughput", 2000.0, 10, "text")]  # fmt: skip
    table = speed_table(rows)
    line = "| m | torch | fp32 | – | 1 | 80.0 ± 2.50 (3 runs) | – | – | 2000 | – | – | – | – |"
    assert line in table
    assert table.endswith("\n\n" + REPEATS_FOOTNOTE)
    assert "run-to-run variation on this machine" in REPEATS_FOOTNOTE
    assert "not a confidence interval of model quality" in REPEATS_FOOTNOTE


def test_table_is_plain_without_a_spread_over_two_runs_or_more() -> None:
    plain = speed_table([_row("throughput", 79.0, 30)])
    assert "| 79.0 |" in plain and "±" not in plain and REPEATS_FOOTNOTE not in plain
    lone = speed_table([_row("throughput", 79.0, 30), _row("throughput_mean", 79.0, 1),
                        _row("throughput_std", 0.0, 1)])  # fmt: skip
    assert "| 79.0 |" in lone and "±" not in lone


def _speed(*args: str) -> tuple[int, str]:
    quick = ["--warmup-iterations", "1", "--warmup-seconds", "0", "--min-iterations", "2",
             "--min-seconds", "0", "--modality", "text", "--batch-size", "1"]  # fmt: skip
    result = CliRunner().invoke(app, ["speed", "-m", "fake:8", *args, *quick])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("bad", ["0", "-2"])
def test_repeats_below_one_is_an_error_naming_the_flag(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="--repeats"):
        _speed("--out", str(tmp_path), "--repeats", bad)
    assert not (tmp_path / "results.json").exists()
    with pytest.raises(ConfigError, match="--repeats"):
        TimingPlan(repeats=0)


def test_cli_repeats_writes_spread_rows_samples_and_the_footnote(tmp_path: Path) -> None:
    code, output = _speed("--out", str(tmp_path), "--repeats", "2")
    assert code == 0, output
    assert "(2 runs)" in output and REPEATS_FOOTNOTE in output
    log = json.loads((tmp_path / "results.json").read_text())
    spread = {r["metric"]: r["n"] for r in log["speed"] if r["metric"].startswith("throughput_")}
    assert spread == {"throughput_mean": 2, "throughput_std": 2}
    assert log["config"]["repeats"] == 2
    (case,) = json.loads((tmp_path / "speed_samples.json").read_text())["cases"]
    assert len(case["repeats"]) == 2 and case["iterations"] == 4
