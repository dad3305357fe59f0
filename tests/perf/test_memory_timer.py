"""RSS sampling, the CUDA peak on CPU, and device synchronisation hooks."""

from __future__ import annotations

import time

import pytest

from embedlab.perf.memory import MIB, CudaPeak, RssSampler, read_rss_bytes
from embedlab.perf.timer import Timer, device_sync, encoder_sync, no_sync, register_sync


def test_rss_is_a_positive_number_of_bytes() -> None:
    rss = read_rss_bytes()
    assert rss > 1 * MIB  # a Python process holds more than a MiB


def test_sampler_keeps_the_peak_while_memory_grows() -> None:
    with RssSampler(interval=0.001) as sampler:
        ballast = bytearray(64 * MIB)
        ballast[:: 4096] = b"x" * len(ballast[:: 4096])  # touch every page so it is resident
        time.sleep(0.05)
    del ballast
    assert sampler.n_samples >= 3
    assert sampler.peak_bytes >= 64 * MIB
    assert sampler.peak_mib == pytest.approx(sampler.peak_bytes / MIB)


def test_cuda_peak_is_none_on_cpu() -> None:
    with CudaPeak("cpu") as peak:
        pass
    assert peak.peak_bytes is None


def test_cpu_needs_no_sync_and_unknown_devices_get_none() -> None:
    assert device_sync("cpu") is no_sync
    assert device_sync("tpu:0") is no_sync


def test_a_registered_backend_hook_is_used() -> None:
    calls: list[str] = []
    register_sync("fakeaccel", lambda device: lambda: calls.append(device))
    device_sync("fakeaccel:1")()
    assert calls == ["fakeaccel:1"]


def test_an_encoder_can_bring_its_own_synchronize() -> None:
    events: list[str] = []

    class Accelerated:
        def synchronize(self) -> None:
            events.append("encoder")

    register_sync("fakeaccel2", lambda device: lambda: events.append("device"))
    timer = Timer(clock=lambda: 0.0, sync=encoder_sync(Accelerated(), "fakeaccel2"))
    timer.now()
    assert events == ["encoder", "device"]
