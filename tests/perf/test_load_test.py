"""The load-test engine against stub async transports (closed and open loop, errors, client
cap) and its rows (hand-computed QPS, items/s, error rate, knee, client-bound)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from embedlab.models.registry import parse_model
from embedlab.perf.load_rows import knee_note, level_rows
from embedlab.perf.load_test import LevelResult, LoadPlan, measure_levels


class SlowServer:
    """Answers after ``delay`` seconds; every ``fail_every``-th request gets a 503."""

    def __init__(self, delay: float, fail_every: int = 0) -> None:
        self.delay, self.fail_every = delay, fail_every
        self.in_flight = self.most_in_flight = self.count = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(self.delay)
        self.in_flight -= 1
        failed = self.fail_every and self.count % self.fail_every == 0
        return httpx.Response(503 if failed else 200, json=[[0.0]])


def plan(mode: str, levels: tuple[float, ...], **extra: float) -> LoadPlan:
    return LoadPlan(mode=mode, levels=levels, path="/embed", batch_size=4, warmup_seconds=0.05,
                    min_seconds=0.3, min_requests=10, **extra)  # type: ignore[arg-type]  # fmt: skip


def test_closed_loop_keeps_exactly_c_requests_in_flight_and_counts_errors() -> None:
    server = SlowServer(delay=0.01, fail_every=5)
    (level,) = measure_levels("http://stub", {}, plan("closed", (3,)), [b"{}"],
                              transport=httpx.MockTransport(server))  # fmt: skip
    assert server.most_in_flight == 3
    assert level.requests >= 10 and level.seconds >= 0.3
    assert level.errors == Counter({"HTTP 503": level.requests - len(level.latencies)})
    assert 0.1 < level.error_rate < 0.3  # one in five, give or take the warm-up's share
    assert all(s >= 0.01 for s in level.latencies)
    # closed loop, 3 workers, 10 ms each: about 300 requests/s at most
    assert level.qps == pytest.approx(len(level.latencies) / level.seconds)
    assert level.qps < 3 / 0.01


def test_open_loop_does_not_wait_for_answers_and_caps_in_flight() -> None:
    server = SlowServer(delay=0.05)
    (level,) = measure_levels("http://stub", {}, plan("open", (400.0,), max_in_flight=8),
                              [b"{}"], transport=httpx.MockTransport(server))  # fmt: skip
    assert server.most_in_flight == 8  # arrivals kept coming while 50 ms requests were out
    assert level.errors["client cap"] > 0
    # Poisson arrivals at 400/s over >= 0.3 s, about 120, most refused by the cap of 8
    assert 60 < level.requests < 400


def result(level: float, latencies: list[float], errors: int, client: float) -> LevelResult:
    return LevelResult(level=level, latencies=latencies, errors=Counter({"HTTP 503": errors}),
                       seconds=2.0, client_cpu_seconds=client * 2.0, other_cores=0.0)  # fmt: skip


def test_rows_hand_computed_with_knee_and_client_bound() -> None:
    spec = parse_model("fake:16", runtime="tei+http://h:1")
    levels = [
        result(1, [0.010] * 100, 0, 0.1),  # 50 req/s, p50 10 ms
        result(2, [0.020] * 120, 10, 0.1),  # 60 req/s (x1.2), p50 20 ms (x2): knee
        result(4, [0.040] * 120, 0, 0.9),  # client-bound
    ]
    rows = level_rows(spec, plan("closed", (1, 2, 4)), levels, server_known=False)
    by = {(r.concurrency, r.metric): r for r in rows}
    assert by[(1, "qps")].value == 50.0 and by[(1, "throughput")].value == 200.0
    assert by[(2, "error_rate")].value == pytest.approx(10 / 130)
    assert by[(1, "latency_p50")].value == pytest.approx(10.0)
    assert [by[(c, "qps")].load["knee"] for c in (1, 2, 4)] == [False, True, False]  # type: ignore[index]
    assert not by[(1, "qps")].unstable
    assert by[(4, "qps")].unstable_reason.startswith("client-bound: the load-test client used 0.90")  # type: ignore[union-attr]
    assert (1, "server_cpu") not in by and by[(1, "qps")].device == "remote"
    assert "knee at concurrency 2" in (knee_note(rows) or "")


def test_a_level_where_everything_failed_gives_only_its_error_rate() -> None:
    spec = parse_model("fake:16", runtime="tei+http://h:1")
    rows = level_rows(spec, plan("closed", (1,)), [result(1, [], 7, 0.0)], server_known=False)
    assert [(r.metric, r.value, r.n) for r in rows] == [("error_rate", 1.0, 7)]
