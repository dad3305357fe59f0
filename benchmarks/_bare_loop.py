"""The hand-written timing loop the benchmarks compare embedlab's harness against.

Deliberately independent of ``embedlab.perf``: warm-up by count and time, then a timed loop with
an iteration floor and a time floor, read with ``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable


def floors_loop(call: Callable[[], object], args: argparse.Namespace) -> tuple[int, float]:
    """Hand-written warm-up and timed loop: (calls, wall seconds) of the timed part."""
    start, calls = time.perf_counter(), 0
    while calls < args.warmup_iterations or time.perf_counter() - start < args.warmup_seconds:
        call()
        calls += 1
    start, calls = time.perf_counter(), 0
    while calls < args.min_iterations or time.perf_counter() - start < args.min_seconds:
        call()
        calls += 1
    return calls, time.perf_counter() - start
