"""Machine state (interference, cgroup quota, /proc/stat) and the stability verdict."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from embedlab.perf import machine
from embedlab.perf.machine import CpuSnapshot, cgroup_cpu_quota, interference, machine_state
from embedlab.perf.stability import (
    THRESHOLDS,
    coefficient_of_variation,
    judge,
    window_means,
    windowed_cv,
    within_spread,
)

HZ = os.sysconf("SC_CLK_TCK")


def test_interference_is_others_busy_time_over_wall_on_our_cpus() -> None:
    # 2 s of wall; CPUs 0 and 1 busy for 1.5 s and 2 s; we used 1.5 s → others 2 s = 1 core.
    before = CpuSnapshot({0: 0, 1: 0, 2: 0}, own_cpu_seconds=10.0, wall=100.0)
    after = CpuSnapshot({0: int(1.5 * HZ), 1: 2 * HZ, 2: 2 * HZ}, own_cpu_seconds=11.5,
                        wall=102.0)  # fmt: skip
    found = interference(before, after, cpus={0, 1})  # CPU 2 is not ours: not counted
    assert found.other_cores == pytest.approx(1.0)
    assert found.own_cores == pytest.approx(0.75) and found.seconds == pytest.approx(2.0)


def test_interference_is_clamped_at_zero_and_unknown_without_proc_stat() -> None:
    before = CpuSnapshot({0: 0}, 0.0, 0.0)
    after = CpuSnapshot({0: HZ // 2}, 1.0, 1.0)  # tick rounding: we "used" more than counted
    assert interference(before, after, cpus={0}).other_cores == 0.0
    assert interference(CpuSnapshot(None, 0, 0), CpuSnapshot(None, 1, 1)).other_cores is None


def test_proc_stat_lines_sum_the_busy_columns(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal
    stat.write_text("cpu  9 9 9 9 9 9 9 9\ncpu0 1 2 3 100 50 4 5 6 0 0\ncpu1 1 0 0 7 0 0 0 0\n"
                    "intr 5\n")  # fmt: skip
    assert machine._read_busy(stat) == {0: 1 + 2 + 3 + 4 + 5 + 6, 1: 1}


def test_cgroup_quota_v2_v1_and_unlimited(tmp_path: Path) -> None:
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "cpu.max").write_text("150000 100000\n")
    assert cgroup_cpu_quota(v2) == pytest.approx(1.5)
    (v2 / "cpu.max").write_text("max 100000\n")
    assert cgroup_cpu_quota(v2) is None
    v1 = tmp_path / "v1" / "cpu"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_quota_us").write_text("50000")
    (v1 / "cpu.cfs_period_us").write_text("100000")
    assert cgroup_cpu_quota(tmp_path / "v1") == pytest.approx(0.5)
    (v1 / "cpu.cfs_quota_us").write_text("-1")
    assert cgroup_cpu_quota(tmp_path / "v1") is None


def test_machine_state_names_cpus_and_limits() -> None:
    state = machine_state()
    assert state["usable_cpus"] == len(os.sched_getaffinity(0))
    assert 1 <= state["usable_physical_cores"] <= state["usable_cpus"]
    assert {"load_avg_1m", "cgroup_cpu_quota", "governor", "cpu_mhz"} <= set(state)


def test_each_threshold_flags_with_its_own_reason() -> None:
    steady = [0.010] * 50
    assert not judge(steady, 0.05).unstable and judge(steady, 0.05).reason is None
    busy = judge(steady, 0.9)
    assert busy.unstable and busy.reason == "another process used 0.90 cores during timing"
    # per-call jitter averages out over 0.1 s windows: alternating 10/14 ms calls are steady
    jitter = judge([0.010, 0.014] * 25, 0.0)
    assert jitter.cv < 0.05 and not jitter.unstable
    # a slow stretch: 0.1 s windows of 10 ms calls, then of 14 ms calls -> window CV ≈ 0.17
    drift = judge([0.010] * 30 + [0.014] * 30, 0.0)
    assert drift.unstable and "varied by 17%" in (drift.reason or "")
    tail = judge([0.010] * 98 + [0.05, 0.05], 0.0)
    assert tail.unstable and tail.p99_p50 > THRESHOLDS["p99_p50"]
    only_tail = judge([0.010] * 98 + [0.05, 0.05], 0.0, {"cv": 1.0})
    expected = f"p99 latency was {only_tail.p99_p50:.1f}x the median (stalled calls)"
    assert only_tail.reason == expected
    assert judge(steady, None).other_cores is None and not judge(steady, None).unstable


def test_windows_group_calls_to_a_tenth_of_a_second() -> None:
    assert window_means([0.04] * 7) == pytest.approx([0.04, 0.04])  # 3 calls a window, 1 dropped
    assert window_means([0.5, 0.3]) == [0.5, 0.3]  # long calls are their own windows
    assert window_means([0.01, 0.02]) == pytest.approx([0.015])  # one short window kept alone
    assert windowed_cv([0.01, 0.03]) == pytest.approx(coefficient_of_variation([0.01, 0.03]))


def test_within_spread_is_overlap_of_per_round_ranges() -> None:
    assert within_spread([10, 12], [11, 13]) is True
    assert within_spread([10, 11], [12, 13]) is False
    assert within_spread([10], [10, 11]) is None
