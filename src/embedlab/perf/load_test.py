"""A load test of an embedding endpoint: an async client drives it at each load level.

Two modes:

- **closed loop** (levels = concurrency ``C``): ``C`` workers, each sending its next request
  when the previous one returns (no think time), as a fixed pool of clients would;
- **open loop** (levels = offered rate ``λ`` requests/s): arrivals form a Poisson process
  (exponential gaps of mean ``1/λ`` from a seeded generator) and each is sent when it arrives,
  whether or not earlier ones have returned, as independent users would; arrivals finding
  :attr:`LoadPlan.max_in_flight` requests outstanding are counted as errors (``client cap``).

Each level: a warm-up of :attr:`LoadPlan.warmup_seconds` at the same level (not recorded),
then the measured window, which lasts until both floors are met — at least
:attr:`LoadPlan.min_seconds` and :attr:`LoadPlan.min_requests` completed requests — (or
``4 * min_seconds + 10`` s at most), after which no new request starts and outstanding ones are
awaited. Per level: the latency of each successful request (send to full response, seconds),
each failure by reason (``HTTP 503``, ``ReadTimeout``...), the wall seconds of the window, the
client's own CPU seconds, the CPU of the server process when its pid is known
(:mod:`embedlab.perf.server_process`) and other processes' CPU
(:func:`embedlab.perf.machine.interference`).

What is measured: request latency and throughput as a client on this machine sees them
(network stack, HTTP, JSON/base64 encoding both ways, the server's queueing and inference).
Not measured: tokens, server-internal timings, anything past the first response byte split
from the transfer. Requests rotate over a pool of distinct prebuilt bodies (server-side caches
cannot answer them all), and only the status is checked under load; the first response of the
test is decoded and checked in full before any level runs.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from embedlab.perf.machine import cpu_snapshot, interference, machine_state

Mode = Literal["closed", "open"]
ServerClock = Callable[[], float | None]


@dataclass(frozen=True)
class LoadPlan:
    """How to drive the endpoint (see the module docstring)."""

    mode: Mode
    levels: tuple[float, ...]
    path: str
    batch_size: int
    warmup_seconds: float = 2.0
    min_seconds: float = 5.0
    min_requests: int = 20
    max_in_flight: int = 256
    seed: int = 0
    timeout: float = 60.0


@dataclass
class LevelResult:
    """What one load level measured."""

    level: float
    latencies: list[float] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    opened: float = 0.0
    client_cpu_seconds: float = 0.0
    server_cores: float | None = None
    other_cores: float | None = None
    machine: dict[str, Any] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def error_rate(self) -> float:
        """Failed / all requests of the window (0 when there were none)."""
        return sum(self.errors.values()) / self.requests if self.requests else 0.0

    @property
    def qps(self) -> float:
        """Successful requests per wall second of the window."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    @property
    def client_cores(self) -> float:
        """The client's CPU seconds per wall second (1.0 = one core busy)."""
        return self.client_cpu_seconds / self.seconds if self.seconds > 0 else 0.0


class _Driver:
    """Sends prebuilt request bodies over one httpx.AsyncClient and records the outcomes."""

    def __init__(self, http: Any, plan: LoadPlan, bodies: Sequence[bytes]) -> None:
        import httpx

        self.http, self.plan, self.bodies = http, plan, bodies
        self.errors_types = (httpx.TransportError,)
        self.sent = 0

    async def send(self, result: LevelResult | None) -> None:
        body = self.bodies[self.sent % len(self.bodies)]
        self.sent += 1
        start = time.perf_counter()
        problem: str | None = None
        try:
            response = await self.http.post(self.plan.path, content=body)
            if response.status_code != 200:
                problem = f"HTTP {response.status_code}"
        except self.errors_types as exc:
            problem = type(exc).__name__
        if result is not None:
            if problem is None:
                now = time.perf_counter()
                result.latencies.append(now - start)
                result.done_at.append(now - result.opened)
            else:
                result.errors[problem] += 1

    async def run(self, level: float, seconds: float, result: LevelResult | None) -> None:
        """Drive at ``level`` for ``seconds`` (with the request floor when recording)."""
        start = time.perf_counter()
        wanted = self.plan.min_requests if result is not None else 0
        cap = 4 * seconds + 10

        def done() -> bool:
            elapsed = time.perf_counter() - start
            count = result.requests if result is not None else 0
            return elapsed >= cap or (elapsed >= seconds and count >= wanted)

        if self.plan.mode == "closed":
            await asyncio.gather(*(self._worker(done, result) for _ in range(int(level))))
        else:
            await self._arrivals(level, done, result)

    async def _worker(self, done: Callable[[], bool], result: LevelResult | None) -> None:
        while not done():
            await self.send(result)

    async def _arrivals(
        self, rate: float, done: Callable[[], bool], result: LevelResult | None
    ) -> None:
        rng = np.random.default_rng([self.plan.seed, int(rate * 1000)])
        pending: set[asyncio.Task[None]] = set()
        due = time.perf_counter()
        while not done():
            due += float(rng.exponential(1.0 / rate))
            await asyncio.sleep(max(due - time.perf_counter(), 0.0))
            if len(pending) >= self.plan.max_in_flight:
                if result is not None:
                    result.errors["client cap"] += 1
                continue
            task = asyncio.ensure_future(self.send(result))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.gather(*pending)


async def _measure(
    http: Any, plan: LoadPlan, bodies: Sequence[bytes], server_clock: ServerClock
) -> list[LevelResult]:
    driver = _Driver(http, plan, bodies)
    results = []
    for level in plan.levels:
        await driver.run(level, plan.warmup_seconds, None)
        result = LevelResult(level=level, machine=machine_state())
        server_before, before = server_clock(), cpu_snapshot()
        cpu_before, start = time.process_time(), time.perf_counter()
        result.opened = start
        await driver.run(level, plan.min_seconds, result)
        result.seconds = time.perf_counter() - start
        result.client_cpu_seconds = time.process_time() - cpu_before
        used = interference(before, cpu_snapshot())
        server_after = server_clock()
        if server_before is not None and server_after is not None:
            result.server_cores = (server_after - server_before) / result.seconds
        result.other_cores = used.other_cores
        if used.other_cores is not None and result.server_cores is not None:
            result.other_cores = max(used.other_cores - result.server_cores, 0.0)
        results.append(result)
    return results


def measure_levels(
    base_url: str,
    headers: dict[str, str],
    plan: LoadPlan,
    bodies: Sequence[bytes],
    server_clock: ServerClock = lambda: None,
    transport: Any = None,
) -> list[LevelResult]:
    """Drive the endpoint at every level of ``plan`` in turn (blocks; its own event loop).

    ``server_clock`` returns the server process's CPU seconds so far (None when unknown);
    ``transport`` is an ``httpx.AsyncBaseTransport`` for tests.
    """
    import httpx

    biggest = int(max(plan.levels)) if plan.mode == "closed" else plan.max_in_flight
    limits = httpx.Limits(max_connections=biggest, max_keepalive_connections=biggest)

    async def main() -> list[LevelResult]:
        async with httpx.AsyncClient(
            base_url=base_url,
            headers={**headers, "content-type": "application/json"},
            timeout=plan.timeout,
            limits=limits,
            transport=transport,
        ) as http:
            return await _measure(http, plan, bodies, server_clock)

    return asyncio.run(main())
