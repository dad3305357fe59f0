"""The Markdown table of a load test (``embedlab speed`` against an endpoint).

One line per model × endpoint × texts per request × level: achieved QPS, items/s, p50/p90/p99
latency per request (ms), error rate, client and server CPU (cores; ``–`` when the server's
process is not visible here), other processes' CPU (server excluded) and the 1-minute load
average, the stability verdict (reasons under the table: interference
without the server, CV, p99/p50, client-bound) and ``knee`` on the knee level
(:mod:`embedlab.perf.knee`). Parity with the local torch fp32 model follows when measured.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.report.speed import DASH, format_cosine, format_number, pipe_table
from embedlab.results.schema import SpeedRow


def load_table(rows: Sequence[SpeedRow]) -> str:
    """The load table and its footnotes (empty string without load rows)."""
    levels: dict[tuple[str, str, int, float], dict[str, SpeedRow]] = {}
    for row in rows:
        if row.load is not None:
            key = (row.model, row.runtime, row.batch_size, float(row.load["level"]))
            levels.setdefault(key, {})[row.metric] = row
    if not levels:
        return ""
    mode = next(iter(levels.values()))["error_rate"].load or {}
    level_name = "concurrency" if mode.get("mode") == "closed" else "offered req/s"
    header = ["model", "endpoint", "texts/request", level_name, "QPS", "items/s", "p50 ms",
              "p90 ms", "p99 ms", "errors", "client CPU", "server CPU", "other CPU", "load 1m",
              "verdict"]  # fmt: skip
    body, reasons = [], []
    for (model, runtime, size, level), metrics in levels.items():
        first = metrics["error_rate"]
        load = first.load or {}

        def value(name: str, metrics: dict[str, SpeedRow] = metrics) -> str:
            row = metrics.get(name)
            return DASH if row is None else format_number(row.value)

        verdict = DASH if first.unstable is None else ("unstable" if first.unstable else "ok")
        if first.unstable_reason:
            reasons.append(f"{model} {runtime} x{size} at {level:g}: {first.unstable_reason}")
        knee = " (knee)" if load.get("knee") else ""
        machine = metrics["throughput"].machine or {} if "throughput" in metrics else {}
        body.append([model, runtime, str(size), f"{level:g}{knee}", value("qps"),
                     value("throughput"), value("latency_p50"), value("latency_p90"),
                     value("latency_p99"), f"{100 * first.value:.1f}%", value("client_cpu"),
                     value("server_cpu"), format_number(machine.get("other_cores")),
                     format_number(machine.get("load_avg_1m")), verdict])  # fmt: skip
    lines = [pipe_table(header, body)]
    lines += [f"- {reason}" for reason in reasons]
    parity = [r for r in rows if r.metric == "parity_cosine_min" and r.device == "remote"]
    lines += [f"parity with local torch fp32 ({r.model}, {r.runtime}): min cosine "
              f"{format_cosine(r.value)} over {r.n} texts" for r in parity]  # fmt: skip
    return "\n".join(lines)
