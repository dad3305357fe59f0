"""Published numbers in the report: "published" and "Δ" columns, and the sections listing them.

* Beside a metric column of the headline / detail tables, two columns ``published`` and ``Δ``
  appear when at least one system of the table has a published number for that column
  (:func:`published_columns`); none otherwise. An exact match shows the published value and
  ``Δ = measured − published`` (points); a flagged mismatch shows the published value with ``†``
  and no Δ.
* Section **queries/s during evaluation**: images/s of each model's image fill of each retrieval
  dataset (:mod:`embedlab.report.encode_rate`), beside the published QPS when there is one
  (ratio, always flagged ``different hardware``).
* Section **published numbers**: each match with its Δ, measured CI, source and setting notes;
  each flagged mismatch with its reason; the sources (URL or repository@commit:path).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from embedlab.report.document import Cell, Column, Section, Table
from embedlab.report.encode_rate import TIMED_REGION, EncodeRate, encode_rates
from embedlab.report.inputs import ReportRun, ReportSystem
from embedlab.report.metric_tables import Spec, format_metric
from embedlab.report.published import PublishedEntry, Source
from embedlab.report.published_match import (
    Comparison,
    RateComparison,
    compare_rate,
    compare_row,
    format_delta,
    metric_key,
    protocol_text,
)
from embedlab.report.speed import format_number
from embedlab.results.schema import MetricRow

FLAG_MARK = "†"
FLAG_NOTE = (
    f"published / Δ: the published number for the same model, data, protocol and metric "
    f"(sources in 'Published numbers'); Δ = measured − published, in points. {FLAG_MARK} = "
    "published under another protocol, split or query count: not compared."
)


def system_comparisons(system: ReportSystem, row: MetricRow) -> list[Comparison]:
    """:func:`compare_row` for a row of ``system`` (its split and device)."""
    info = system.dataset(row.task)
    device = system.run.log.config.get("device")
    return compare_row(row, info.split if info else None, str(device) if device else None)


def _for(system: ReportSystem, spec: Spec) -> list[Comparison]:
    row = system.rows.get((spec.task, spec.protocol, spec.metric))
    return [] if row is None else system_comparisons(system, row)


def _published_cell(comparisons: list[Comparison]) -> Cell:
    if not comparisons:
        return Cell("–")
    best = next((c for c in comparisons if c.matched), comparisons[0])
    entry = best.entry
    mark = "" if best.matched else FLAG_MARK
    title = f"{entry.source.title}: {entry.location}"
    if best.flag:
        title += f" — not compared: {best.flag}"
    return Cell(f"{entry.text}{mark}", value=entry.value, ref=_ref(entry), title=title)


def _ref(entry: PublishedEntry) -> str:
    """``published|source|model|dataset|split|protocol|metric``: where a published value is."""
    parts = [entry.source.id, entry.model_label, entry.dataset, entry.split, entry.protocol]
    return "|".join(["published", *parts, entry.metric])


def _delta_cell(comparisons: list[Comparison]) -> Cell:
    best = next((c for c in comparisons if c.matched), None)
    if best is None or best.delta is None:
        return Cell(FLAG_MARK if comparisons else "–")
    return Cell(format_delta(best.delta), value=best.delta, title="; ".join(best.notes))


def published_columns(
    spec: Spec, systems: Sequence[ReportSystem]
) -> list[tuple[Column, Callable[[ReportSystem], Cell]]]:
    """``published`` and ``Δ`` columns for ``spec`` when any of ``systems`` has one, else []."""
    if not any(_for(s, spec) for s in systems):
        return []
    return [
        (Column(f"{spec.label} published", spec.group), lambda s: _published_cell(_for(s, spec))),
        (Column(f"{spec.label} Δ", spec.group), lambda s: _delta_cell(_for(s, spec))),
    ]


def _text(*values: str) -> list[Cell]:
    return [Cell(v) for v in values]


def _measured(system: ReportSystem, row: MetricRow) -> Cell:
    ci = ""
    if row.ci_low is not None and row.ci_high is not None:
        ci = f"[{format_metric(row.ci_low, row.metric)}, {format_metric(row.ci_high, row.metric)}]"
    return Cell(
        format_metric(row.value, metric_key(row)),
        value=row.value,
        ref=system.ref(row),
        ci=ci,
        ci_low=row.ci_low,
        ci_high=row.ci_high,
    )


def _rate_rows(rates: Sequence[EncodeRate]) -> tuple[list[list[Cell]], list[RateComparison]]:
    rows, compared = [], []
    for rate in rates:
        value = rate.value
        matches: list[RateComparison | None] = [*compare_rate(rate)] or [None]
        for match in matches:
            cells = [
                *_text(rate.model, rate.dataset),
                Cell(format_number(value) if value is not None else rate.status, value=value),
                *_text(rate.label),
            ]
            if match is None:
                cells += _text("–", "–", "–", "–")
            else:
                compared.append(match)
                ratio = match.ratio
                cells += [
                    Cell(f"{match.entry.text}", value=match.entry.value, ref=_ref(match.entry)),
                    Cell(f"{ratio:.3g}×" if ratio is not None else "–", value=ratio),
                    *_text(match.flag, "; ".join(match.notes)),
                ]
            rows.append(cells)
    return rows, compared


def _rates_section(runs: Sequence[ReportRun]) -> tuple[Section | None, list[RateComparison]]:
    rates = [rate for run in runs for rate in encode_rates(run.log)]
    if not rates:
        return None, []
    rows, compared = _rate_rows(rates)
    columns = [Column("model", numeric=False), Column("dataset", numeric=False)]
    columns += [Column("queries/s"), Column("setting", numeric=False)]
    columns += [Column("published QPS"), Column("ratio")]
    columns += [Column(n, numeric=False) for n in ("flag", "notes")]
    notes = [
        f"queries/s = images encoded per second during this evaluation ({TIMED_REGION}), as "
        "the reference report's QPS (5,000 COCO images / wall seconds). 'cached': the images "
        "came from the embedding cache, so no time was measured. Rigorous speed figures: "
        "embedlab speed.",
    ]
    if not compared:
        columns = columns[:4]
        rows = [r[:4] for r in rows]
    table = Table("queries-per-second", "queries/s during evaluation", columns, rows, notes)
    return Section("queries-per-second", "queries/s during evaluation", tables=[table]), compared


def _all_comparisons(systems: Sequence[ReportSystem]) -> list[tuple[ReportSystem, Comparison]]:
    return [(s, c) for s in systems for row in s.rows.values() for c in system_comparisons(s, row)]


def _source_table(sources: Sequence[Source]) -> Table:
    columns = [Column(n, numeric=False) for n in ("source", "title", "where", "transcription")]
    rows = [_text(s.id, s.title, s.reference, s.transcription) for s in sources]
    return Table("published-sources", "Sources of the published numbers", columns, rows)


def published_sections(runs: Sequence[ReportRun], systems: Sequence[ReportSystem]) -> list[Section]:
    """The queries/s section (when a run encoded retrieval images) and the published numbers."""
    out = []
    rates, rate_matches = _rates_section(runs)
    if rates is not None:
        out.append(rates)
    pairs = _all_comparisons(systems)
    if not pairs and not rate_matches:
        return out
    head = ("model", "task", "protocol", "metric")
    matched = [
        [
            *_text(s.label, c.row.task, protocol_text(c.entry.protocol), c.entry.metric),
            _measured(s, c.row),
            Cell(f"{c.entry.text}", value=c.entry.value, ref=_ref(c.entry)),
            Cell(format_delta(c.delta or 0.0), value=c.delta),
            *_text(c.entry.source.id, c.entry.location, "; ".join(c.notes)),
        ]
        for s, c in pairs
        if c.matched
    ]
    flagged = [
        [
            *_text(s.label, c.row.task, c.row.protocol, c.entry.metric),
            _measured(s, c.row),
            Cell(f"{c.entry.text}{FLAG_MARK}", value=c.entry.value, ref=_ref(c.entry)),
            *_text(c.flag, c.entry.source.id, c.entry.location),
        ]
        for s, c in pairs
        if not c.matched
    ]
    tables = []
    if matched:
        columns = [Column(n, numeric=False) for n in head]
        columns += [Column("measured"), Column("published"), Column("Δ")]
        columns += [Column(n, numeric=False) for n in ("source", "where", "setting notes")]
        note = "Δ = measured − published, in points; [low, high] = the measured bootstrap CI."
        tables.append(Table("published-matches", "Matches", columns, matched, [note]))
    if flagged:
        columns = [Column(n, numeric=False) for n in head]
        columns += [Column("measured"), Column("published")]
        columns += [Column(n, numeric=False) for n in ("not compared because", "source", "where")]
        tables.append(Table("published-flagged", "Flagged: not compared", columns, flagged))
    used = {c.entry.source.id: c.entry.source for _, c in pairs}
    used.update({m.entry.source.id: m.entry.source for m in rate_matches})
    tables.append(_source_table(list(used.values())))
    intro = (
        "A measured number is compared with a published one only when model, dataset, split, "
        "protocol, metric and query count agree; otherwise the pair is listed as flagged, with "
        "the reason, and no Δ. Precision and hardware differences are noted, not flagged."
    )
    out.append(Section("published", "Published numbers", intro, tables))
    return out
