"""Markdown tables of speed rows.

- :func:`speed_table`: a line per (model, runtime, precision, threads, batch size) with
  sustained images/s and texts/s, p50/p99 latency of one whole call (ms), peak RSS (MiB) and
  the stability verdict (:mod:`embedlab.perf.stability`; reasons under the table); with
  repeated rounds (``--repeats N``, N >= 2) throughput reads ``mean ± std (N runs)`` and a
  footnote says what that std is; configurations whose difference is within their run-to-run
  spread are named under the table (:func:`spread_comparisons`);
- :func:`machine_table`: the machine while each case was timed (interference, load, CPUs,
  quota, governor, thread settings in force);
- :func:`split_table`: where a call's time goes, ``preprocess`` vs ``model`` p50 (ms), for
  encoders that split them;
- :func:`cold_start_table`: load time and first call per modality (s), and the parity of the
  first call's embeddings with torch fp32 (minimum cosine over the batch; 1 = identical).

A multi-vector model's MaxSim case (modality ``maxsim``) is left out of :func:`speed_table`
(its figures are documents scored, not items embedded): :mod:`embedlab.report.late_speed`
shows it, with tokens per item.

A missing figure is shown as ``–``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from embedlab.perf.stability import within_spread
from embedlab.results.schema import SpeedRow

WHOLE_CALL = "preprocess+model"
DASH = "–"

Key = tuple[str, str, str, str, int]
Case = tuple[str, str, str, str, int, str]
REPEATS_FOOTNOTE = (
    "± = sample std (ddof=1) of sustained throughput over N interleaved rounds: run-to-run "
    "variation on this machine, not a confidence interval of model quality"
)
UNSTABLE_FOOTNOTE = (
    "unstable: a figure to re-measure on a quiet machine (another process used > 0.25 cores, "
    "throughput CV over 0.1 s windows > 0.10, or p99/p50 > 2; reasons below)"
)


def format_number(value: float | None) -> str:
    """``1234`` → ``1234``, ``56.78`` → ``56.8``, ``3.456`` → ``3.46``; ``None`` → ``–``."""
    if value is None:
        return DASH
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def pipe_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """A plain Markdown pipe table (terminal output: no titles, notes or CIs)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def threads_text(row: SpeedRow) -> str:
    """The row's thread count, or a dash when not recorded."""
    return DASH if row.threads is None else str(row.threads)


def _case(row: SpeedRow) -> Case:
    return (row.model, row.runtime, row.precision, threads_text(row), row.batch_size, row.modality)


def _index(rows: Sequence[SpeedRow]) -> dict[tuple[Any, ...], float]:
    return {(*_case(r), r.metric, r.timed_region): r.value for r in rows}


def _whole_call(rows: Sequence[SpeedRow]) -> list[SpeedRow]:
    """Rows of the whole call: the region of each case's throughput row."""
    regions = {_case(r): r.timed_region for r in rows if r.metric == "throughput"}
    return [r for r in rows if regions.get(_case(r)) == r.timed_region]


def format_spread(mean: float, std: float, n: int) -> str:
    """``mean ± std (n runs)``, e.g. ``80.0 ± 2.50 (3 runs)``."""
    return f"{format_number(mean)} ± {format_number(std)} ({n} runs)"


def _spreads(rows: Sequence[SpeedRow]) -> dict[Case, str]:
    """``mean ± std (N runs)`` per case that has ``throughput_mean``/``_std`` over N >= 2 runs."""
    means = {_case(r): r.value for r in rows if r.metric == "throughput_mean"}
    spreads = {}
    for r in rows:
        if r.metric == "throughput_std" and r.n >= 2 and _case(r) in means:
            spreads[_case(r)] = format_spread(means[_case(r)], r.value, r.n)
    return spreads


