"""Markdown tables of speed rows.

- :func:`speed_table`: a line per (model, runtime, precision, batch size) with sustained
  images/s and texts/s, p50/p99 latency of one whole call (ms) and peak RSS (MiB); with
  repeated timed runs (``--repeats N``, N >= 2) throughput reads ``mean ± std (N runs)`` and a
  footnote says what that std is;
- :func:`split_table`: where a call's time goes, ``preprocess`` vs ``model`` p50 (ms), for
  encoders that split them;
- :func:`cold_start_table`: load time and first call per modality (s), and the parity of the
  first call's embeddings with torch fp32 (minimum cosine over the batch; 1 = identical).

A missing figure is shown as ``–``.
"""

from __future__ import annotations

from collections.abc import Sequence

from embedlab.results.schema import SpeedRow

WHOLE_CALL = "preprocess+model"
DASH = "–"

Key = tuple[str, str, str, int]
Case = tuple[str, str, str, int, str]
REPEATS_FOOTNOTE = (
    "± = sample std (ddof=1) of sustained throughput over N repeated timed runs: run-to-run "
    "variation on this machine, not a confidence interval of model quality"
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


def _lines(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines)


def _index(rows: Sequence[SpeedRow]) -> dict[tuple[str, str, str, int, str, str, str], float]:
    return {
        (r.model, r.runtime, r.precision, r.batch_size, r.modality, r.metric, r.timed_region): (
            r.value
        )
        for r in rows
    }


def _whole_call(rows: Sequence[SpeedRow]) -> list[SpeedRow]:
    """Rows of the whole call: the region of each case's throughput row."""
    regions = {
        (r.model, r.runtime, r.precision, r.batch_size, r.modality): r.timed_region
        for r in rows
        if r.metric == "throughput"
    }
    return [
        r
        for r in rows
        if regions.get((r.model, r.runtime, r.precision, r.batch_size, r.modality))
        == r.timed_region
    ]


def format_spread(mean: float, std: float, n: int) -> str:
    """``mean ± std (n runs)``, e.g. ``80.0 ± 2.50 (3 runs)``."""
    return f"{format_number(mean)} ± {format_number(std)} ({n} runs)"


def _spreads(rows: Sequence[SpeedRow]) -> dict[Case, str]:
    """``mean ± std (N runs)`` per case that has ``throughput_mean``/``_std`` over N >= 2 runs."""
    means = {
        (r.model, r.runtime, r.precision, r.batch_size, r.modality): r.value
        for r in rows
        if r.metric == "throughput_mean"
    }
    spreads = {}
    for r in rows:
        case = (r.model, r.runtime, r.precision, r.batch_size, r.modality)
        if r.metric == "throughput_std" and r.n >= 2 and case in means:
            spreads[case] = format_spread(means[case], r.value, r.n)
    return spreads


def speed_table(rows: Sequence[SpeedRow]) -> str:
    """Throughput and whole-call latency per (model, runtime, precision, batch size).

    Throughput is ``mean ± std (N runs)`` where the case was timed N >= 2 times (then a
    footnote follows the table), else the single sustained figure.
    """
    whole = _whole_call(rows)
    index = {k[:6]: v for k, v in _index(whole).items()}
    spreads = _spreads(whole)
    keys: list[Key] = list(
        dict.fromkeys((r.model, r.runtime, r.precision, r.batch_size) for r in whole)
    )
    header = ["model", "runtime", "precision", "batch", "images/s", "image p50 ms"]
    header += ["image p99 ms", "texts/s", "text p50 ms", "text p99 ms", "peak RSS MiB"]
    body = []
    for key in keys:
        cells = [key[0], key[1], key[2], str(key[3])]
        for modality in ("image", "text"):
            spread = spreads.get((*key, modality))
            for metric in ("throughput", "latency_p50", "latency_p99"):
                value = format_number(index.get((*key, modality, metric)))
                cells.append(spread if metric == "throughput" and spread else value)
        peaks = [index.get((*key, m, "peak_rss")) for m in ("image", "text")]
        known = [p for p in peaks if p is not None]
        cells.append(format_number(max(known)) if known else DASH)
        body.append(cells)
    table = _lines(header, body)
    return f"{table}\n\n{REPEATS_FOOTNOTE}" if spreads else table


def split_table(rows: Sequence[SpeedRow]) -> str:
    """Preprocess vs model p50 (ms) per case, for encoders that split them ('' if none)."""
    index = _index(rows)
    cases = list(
        dict.fromkeys(
            (r.model, r.runtime, r.precision, r.batch_size, r.modality)
            for r in rows
            if r.metric == "latency_p50" and r.timed_region == "model"
        )
    )
    if not cases:
        return ""
    header = ["model", "runtime", "precision", "batch", "modality", "preprocess p50 ms"]
    header += ["model p50 ms", "preprocess share"]
    body = []
    for case in cases:
        prep = index.get((*case, "latency_p50", "preprocess"))
        model = index.get((*case, "latency_p50", "model"))
        share = f"{100 * prep / (prep + model):.0f}%" if prep is not None and model else DASH
        cells = [*case[:3], str(case[3]), case[4], format_number(prep), format_number(model)]
        body.append([*cells, share])
    return _lines(header, body)


def format_cosine(value: float | None) -> str:
    """A cosine with 6 decimals (parity is read close to 1); ``None`` → ``–``."""
    return DASH if value is None else f"{value:.6f}"


def cold_start_table(rows: Sequence[SpeedRow]) -> str:
    """Load seconds, first-call seconds and parity (min cosine) per modality ('' if none)."""
    firsts = [r for r in rows if r.metric in ("cold_start", "parity_cosine_min")]
    if not firsts:
        return ""
    systems = list(dict.fromkeys((r.model, r.runtime, r.precision) for r in firsts))
    values = {(r.model, r.runtime, r.precision, r.modality, r.metric, r.timed_region): r.value
              for r in firsts}  # fmt: skip
    header = ["model", "runtime", "precision", "load s", "first image call s"]
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
    return _lines(header, body)
