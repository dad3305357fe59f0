"""Measured metric rows against published numbers: a Δ when everything agrees, else a flag.

A measured row and a published quality entry (:mod:`embedlab.report.published`) are *about the
same thing* when the row's model names the entry, and dataset and metric agree. They are
*compared* — ``Δ = measured − published`` in percentage points, shown with the measured CI —
only when, in addition, the protocol, the split and the number of queries agree and the model ran
without output-changing options (``?dim=``, prompts). Any of those differing makes the pair a
**flagged mismatch**: shown with its reason, never as a Δ (e.g. the reference report's
first-caption T2I against open_clip's all-caption T2I; CLIP_benchmark's argmax Winoground
against the official strict scoring). Only protocols of one direction are paired (``t2i`` with
``t2i-first``, ``i2t`` with ``i2t-symmetric``, Winoground ``strict`` with ``argmax``); a measured
row that has an exact match is not also shown against the entries of other protocols.
Precision and device differences (bf16 on an A40 against fp32 on a CPU) are *notes*, not flags.

Protocol names on the measured side: the retrieval protocols as stored (``t2i``, ``t2i-first``,
``i2t``, ``i2t-symmetric``); a Winoground-style row (``text_score`` / ``image_score`` /
``group_score``, protocol ``all``) is ``strict`` (embedlab scores ties as wrong, as the paper
does). Per-category rows (``tag=...``) are never compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embedlab.report.encode_rate import EncodeRate
from embedlab.report.published import PublishedEntry, entries_for, model_options
from embedlab.report.tables import PROTOCOL_GLOSSES
from embedlab.results.schema import MetricRow

PAIR_METRICS = frozenset({"text_score", "image_score", "group_score"})
PAIR_PROTOCOLS = {"strict": "official scoring, a tie is wrong", "argmax": "argmax, ties count"}
#: Protocols measuring the same direction: a pair within one family is compared or flagged;
#: across families (text→image against image→text) it is not about the same thing at all.
FAMILIES = {
    "t2i": "t2i",
    "t2i-first": "t2i",
    "i2t": "i2t",
    "i2t-symmetric": "i2t",
    **{p: "pair-choice" for p in PAIR_PROTOCOLS},
}


@dataclass(frozen=True)
class Comparison:
    """A measured row beside one published entry: ``delta`` (points) or a ``flag`` (reason)."""

    row: MetricRow
    entry: PublishedEntry
    delta: float | None
    flag: str = ""
    notes: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """True when the pair is compared (no flag)."""
        return not self.flag


def metric_key(row: MetricRow) -> str:
    """``recall@1`` whether stored as ``metric="recall@1"`` or ``metric="recall", k=1``."""
    return row.metric if row.k is None or "@" in row.metric else f"{row.metric}@{row.k}"


def measured_protocol(row: MetricRow) -> str:
    """The row's protocol in the reference table's names (``strict`` for Winoground ``all``)."""
    if metric_key(row) in PAIR_METRICS and row.protocol == "all":
        return "strict"
    return row.protocol


def protocol_text(protocol: str) -> str:
    """``t2i-first (first caption)``, ``strict (official scoring, a tie is wrong)``."""
    gloss = PROTOCOL_GLOSSES.get(protocol) or PAIR_PROTOCOLS.get(protocol)
    return f"{protocol} ({gloss})" if gloss else protocol


def _reasons(row: MetricRow, entry: PublishedEntry, split: str | None) -> list[str]:
    reasons = []
    measured = measured_protocol(row)
    if measured != entry.protocol:
        reasons.append(
            f"protocol differs: published {protocol_text(entry.protocol)}, "
            f"measured {protocol_text(measured)}"
        )
    if split is not None and entry.split and split != entry.split:
        reasons.append(f"split differs: published {entry.split}, measured {split}")
    if entry.n is not None and row.n != entry.n and measured == entry.protocol:
        reasons.append(f"published on {entry.n:,} queries, measured on {row.n:,}")
    options = model_options(row.model)
    if options:
        text = "&".join(f"{k}={v}" for k, v in options.items())
        reasons.append(f"measured with ?{text}, the published model ran without it")
    return reasons


def setting_notes(
    entry: PublishedEntry, precision: str, device: str | None, runtime: str | None = None
) -> tuple[str, ...]:
    """What differs between the published and the measured setting (never a flag)."""
    notes = []
    if entry.precision and entry.precision != precision:
        notes.append(f"published in {entry.precision}, measured in {precision}")
    elif not entry.precision:
        notes.append(f"published precision not stated; measured in {precision}")
    if entry.device and device is not None:
        notes.append(f"published on {entry.device}, measured on {device}")
    if runtime and runtime != "torch":
        notes.append(f"measured on the {runtime} runtime")
    return tuple(notes)


def compare_row(
    row: MetricRow, split: str | None = None, device: str | None = None
) -> list[Comparison]:
    """Every published quality entry about ``row``: exact matches, else flagged mismatches."""
    measured = measured_protocol(row)
    family = FAMILIES.get(measured)
    if family is None:
        return []
    about = [
        e
        for e in entries_for(row.model)
        if e.kind == "quality"
        and e.dataset == row.dataset
        and e.metric == metric_key(row)
        and FAMILIES.get(e.protocol) == family
    ]
    out = []
    for entry in about:
        reasons = _reasons(row, entry, split)
        notes = setting_notes(entry, row.precision, device, row.runtime)
        delta = None if reasons else row.value * 100.0 - entry.value
        out.append(Comparison(row, entry, delta, "; ".join(reasons), notes))
    if any(c.matched for c in out):
        return [c for c in out if c.matched or c.entry.protocol == measured]
    return out


def compare_rows(
    rows: Sequence[MetricRow], splits: dict[str, str] | None = None, device: str | None = None
) -> list[Comparison]:
    """:func:`compare_row` for each row; ``splits`` maps a dataset name to the split it ran."""
    splits = splits or {}
    return [c for row in rows for c in compare_row(row, splits.get(row.dataset), device)]


def format_delta(delta: float) -> str:
    """``+1.2`` / ``−0.4`` (points, one decimal, a real minus sign)."""
    return f"{delta:+.1f}".replace("-", "−")


@dataclass(frozen=True)
class RateComparison:
    """A run's queries/s beside a published throughput: always flagged ``different hardware``;
    ``ratio`` = measured / published (None when the images were not encoded in this run)."""

    rate: EncodeRate
    entry: PublishedEntry
    ratio: float | None
    flag: str
    notes: tuple[str, ...] = ()


def compare_rate(rate: EncodeRate) -> list[RateComparison]:
    """Every published throughput of ``rate``'s model on its dataset."""
    out = []
    for entry in entries_for(rate.model):
        if entry.kind != "throughput" or entry.dataset != rate.dataset:
            continue
        flags = ["different hardware"]
        if entry.n is not None and rate.n_items != entry.n:
            flags.append(f"published on {entry.n:,} images, measured on {rate.n_items:,}")
        value = rate.value
        if value is None:
            flags.append(rate.status)
        notes = setting_notes(entry, rate.precision, rate.device, rate.runtime)
        if entry.batch_size is not None and entry.batch_size != rate.batch_size:
            notes += (f"published at batch {entry.batch_size}, measured at {rate.batch_size}",)
        ratio = None if value is None else value / entry.value
        out.append(RateComparison(rate, entry, ratio, "; ".join(flags), notes))
    return out