def _verdicts(rows: Sequence[SpeedRow]) -> dict[Key, list[str]]:
    """Per table line, ``modality: reason`` of each unstable case."""
    found: dict[Key, list[str]] = {}
    for r in rows:
        if r.metric == "throughput" and r.unstable:
            found.setdefault(_case(r)[:5], []).append(f"{r.modality}: {r.unstable_reason}")
    return found


def speed_table(rows: Sequence[SpeedRow]) -> str:
    """Throughput, whole-call latency and stability per (model, runtime, precision, threads, batch).

    Throughput is ``mean ± std (N runs)`` where the case was timed N >= 2 times (then a
    footnote follows the table), else the single sustained figure. The last column is
    ``ok``, ``unstable`` (reasons listed under the table) or ``–`` (no verdict recorded).
    """
    whole = [r for r in _whole_call(rows) if r.modality in ("image", "text", "all")]
    index = _index(whole)
    spreads = _spreads(whole)
    verdicts = _verdicts(whole)
    judged = {_case(r)[:5] for r in whole if r.metric == "throughput" and r.unstable is not None}
    keys: list[Key] = list(dict.fromkeys(_case(r)[:5] for r in whole))
    header = ["model", "runtime", "precision", "threads", "batch", "images/s", "image p50 ms"]
    header += ["image p99 ms", "texts/s", "text p50 ms", "text p99 ms", "peak RSS MiB"]
    header += ["stability"]
    body = []
    for key in keys:
        cells = [key[0], key[1], key[2], key[3], str(key[4])]
        for modality in ("image", "text"):
            spread = spreads.get((*key, modality))
            for metric in ("throughput", "latency_p50", "latency_p99"):
                value = format_number(index.get((*key, modality, metric, _region(whole, key))))
                cells.append(spread if metric == "throughput" and spread else value)
        peaks = [index.get((*key, m, "peak_rss", _region(whole, key))) for m in ("image", "text")]
        known = [p for p in peaks if p is not None]
        cells.append(format_number(max(known)) if known else DASH)
        cells.append("unstable" if key in verdicts else "ok" if key in judged else DASH)
        body.append(cells)
    parts = [pipe_table(header, body)]
    if spreads:
        parts.append(REPEATS_FOOTNOTE)
    if verdicts:
        reasons = [
            f"- {k[0]} {k[1]} {k[2]}, {k[3]} threads, batch {k[4]}: {'; '.join(v)}"
            for k, v in verdicts.items()
        ]
        parts.append(UNSTABLE_FOOTNOTE + "\n" + "\n".join(reasons))
    comparisons = spread_comparisons(rows)
    if comparisons:
        parts.append("\n".join(comparisons))
    return "\n\n".join(parts)


def _region(whole: Sequence[SpeedRow], key: Key) -> str:
    for r in whole:
        if _case(r)[:5] == key and r.metric == "throughput":
            return r.timed_region
    return WHOLE_CALL


def spread_comparisons(rows: Sequence[SpeedRow]) -> list[str]:
    """Pairs of configurations of one model, modality and batch whose throughputs differ by
    less than their run-to-run spread (the ranges of their per-round throughputs overlap).

    One line each: ``m image batch 1: torch fp32 (2 threads) vs onnxruntime fp32 (2 threads):
    3% apart, within their run-to-run spread``. Cases timed in one round are not compared.
    """
    groups: dict[tuple[str, int, str], list[SpeedRow]] = {}
    for r in rows:
        rounds = (r.machine or {}).get("round_throughputs") or []
        if r.metric == "throughput" and len(rounds) >= 2:
            groups.setdefault((r.model, r.batch_size, r.modality), []).append(r)
    lines = []
    for (model, batch, modality), members in groups.items():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                ra = a.machine["round_throughputs"] if a.machine else []
                rb = b.machine["round_throughputs"] if b.machine else []
                if within_spread(ra, rb):
                    apart = abs(a.value - b.value) / max(a.value, b.value)
                    lines.append(
                        f"{model} {modality} batch {batch}: {_system(a)} vs {_system(b)}: "
                        f"{100 * apart:.0f}% apart, within their run-to-run spread "
                        "(per-round throughputs overlap): not a measured difference"
                    )
    return lines


