"""Latency percentiles and sustained throughput from raw timings.

Percentiles use linear interpolation between order statistics (numpy's default, Hyndman & Fan
type 7): for sorted samples ``x_0 ≤ … ≤ x_{n-1}`` and ``h = (n − 1)·q/100``,
``P_q = x_⌊h⌋ + (h − ⌊h⌋)·(x_{⌊h⌋+1} − x_⌊h⌋)``. With few calls the p99 is close to the
maximum; the number of calls ``n`` is reported next to every figure.

Throughput is **sustained**: ``items / wall seconds`` of the whole timed run, clock read before
the first call and after the last. It is not ``batch / mean latency``: the wall time also holds
whatever happens between calls (Python overhead, allocator work, other processes), as a user's
loop would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedlab.errors import ConfigError

MS_PER_S = 1000.0


@dataclass(frozen=True)
class LatencyStats:
    """Per-call latency figures in milliseconds over ``n`` calls."""

    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    n: int

    def as_dict(self) -> dict[str, float]:
        """``{"latency_p50": …, "latency_p90": …, "latency_p99": …, "latency_mean": …}``."""
        return {
            "latency_p50": self.p50_ms,
            "latency_p90": self.p90_ms,
            "latency_p99": self.p99_ms,
            "latency_mean": self.mean_ms,
        }


def latency_stats(seconds: Sequence[float]) -> LatencyStats:
    """p50/p90/p99 (type-7 percentiles) and mean of per-call ``seconds``, in ms.

    Raises:
        ConfigError: if there are no samples or a sample is negative or not finite.
    """
    values = np.asarray(seconds, dtype=np.float64)
    if values.size == 0:
        raise ConfigError("no timed calls to summarise; raise --min-iterations")
    if not np.isfinite(values).all() or (values < 0).any():
        raise ConfigError("timings must be finite and non-negative; is the clock monotonic?")
    p50, p90, p99 = np.percentile(values, [50.0, 90.0, 99.0]) * MS_PER_S
    return LatencyStats(
        p50_ms=float(p50),
        p90_ms=float(p90),
        p99_ms=float(p99),
        mean_ms=float(values.mean() * MS_PER_S),
        n=int(values.size),
    )


def sustained_throughput(items: int, wall_seconds: float) -> float:
    """``items / wall_seconds`` (items per second of a sustained run).

    Raises:
        ConfigError: if ``wall_seconds`` is not positive (the clock did not advance).
    """
    if wall_seconds <= 0:
        raise ConfigError(
            f"the timed run lasted {wall_seconds} s; throughput needs a positive wall time"
        )
    return items / wall_seconds
