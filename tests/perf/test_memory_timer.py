"""RSS sampling, the CUDA peak, and the clocks that wait for the device before they are read."""

from __future__ import annotations

import mmap
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

import embedlab.perf.memory as memory
from embedlab.errors import MissingDependencyError
from embedlab.perf.memory import MIB, CudaPeak, RssSampler, read_rss_bytes
from embedlab.perf.timer import Timer, device_sync, encoder_sync, no_sync, register_sync

BALLAST = 100 * MIB
"""A deliberate allocation; the RSS assertions ask for 80 % of it (allocator slack)."""


def _resident_ballast() -> mmap.mmap:
    """``BALLAST`` bytes of fresh anonymous pages, each written, hence resident.

    A fresh mapping (not ``bytes``): after earlier tests freed memory, the allocator may hand a
    heap allocation pages that are already resident, and RSS would not grow.
    """
    ballast = mmap.mmap(-1, BALLAST)
    for offset in range(0, BALLAST, mmap.PAGESIZE):
        ballast[offset] = 1
    return ballast


def _statm_rss_bytes() -> int:
    """RSS from a second kernel interface (``/proc/self/statm``: resident pages)."""
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_rss_agrees_with_the_kernels_page_count_and_sees_an_allocation() -> None:
    assert abs(read_rss_bytes() - _statm_rss_bytes()) < 16 * MIB  # bytes, not kB or pages
    before = read_rss_bytes()
    ballast = _resident_ballast()
    grown = read_rss_bytes() - before
    ballast.close()
    assert 0.8 * BALLAST <= grown < 2 * BALLAST


def test_rss_falls_back_to_psutil_without_proc(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    psutil = pytest.importorskip("psutil")
    monkeypatch.setattr(memory, "_STATUS", tmp_path / "no-proc" / "status")
    expected = psutil.Process().memory_info().rss
    assert abs(read_rss_bytes() - expected) < 16 * MIB
    monkeypatch.setitem(sys.modules, "psutil", None)  # "import psutil" now raises ImportError
    with pytest.raises(MissingDependencyError, match="psutil"):
        read_rss_bytes()


def test_sampler_thread_catches_a_peak_that_is_gone_before_exit() -> None:
    baseline = read_rss_bytes()
    with RssSampler(interval=0.002) as sampler:
        ballast = _resident_ballast()
        seen = sampler.n_samples
        deadline = time.monotonic() + 20.0  # generous: the thread may be starved on a busy box
        while sampler.n_samples < seen + 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        ballast.close()  # freed inside the block: only the background samples can have seen it
    assert sampler.n_samples >= seen + 2
    assert sampler.peak_bytes - baseline >= 0.8 * BALLAST
    assert sampler.peak_mib == pytest.approx(sampler.peak_bytes / MIB)


def test_sampler_peak_stays_at_baseline_when_nothing_is_allocated() -> None:
    baseline = read_rss_bytes()
    with RssSampler(interval=0.002) as sampler:
        time.sleep(0.05)
    after = read_rss_bytes()
    assert sampler.n_samples >= 2  # at least the samples on entry and on exit
    assert min(baseline, after) - 16 * MIB <= sampler.peak_bytes
    assert sampler.peak_bytes <= max(baseline, after) + 32 * MIB


def _fake_torch(calls: list[tuple[str, ...]], peak: int) -> SimpleNamespace:
    """A stand-in ``torch`` module whose CUDA functions log their calls."""

    def log(name: str, result: object = None) -> Callable[..., object]:
        def call(*args: str) -> object:
            calls.append((name, *args))
            return result

        return call

    cuda = SimpleNamespace(
        is_available=lambda: True,
        synchronize=log("synchronize"),
        reset_peak_memory_stats=log("reset"),
        max_memory_allocated=log("max", peak),
    )
    mps = SimpleNamespace(synchronize=log("mps.synchronize"))
    return SimpleNamespace(cuda=cuda, mps=mps)


def test_cuda_peak_resets_then_reads_the_allocator_after_syncing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setitem(sys.modules, "torch", _fake_torch(calls, peak=123 * MIB))
    with CudaPeak("cuda:1") as peak:
        assert calls == [("synchronize", "cuda:1"), ("reset", "cuda:1")]
        calls.clear()
    assert calls == [("synchronize", "cuda:1"), ("max", "cuda:1")]
    assert peak.peak_bytes == 123 * MIB
    calls.clear()
    with CudaPeak("cpu") as cpu_peak:  # torch with CUDA present, but not this device
        pass
    assert calls == [] and cpu_peak.peak_bytes is None


def test_device_strings_pick_the_torch_backend_sync(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    monkeypatch.setitem(sys.modules, "torch", _fake_torch(calls, peak=0))
    device_sync("cuda:1")()
    device_sync("mps")()
    assert calls == [("synchronize", "cuda:1"), ("mps.synchronize",)]


def test_cpu_needs_no_sync_and_unknown_devices_get_none() -> None:
    assert device_sync("cpu") is no_sync
    assert device_sync("tpu:0") is no_sync


def test_a_registered_backend_hook_is_used() -> None:
    calls: list[str] = []
    register_sync("fakeaccel", lambda device: lambda: calls.append(device))
    device_sync("fakeaccel:1")()
    assert calls == ["fakeaccel:1"]


def test_the_clock_is_read_after_the_sync() -> None:
    events: list[str] = []

    def clock() -> float:
        events.append("clock")
        return float(len(events))

    timer = Timer(clock=clock, sync=lambda: events.append("sync"))
    assert timer.now() == 2.0  # the reading taken once the device was done
    assert events == ["sync", "clock"]


def test_default_timer_measures_wall_time_across_a_sleep() -> None:
    timer = Timer()
    start = timer.now()
    time.sleep(0.2)  # sleeping uses no CPU: a CPU-time clock would see almost nothing
    elapsed = timer.now() - start
    assert 0.19 <= elapsed < 10.0


def test_an_encoder_can_bring_its_own_synchronize() -> None:
    events: list[str] = []

    class Accelerated:
        def synchronize(self) -> None:
            events.append("encoder")

    register_sync("fakeaccel2", lambda device: lambda: events.append("device"))
    timer = Timer(clock=lambda: 0.0, sync=encoder_sync(Accelerated(), "fakeaccel2"))
    timer.now()
    assert events == ["encoder", "device"]
    events.clear()
    encoder_sync(object(), "fakeaccel2")()  # no synchronize(): the device's sync alone
    assert events == ["device"]
