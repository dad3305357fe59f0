"""Speed tables of multi-vector (late-interaction) models (:mod:`embedlab.perf.multivector`).

- :func:`tokens_table`: per timed case of a multi-vector model, the mean tokens per item of
  its outputs, items/s and tokens/s (= items/s × tokens per item), and the bytes one item's
  tokens take as float32 (``tokens × D × 4``, D from the MaxSim row when there is one);
- :func:`maxsim_table`: per system, the MaxSim case: ``N`` documents of ``Td`` tokens against
  one query of ``Tq`` tokens at width ``D``; documents scored per second for that query
  (``mean ± std`` over rounds when timed in 2 or more), p50/p99 milliseconds per query, the
  arithmetic rate ``GFLOP/s = 2·Tq·N·Td·D / seconds`` (from the sustained throughput: ``docs/s
  / N`` queries per second), and the stability verdict.

Both are '' when no row is of a multi-vector model. A missing figure is ``–``.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.report.speed import (
    DASH,
    format_number,
    format_spread,
    pipe_table,
    threads_text,
)
from embedlab.results.schema import SpeedRow

MAXSIM = "maxsim"


def _system(row: SpeedRow) -> tuple[str, str, str, str]:
    return (row.model, row.runtime, row.precision, threads_text(row))


def _dims(rows: Sequence[SpeedRow]) -> dict[str, int]:
    """Token width ``D`` per model, from its MaxSim rows."""
    return {r.model: int(r.maxsim["dim"]) for r in rows if r.maxsim and "dim" in r.maxsim}


def tokens_table(rows: Sequence[SpeedRow]) -> str:
    """Tokens per item, items/s, tokens/s and bytes per item of multi-vector cases ('' if none)."""
    cases = [
        r for r in rows
        if r.metric == "throughput" and r.tokens_per_item is not None and r.modality != MAXSIM
    ]  # fmt: skip
    if not cases:
        return ""
    dims = _dims(rows)
    header = ["model", "runtime", "precision", "threads", "batch", "modality", "tokens/item"]
    header += ["items/s", "tokens/s", "bytes/item (fp32)"]
    body = []
    for r in cases:
        tokens = r.tokens_per_item or 0.0
        dim = dims.get(r.model)
        size = DASH if dim is None else format_number(tokens * dim * 4)
        cells = [*_system(r), str(r.batch_size), r.modality, format_number(tokens)]
        body.append([*cells, format_number(r.value), format_number(r.value * tokens), size])
    return pipe_table(header, body)


def maxsim_table(rows: Sequence[SpeedRow]) -> str:
    """The MaxSim throughput of each multi-vector system ('' if none)."""
    found = [r for r in rows if r.modality == MAXSIM]
    cases = [r for r in found if r.metric == "throughput"]
    if not cases:
        return ""
    values = {(*_system(r), r.metric): r for r in found}
    header = ["model", "runtime", "precision", "threads", "docs x tokens", "query tokens", "D"]
    header += ["docs/s per query", "p50 ms/query", "p99 ms/query", "GFLOP/s", "stability"]
    body = []
    for r in cases:
        key = _system(r)
        info = r.maxsim or {}
        docs, doc_tokens = info.get("docs", r.batch_size), info.get("doc_tokens", DASH)
        mean, std = values.get((*key, "throughput_mean")), values.get((*key, "throughput_std"))
        rate = format_number(r.value)
        if mean is not None and std is not None and std.n >= 2:
            rate = format_spread(mean.value, std.value, std.n)
        flops = info.get("flops_per_query")
        gflops = DASH if not flops or not docs else format_number(flops * r.value / docs / 1e9)
        p50, p99 = values.get((*key, "latency_p50")), values.get((*key, "latency_p99"))
        verdict = DASH if r.unstable is None else "unstable" if r.unstable else "ok"
        body.append([
            *key, f"{docs} x {doc_tokens}", str(info.get("query_tokens", DASH)),
            str(info.get("dim", DASH)), rate, format_number(p50.value if p50 else None),
            format_number(p99.value if p99 else None), gflops, verdict,
        ])  # fmt: skip
    return pipe_table(header, body)