def _system(row: SpeedRow) -> str:
    return f"{row.runtime} {row.precision} ({threads_text(row)} threads)"


def machine_table(rows: Sequence[SpeedRow]) -> str:
    """The machine while each configuration was timed ('' if no row records it).

    Columns: other processes' CPU use (cores, mean and worst round), load average, usable CPUs
    / physical cores / cgroup quota, governor and MHz, and the thread settings in force.
    """
    cases = [r for r in _whole_call(rows) if r.metric == "throughput" and r.machine]
    if not cases:
        return ""
    header = ["model", "runtime", "precision", "threads", "batch", "modality"]
    header += ["other cores (max)", "load 1m", "CPUs / cores / quota", "governor @ MHz"]
    header += ["thread settings in force"]
    body = []
    for r in cases:
        m = r.machine or {}
        other = f"{format_number(m.get('other_cores'))} ({format_number(m.get('other_cores_max'))})"
        quota = m.get("cgroup_cpu_quota")
        cpus = f"{m.get('usable_cpus')} / {m.get('usable_physical_cores')} / "
        cpus += "none" if quota is None else format_number(quota)
        clock = f"{m.get('governor') or DASH} @ {format_number(m.get('cpu_mhz'))}"
        threads = m.get("threads") or {}
        settings = ", ".join(f"{k}={v}" for k, v in threads.items()) or DASH
        cells = [r.model, r.runtime, r.precision, threads_text(r), str(r.batch_size), r.modality]
        body.append([*cells, other, format_number(m.get("load_avg_1m")), cpus, clock, settings])
    return pipe_table(header, body)


def split_table(rows: Sequence[SpeedRow]) -> str:
    """Preprocess vs model p50 (ms) per case, for encoders that split them ('' if none)."""
    index = _index(rows)
    cases = list(
        dict.fromkeys(
            _case(r) for r in rows if r.metric == "latency_p50" and r.timed_region == "model"
        )
    )
    if not cases:
        return ""
    header = ["model", "runtime", "precision", "threads", "batch", "modality"]
    header += ["preprocess p50 ms"]
    header += ["model p50 ms", "preprocess share"]
    body = []
    for case in cases:
        prep = index.get((*case, "latency_p50", "preprocess"))
        model = index.get((*case, "latency_p50", "model"))
        share = f"{100 * prep / (prep + model):.0f}%" if prep is not None and model else DASH
        cells = [*case[:4], str(case[4]), case[5], format_number(prep), format_number(model)]
        body.append([*cells, share])
    return pipe_table(header, body)


def format_cosine(value: float | None) -> str:
    """A cosine with 6 decimals (parity is read close to 1); ``None`` → ``–``."""
    return DASH if value is None else f"{value:.6f}"


def cold_start_table(rows: Sequence[SpeedRow]) -> str:
    """Load seconds, first-call seconds and parity (min cosine) per modality ('' if none)."""
    firsts = [r for r in rows if r.metric in ("cold_start", "parity_cosine_min")]
    if not firsts:
        return ""
    systems = list(dict.fromkeys(_case(r)[:4] for r in firsts))
    values = {(*_case(r)[:4], r.modality, r.metric, r.timed_region): r.value
              for r in firsts}  # fmt: skip
    header = ["model", "runtime", "precision", "threads", "load s", "first image call s"]
    header += ["first text call s", "image parity (min cos)", "text parity (min cos)"]
    body = []
    for system in systems:
        cells = [*system, format_number(values.get((*system, "all", "cold_start", "load")))]
        for modality in ("image", "text"):
            key = (*system, modality, "cold_start", "first_call")
            cells.append(format_number(values.get(key)))
        for modality in ("image", "text"):
            key = (*system, modality, "parity_cosine_min", "output")
            cells.append(format_cosine(values.get(key)))
        body.append(cells)
    return pipe_table(header, body)
