"""The knee of a load sweep: the first level where latency grows faster than throughput.

For load levels ``c_1 < c_2 < ...`` (closed loop: requests in flight; open loop: offered
requests/s) with achieved throughput ``X_i`` (successful requests/s) and median latency
``L_i``, the knee is the first ``c_i`` (``i >= 2``) with

    L_i / L_{i-1}  >  X_i / X_{i-1},

i.e. the first level where Kleinrock's *power* ``P = X / L`` falls: going from ``c_{i-1}`` to
``c_i`` bought relatively less throughput than it cost in latency. Before the knee the
server still had idle capacity (more load → proportionally more throughput at little latency
cost); from the knee on, extra load mostly queues. In a closed loop with no think time
``X = c / L`` (Little's law), so the condition is ``(L_i / L_{i-1})^2 > c_i / c_{i-1}``.
Levels where nothing succeeded (``X = 0`` or no latency) are skipped; no knee (None) when
power never falls over the levels measured — the sweep did not reach saturation.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def power(throughput: float, latency: float) -> float:
    """Kleinrock's power ``X / L`` (0 when the latency is not positive)."""
    return throughput / latency if latency > 0 else 0.0


def knee(
    levels: Sequence[float], throughput: Sequence[float], latency: Sequence[float]
) -> float | None:
    """The first level where latency grows faster than throughput (module docstring), or None.

    Raises:
        ValueError: the sequences differ in length or the levels are not increasing.
    """
    if not len(levels) == len(throughput) == len(latency):
        raise ValueError("knee needs one throughput and one latency per level")
    if any(b <= a for a, b in itertools.pairwise(levels)):
        raise ValueError(f"knee needs increasing levels, got {list(levels)}")
    usable = [
        (c, x, lat) for c, x, lat in zip(levels, throughput, latency, strict=True)
        if x > 0 and lat > 0
    ]  # fmt: skip
    for (_, x0, l0), (c1, x1, l1) in itertools.pairwise(usable):
        if l1 / l0 > x1 / x0:
            return c1
    return None
