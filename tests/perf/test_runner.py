"""The measurement loop with an injected clock: floors, raw samples, regions, sync order."""

from __future__ import annotations

from typing import Any

import pytest

from embedlab.errors import ConfigError
from embedlab.perf.runner import Stage, TimingPlan, call_once, timed_calls, warm_up
from embedlab.perf.timer import Timer
from tests.perf._fakes import FakeClock


def _stages(clock: FakeClock, prep: float, model: float) -> list[Stage]:
    def prepare(_: Any) -> str:
        clock.advance(prep)
        return "prepared"

    def forward(value: Any) -> str:
        assert value == "prepared"  # each stage gets the previous stage's output
        clock.advance(model)
        return "out"

    return [("preprocess", prepare), ("model", forward)]


def test_warm_up_meets_the_iteration_floor_when_calls_are_slow() -> None:
    clock = FakeClock()
    plan = TimingPlan(warmup_iterations=5, warmup_seconds=0.1, min_iterations=1, min_seconds=0)
    warm = warm_up(_stages(clock, 0.5, 0.5), plan, Timer(clock=clock))
    assert warm.iterations == 5 and warm.seconds == pytest.approx(5.0)


def test_warm_up_meets_the_time_floor_when_calls_are_fast() -> None:
    clock = FakeClock()
    plan = TimingPlan(warmup_iterations=2, warmup_seconds=1.0, min_iterations=1, min_seconds=0)
    warm = warm_up(_stages(clock, 1 / 64, 3 / 64), plan, Timer(clock=clock))  # 1/16 s a call
    assert warm.iterations == 16 and warm.seconds == pytest.approx(1.0)


def test_timed_run_meets_both_floors() -> None:
    clock = FakeClock()
    slow = timed_calls(_stages(clock, 1.0, 1.0), TimingPlan(min_iterations=4, min_seconds=1.0),
                       Timer(clock=clock))  # fmt: skip
    assert slow.iterations == 4 and slow.wall_seconds == pytest.approx(8.0)
    fast = timed_calls(_stages(clock, 1 / 8, 1 / 8), TimingPlan(min_iterations=3, min_seconds=5.0),
                       Timer(clock=clock))  # fmt: skip
    assert fast.iterations == 20 and fast.wall_seconds == pytest.approx(5.0)


def test_raw_values_are_kept_per_region_and_for_the_whole_call() -> None:
    clock = FakeClock()
    run = timed_calls(_stages(clock, 0.25, 0.75), TimingPlan(min_iterations=3, min_seconds=0),
                      Timer(clock=clock))  # fmt: skip
    assert run.region == "preprocess+model"
    assert run.samples["preprocess"] == pytest.approx([0.25] * 3)
    assert run.samples["model"] == pytest.approx([0.75] * 3)
    assert run.samples["preprocess+model"] == pytest.approx([1.0] * 3)


def test_wall_time_includes_time_between_calls() -> None:
    # Every clock read costs 0.1 s: the wall time grows beyond the sum of per-call times, which is
    # why throughput is items / wall seconds and not batch / mean latency.
    clock = FakeClock(per_read=0.1)
    run = timed_calls(_stages(clock, 0.0, 1.0), TimingPlan(min_iterations=4, min_seconds=0),
                      Timer(clock=clock))  # fmt: skip
    assert sum(run.samples["preprocess+model"]) < run.wall_seconds


def test_one_stage_has_no_joined_region() -> None:
    clock = FakeClock()
    durations, value = call_once([("preprocess+model", lambda _: clock.advance(0.5) or 7)],
                                 Timer(clock=clock))  # fmt: skip
    assert durations == {"preprocess+model": pytest.approx(0.5)} and value == 7


def test_the_device_is_synchronised_before_every_clock_read() -> None:
    events: list[str] = []
    timer = Timer(clock=lambda: events.append("clock") or 0.0, sync=lambda: events.append("sync"))
    call_once([("model", lambda _: events.append("work"))], timer)
    assert events == ["sync", "clock", "work", "sync", "clock"]


def test_plan_floors_are_validated() -> None:
    with pytest.raises(ConfigError, match="min-iterations"):
        TimingPlan(min_iterations=0)
    with pytest.raises(ConfigError, match="warmup"):
        TimingPlan(warmup_seconds=-1)
