"""The knee against hand-computed sweeps and an independent power (X/L) scan."""

from __future__ import annotations

import numpy as np
import pytest

from embedlab.perf.knee import knee, power


def test_hand_computed_closed_loop_sweep() -> None:
    # one server of 10 ms service time: X = min(c, 1)/0.01 until saturation, L = c * 10 ms after
    levels = [1, 2, 4, 8]
    throughput = [90.0, 100.0, 100.0, 100.0]  # saturated from c = 2
    latency = [11.0, 20.0, 40.0, 80.0]
    # c=2: L grew 1.82x, X grew 1.11x -> knee at 2
    assert knee(levels, throughput, latency) == 2


def test_no_knee_while_throughput_keeps_pace() -> None:
    assert knee([1, 2, 4], [100.0, 200.0, 390.0], [10.0, 10.0, 10.2]) is None


def test_failed_levels_are_skipped_and_bad_input_refused() -> None:
    assert knee([1, 2, 4], [100.0, 0.0, 150.0], [10.0, 0.0, 30.0]) == 4
    with pytest.raises(ValueError, match="increasing"):
        knee([2, 1], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="one throughput"):
        knee([1, 2], [1.0], [1.0, 1.0])


def test_matches_first_drop_of_power_on_random_sweeps() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        x = rng.uniform(1, 100, 6)
        lat = rng.uniform(1, 100, 6)
        powers = [power(a, b) for a, b in zip(x, lat, strict=True)]
        drops = [i for i in range(1, 6) if powers[i] < powers[i - 1]]
        expected = float(drops[0] + 1) if drops else None
        assert knee([1.0, 2, 3, 4, 5, 6], list(x), list(lat)) == expected
