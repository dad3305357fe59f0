"""One speed case measured with a fake clock: rows, units, regions, throughput definition."""

from __future__ import annotations

import pytest

from embedlab.models.base import ModelSpec
from embedlab.models.sources.fake import FAKE_SOURCE
from embedlab.perf.measure import SpeedInputs, first_call_row, measure_case, parity_rows
from embedlab.perf.runner import TimingPlan
from embedlab.perf.timer import Timer
from tests.perf._fakes import FakeClock, SplitEncoder

PLAN = TimingPlan(warmup_iterations=2, warmup_seconds=0, min_iterations=5, min_seconds=0.5)


def _by(rows: list, metric: str, region: str | None = None) -> float:
    found = [r for r in rows if r.metric == metric and (region is None or r.timed_region == region)]
    assert len(found) == 1, (metric, region, found)
    return float(found[0].value)


def test_split_encoder_gives_preprocess_model_and_whole_call_rows() -> None:
    clock = FakeClock()
    encoder = SplitEncoder(clock, prep_seconds=1 / 1024, model_seconds=3 / 1024)
    case = measure_case(encoder, "image", 8, SpeedInputs(max_batch=8), PLAN, Timer(clock=clock))
    rows = case.rows
    # one call = 8 items x 4/1024 s = 1/32 s; at least 0.5 s → 16 calls of 8 items
    assert case.raw["iterations"] == 16
    assert _by(rows, "throughput") == pytest.approx(8 * 16 / 0.5)
    assert _by(rows, "latency_p50", "preprocess") == pytest.approx(8 / 1024 * 1000)
    assert _by(rows, "latency_p50", "model") == pytest.approx(24 / 1024 * 1000)
    assert _by(rows, "latency_p99", "preprocess+model") == pytest.approx(1000 / 32)
    assert _by(rows, "peak_rss") > 0
    throughput = next(r for r in rows if r.metric == "throughput")
    assert throughput.unit == "items/s" and throughput.n == 128
    assert throughput.timed_region == "preprocess+model" and throughput.batch_size == 8
    assert {r.unit for r in rows if r.metric.startswith("latency")} == {"ms"}
    assert case.raw["warmup"]["iterations"] == 2
    assert len(case.raw["seconds"]["model"]) == 16


def test_an_encoder_without_the_split_is_timed_end_to_end() -> None:
    spec = ModelSpec(source="fake", ref="8")
    encoder = FAKE_SOURCE.load(spec)
    plan = TimingPlan(warmup_iterations=1, warmup_seconds=0, min_iterations=3, min_seconds=0)
    case = measure_case(encoder, "text", 4, SpeedInputs(max_batch=4), plan, Timer())
    regions = {r.timed_region for r in case.rows}
    assert regions == {"preprocess+model"}
    assert _by(case.rows, "throughput") > 0


def test_first_call_is_checked_and_parity_compares_with_the_reference() -> None:
    clock = FakeClock()
    encoder = SplitEncoder(clock)
    row, output = first_call_row(encoder, "text", SpeedInputs(max_batch=32), Timer(clock=clock), 2)
    assert row.metric == "cold_start" and row.timed_region == "first_call" and row.unit == "s"
    assert row.batch_size == encoder.spec.batch_size == output.shape[0]
    assert row.value == pytest.approx(32 * (0.001 + 0.004))
    rows = parity_rows(encoder, "text", output, output, threads=2)
    assert [r.metric for r in rows] == ["parity_cosine_mean", "parity_cosine_min"]
    assert all(r.value == pytest.approx(1.0) and r.unit == "cosine" for r in rows)
