"""Load-test levels as speed rows: figures, the stability verdict, client-bound, the knee.

Per level (:class:`~embedlab.perf.load_test.LevelResult`): ``throughput`` (items/s = successful
requests × texts per request / wall seconds), ``qps``, ``latency_p50/p90/p99`` (type-7
percentiles of successful requests, ms), ``error_rate``, ``client_cpu`` and, when the server's
pid is known, ``server_cpu`` (cores).

Verdict: the speed-trust rules of :mod:`embedlab.perf.stability`, in its order: the other
processes' CPU *without* the server's (the server is the system under test); steadiness as the
CV of completions per window of wall time (:func:`~embedlab.perf.stability.completion_cv`,
windows of >= 1 s holding ~50 completions: requests overlap, so the per-request latency CV that
``judge`` uses for sequential calls is not a throughput measure here); the p99/p50 latency tail.
Then, if the level is otherwise stable, **client-bound**: the client used more than
:data:`CLIENT_BOUND_CORES` of a core (one asyncio thread cannot use more than one), so the
figure may measure the client rather than the endpoint — the level is marked unstable with
that reason. The knee (:mod:`embedlab.perf.knee`, over achieved QPS and p50 latency) is marked
in each level's ``load["knee"]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from embedlab.models.base import ModelSpec
from embedlab.perf.knee import knee
from embedlab.perf.load_test import LevelResult, LoadPlan
from embedlab.perf.stability import THRESHOLDS, completion_cv, judge
from embedlab.perf.stats import latency_stats
from embedlab.results.schema import SpeedRow

#: Client CPU (cores) above which a level is flagged client-bound.
CLIENT_BOUND_CORES = 0.8


def level_rows(
    spec: ModelSpec, plan: LoadPlan, results: Sequence[LevelResult], server_known: bool
) -> list[SpeedRow]:
    """Every row of every level (levels where nothing succeeded give only ``error_rate``)."""
    p50 = [latency_stats(r.latencies).p50_ms if r.latencies else 0.0 for r in results]
    at_knee = knee([r.level for r in results], [r.qps for r in results], p50)
    rows: list[SpeedRow] = []
    for result in results:
        rows.extend(_rows(spec, plan, result, result.level == at_knee, server_known))
    return rows


def _rows(
    spec: ModelSpec, plan: LoadPlan, result: LevelResult, is_knee: bool, server_known: bool
) -> list[SpeedRow]:
    client_bound = result.client_cores > CLIENT_BOUND_CORES
    load: dict[str, Any] = {
        "mode": plan.mode,
        "level": result.level,
        "offered_rate": result.level if plan.mode == "open" else None,
        "requests": result.requests,
        "errors": dict(result.errors),
        "seconds": round(result.seconds, 3),
        "client_cores": round(result.client_cores, 3),
        "server_cores": None if result.server_cores is None else round(result.server_cores, 3),
        "server_cpu_measured": server_known,
        "client_bound": client_bound,
        "knee": is_knee,
    }
    base: dict[str, Any] = {
        "model": spec.name, "runtime": spec.runtime, "precision": spec.precision,
        "device": "remote", "batch_size": plan.batch_size, "modality": "text",
        "timed_region": "request", "load": load,
        "concurrency": int(result.level) if plan.mode == "closed" else None,
    }  # fmt: skip
    figures: list[tuple[str, float, str, int]] = [
        ("error_rate", result.error_rate, "fraction", result.requests)
    ]
    if not result.latencies:
        return [SpeedRow(**base, metric=m, value=v, unit=u, n=n) for m, v, u, n in figures]
    # Overlapping requests: steadiness is judged on completions per window of wall time
    # (completion_cv), not on the CV of per-request latencies that judge() uses for calls.
    verdict = judge(result.latencies, result.other_cores, {"cv": math.inf})
    cv, window = completion_cv(result.done_at, result.seconds)
    interfered = result.other_cores is not None and result.other_cores > THRESHOLDS["other_cores"]
    reason = verdict.reason  # interference, else the p99/p50 tail, else None
    if not interfered and cv > THRESHOLDS["cv"]:  # judge()'s order: interference, CV, tail
        reason = f"throughput varied by {100 * cv:.0f}% between {window:.1f} s windows (CV)"
    if reason is None and client_bound:
        reason = (
            f"client-bound: the load-test client used {result.client_cores:.2f} cores; the "
            "figure may measure the client (run it on another machine or lower the level)"
        )
    stats, ok = latency_stats(result.latencies), len(result.latencies)
    figures += [
        ("throughput", result.qps * plan.batch_size, "items/s", ok),
        ("qps", result.qps, "requests/s", ok),
        ("latency_p50", stats.p50_ms, "ms", ok),
        ("latency_p90", stats.p90_ms, "ms", ok),
        ("latency_p99", stats.p99_ms, "ms", ok),
        ("client_cpu", result.client_cores, "cores", ok),
    ]
    if result.server_cores is not None:
        figures.append(("server_cpu", result.server_cores, "cores", ok))
    machine = {
        **result.machine,
        "other_cores": result.other_cores,
        "cv": cv,
        "cv_window_seconds": window,
        "p99_p50": verdict.p99_p50,
    }
    return [
        SpeedRow(
            **base,
            metric=metric,
            value=value,
            unit=unit,
            n=n,
            unstable=reason is not None,
            unstable_reason=reason,
            machine=machine,
        )
        for metric, value, unit, n in figures
    ]


def knee_note(rows: Sequence[SpeedRow]) -> str | None:
    """One line naming the knee of each (model, runtime) sweep, or saying none was reached."""
    sweeps: dict[tuple[str, str], list[SpeedRow]] = {}
    for row in rows:
        if row.metric == "qps" and row.load is not None:
            sweeps.setdefault((row.model, row.runtime), []).append(row)
    if not sweeps:
        return None
    parts = []
    for (model, runtime), levels in sweeps.items():
        mode = levels[0].load["mode"] if levels[0].load else "closed"
        unit = "concurrency" if mode == "closed" else "offered rate (requests/s)"
        found = [r.load["level"] for r in levels if r.load and r.load.get("knee")]
        where = f"knee at {unit} {found[0]:g}" if found else "no knee within the levels measured"
        parts.append(f"{model} on {runtime}: {where}")
    return (
        "speed: load test: " + "; ".join(parts) + " (knee = first level where p50 latency grew "
        "by a larger factor than QPS, i.e. where throughput/latency fell)"
    )
