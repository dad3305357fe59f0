"""Assemble the report :class:`~embedlab.report.document.Document` from runs and compare's output.

Sections, in order:

1. **Headline** — the shape of the reference benchmark: per retrieval task, T2I (all captions),
   T2I (first caption) and I2T R@1/5/10; per Winoground-style task, text/image/group scores;
   images/s and texts/s of the same model, runtime and precision on this machine; parameters and
   embedding dimension where a run records them.
2. **Plots** — quality (the guide's primary metric) against images/s with the Pareto front marked,
   and per-category bars (Winoground tags, SugarCrepe subsets, ARO types).
3. **Per-category breakdowns**, **retrieval details** (all protocols, MRR and median rank), and
   **other tasks** (zero-shot, BEIR, anything else) — one table per task.
4. **queries/s during evaluation** and **published numbers** (beside the headline and detail
   columns too, as "published" / "Δ" when a row matches; :mod:`embedlab.report.published_view`).
5. **Speed matrix** (runtime × precision × batch with parity).

The selection guide and the provenance come with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from embedlab.report.document import Cell, Column, Document, Figure, Section, Table
from embedlab.report.figures import Bar, Point, bars, scatter
from embedlab.report.guide import COMPOSITIONAL, GuideOptions, selection_guide
from embedlab.report.inputs import ReportRun, ReportSystem, all_speed, systems_of
from embedlab.report.late_speed_view import late_interaction_table
from embedlab.report.metric_tables import Spec, format_metric, metric_table
from embedlab.report.pareto import ParetoPoint, pareto_frontier
from embedlab.report.provenance import (
    CAVEATS,
    configs,
    data_table,
    notes_table,
    packages_table,
    runs_table,
)
from embedlab.report.published_view import FLAG_NOTE, published_columns, published_sections
from embedlab.report.significance import SignificanceIndex
from embedlab.report.speed_view import SpeedRows, speed_matrix, throughput
from embedlab.report.tables import PROTOCOL_LABELS

HEADLINE_PROTOCOLS = ("t2i", "t2i-first", "i2t")
RETRIEVAL_METRICS = (("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"))
DETAIL_METRICS = (*RETRIEVAL_METRICS, ("mrr", "MRR"), ("median_rank", "MedR"))
PAIR_METRICS = (("text_score", "Text"), ("image_score", "Image"), ("group_score", "Group"))
HEADLINE_PUBLISHED = frozenset({"recall@1", *(m for m, _ in PAIR_METRICS)})
LETTER_NOTE = (
    "Values in %; [low, high] = the run's bootstrap CI; superscript letters: systems "
    "sharing a letter are not significantly different (compare, Holm-adjusted)."
)


def build_document(
    runs: Sequence[ReportRun],
    index: SignificanceIndex,
    generated_at: str,
    version: str,
    options: GuideOptions | None = None,
    title: str = "embedlab report",
) -> Document:
    """The whole report for ``runs`` (see the module docstring)."""
    systems = systems_of(runs)
    speed = all_speed(runs)
    keys = _row_keys(systems)
    headline = _headline_specs(keys)
    primary = next(
        (s for s in headline if s.metric == "recall@1"), headline[0] if headline else None
    )
    compositional = _compositional(keys)
    guide = selection_guide(
        systems, primary, compositional, index, speed, options or GuideOptions()
    )
    sections = [_headline(systems, headline, index, speed)]
    sections.append(_plots(systems, primary, keys, speed))
    sections += _details(systems, keys, index)
    sections += published_sections(runs, systems)
    speed_tables = [t for t in (speed_matrix(speed), late_interaction_table(speed)) if t]
    if speed_tables:
        sections.append(Section("speed", "Speed on this machine", tables=speed_tables))
    if index.problems:
        sections[0].tables[-1:] = (
            [_with_notes(sections[0].tables[-1], index.problems)] if sections[0].tables else []
        )
    provenance = [runs_table(runs), data_table(runs), packages_table(runs)]
    notes = notes_table(runs)
    if notes:
        provenance.append(notes)
    return Document(
        title, generated_at, version, guide, sections, provenance, list(CAVEATS), configs(runs)
    )


def _with_notes(table: Table, notes: Sequence[str]) -> Table:
    return Table(table.id, table.title, table.columns, table.rows, [*table.notes, *notes])


def _row_keys(systems: Sequence[ReportSystem]) -> list[tuple[str, str, str]]:
    return list(dict.fromkeys(k for s in systems for k in s.rows))


def _group(task: str, protocol: str) -> str:
    return f"{task} {PROTOCOL_LABELS.get(protocol, protocol)}"


def _headline_specs(keys: Sequence[tuple[str, str, str]]) -> list[Spec]:
    specs: list[Spec] = []
    retrieval = [t for t in dict.fromkeys(t for t, p, _ in keys if p in HEADLINE_PROTOCOLS)]
    for task in retrieval:
        for protocol in HEADLINE_PROTOCOLS:
            specs += [
                Spec(task, protocol, m, label, _group(task, protocol))
                for m, label in RETRIEVAL_METRICS
                if (task, protocol, m) in keys
            ]
    pairs = [t for t in dict.fromkeys(t for t, p, m in keys if m == "group_score" and p == "all")]
    for task in pairs:
        specs += [
            Spec(task, "all", m, label, f"{task} (Winoground-style)")
            for m, label in PAIR_METRICS
            if (task, "all", m) in keys
        ]
    return specs


def _compositional(keys: Sequence[tuple[str, str, str]]) -> Spec | None:
    for metric, protocols in COMPOSITIONAL:
        for protocol in protocols:
            task = next((t for t, p, m in keys if m == metric and p == protocol), None)
            if task is not None:
                label = "Group" if metric == "group_score" else "accuracy"
                return Spec(task, protocol, metric, label, f"{task} ({protocol})")
    return None


def _facts(system: ReportSystem, name: str) -> Cell:
    info = (system.run.log.environment.get("models") or {}).get(system.model) or {}
    value = info.get(name) if isinstance(info, dict) else None
    if name == "embedding_dim" and value is None:
        value = system.run.log.config.get("dim")
    if not isinstance(value, int | float):
        return Cell("–")
    text = f"{value / 1e6:.0f}M" if name == "parameters" else f"{value:g}"
    return Cell(text, value=float(value), ref=f"fact|{system.run.name}|{system.model}|{name}")


def _headline(
    systems: Sequence[ReportSystem],
    specs: Sequence[Spec],
    index: SignificanceIndex,
    speed: SpeedRows,
) -> Section:
    extra: list[tuple[Column, Callable[[ReportSystem], Cell]]] = []
    for modality, label in (("image", "images/s"), ("text", "texts/s")):
        if any(throughput(s, speed, modality) for s in systems):
            extra.append((Column(label, "this machine"), _speed_cell(speed, modality)))
    for name, label in (("parameters", "params"), ("embedding_dim", "dim")):
        if any(_facts(s, name).value is not None for s in systems):
            extra.append((Column(label, "model"), _fact_cell(name)))
    notes = [
        LETTER_NOTE,
        "images/s, texts/s: sustained throughput at the largest batch measured "
        "(same model, runtime and precision); see the speed matrix.",
    ]
    tables = metric_table(
        "headline", "Headline", systems, specs, index, notes, extra, _headline_published, FLAG_NOTE
    )
    intro = "" if tables else "No retrieval or Winoground-style rows in these runs."
    return Section("headline", "Headline", intro, tables)


def _headline_published(
    spec: Spec, systems: Sequence[ReportSystem]
) -> list[tuple[Column, Callable[[ReportSystem], Cell]]]:
    """Published / Δ beside R@1 and the Winoground scores only (every metric: the details)."""
    if spec.metric not in HEADLINE_PUBLISHED:
        return []
    return published_columns(spec, systems)


def _fact_cell(name: str) -> Callable[[ReportSystem], Cell]:
    def make(system: ReportSystem) -> Cell:
        return _facts(system, name)

    return make


def _speed_cell(speed: SpeedRows, modality: str) -> Callable[[ReportSystem], Cell]:
    def make(system: ReportSystem) -> Cell:
        figure = throughput(system, speed, modality)
        return figure.cell() if figure else Cell("–")

    return make


def _plots(
    systems: Sequence[ReportSystem],
    primary: Spec | None,
    keys: Sequence[tuple[str, str, str]],
    speed: SpeedRows,
) -> Section:
    figures = []
    if primary is not None:
        figure = _pareto_figure(systems, primary, speed)
        if figure is not None:
            figures.append(figure)
    for task, protocols, metric in _categories(keys):
        figures.append(_bars_figure(systems, task, protocols, metric))
    intro = "" if figures else "Nothing to plot: no speed figures and no per-category rows."
    return Section("plots", "Plots", intro, figures=figures)


def _pareto_figure(systems: Sequence[ReportSystem], spec: Spec, speed: SpeedRows) -> Figure | None:
    found = []
    for s in systems:
        row = s.rows.get((spec.task, spec.protocol, spec.metric))
        fig = throughput(s, speed, "image") or throughput(s, speed, "text")
        if row is not None and fig is not None:
            found.append((s, row, fig))
    if not found:
        return None
    modality = found[0][2].row.modality
    found = [f for f in found if f[2].row.modality == modality]
    pareto = [
        ParetoPoint(s.label, f.row.runtime, f.row.precision, r.value, f.row.value, f.row.batch_size)
        for s, r, f in found
    ]
    front = set(pareto_frontier(pareto))
    points = []
    for i, (s, row, fig) in enumerate(found):
        ci = ""
        low = high = None
        if row.ci_low is not None and row.ci_high is not None:
            low, high = row.ci_low * 100, row.ci_high * 100
            ci = f" [{low:.1f}, {high:.1f}]"
        tip = (
            f"{s.label}: {spec.group} {spec.label} {format_metric(row.value, spec.metric)}%"
            f"{ci}; {fig.row.value:.4g} {modality}s/s (batch {fig.row.batch_size})"
        )
        points.append(Point(s.label, fig.row.value, row.value * 100, low, high, tip, i in front))
    unit = "images/s" if modality == "image" else "texts/s"
    title = f"{spec.group} {spec.label} vs {unit}"
    svg = scatter(
        points, f"{unit} (sustained, this machine)", f"{spec.group} {spec.label} (%)", title
    )
    caption = (
        f"Quality ({spec.group} {spec.label}, bars = CI) against sustained {unit} at the "
        "largest batch measured. Filled orange points, joined by a dashed staircase, are on the "
        "Pareto front: no other system is at least as good on both axes and better on one."
    )
    return Figure("pareto", title, svg, caption)


def _categories(
    keys: Sequence[tuple[str, str, str]],
) -> list[tuple[str, list[str], str]]:
    """(task, protocols, metric) of every per-category breakdown."""
    out = []
    for task in dict.fromkeys(t for t, _, _ in keys):
        tags = [p for t, p, m in keys if t == task and m == "group_score" and p.startswith("tag=")]
        if tags:
            out.append((task, tags, "group_score"))
            continue
        subsets = [p for t, p, m in keys if t == task and m == "accuracy"]
        if len(subsets) > 1:
            out.append((task, subsets, "accuracy"))
    return out


def _bars_figure(
    systems: Sequence[ReportSystem], task: str, protocols: list[str], metric: str
) -> Figure:
    series = []
    for s in systems:
        values: list[Bar | None] = []
        for protocol in protocols:
            row = s.rows.get((task, protocol, metric))
            if row is None:
                values.append(None)
                continue
            low = None if row.ci_low is None else row.ci_low * 100
            high = None if row.ci_high is None else row.ci_high * 100
            ci = f" [{low:.1f}, {high:.1f}]" if low is not None and high is not None else ""
            tip = f"{s.label}: {task} {protocol} {metric} {row.value * 100:.1f}%{ci} (n = {row.n})"
            values.append(Bar(row.value * 100, low, high, tip))
        if any(v is not None for v in values):
            series.append((s.label, values))
    names = [p.removeprefix("tag=") for p in protocols]
    title = f"{task}: {metric} per category"
    svg = bars(names, series, f"{metric} (%)", title)
    caption = f"{task}: {metric} per category, one bar per system; whiskers = CI."
    return Figure(f"bars-{task}", title, svg, caption)


def _details(
    systems: Sequence[ReportSystem],
    keys: Sequence[tuple[str, str, str]],
    index: SignificanceIndex,
) -> list[Section]:
    breakdown: list[Table] = []
    for task, protocols, metric in _categories(keys):
        names = PAIR_METRICS if metric == "group_score" else (("accuracy", "accuracy"),)
        specs = [
            Spec(task, p, m, label, p.removeprefix("tag="))
            for p in (["all", *protocols] if metric == "group_score" else protocols)
            for m, label in names
            if (task, p, m) in keys
        ]
        breakdown += metric_table(
            f"cat-{task}", f"{task} by category", systems, specs, index, [LETTER_NOTE]
        )
    retrieval: list[Table] = []
    for task in dict.fromkeys(t for t, p, _ in keys if p in PROTOCOL_LABELS):
        specs = [
            Spec(task, p, m, label, PROTOCOL_LABELS[p])
            for p in PROTOCOL_LABELS
            for m, label in DETAIL_METRICS
            if (task, p, m) in keys
        ]
        retrieval += metric_table(
            f"ret-{task}",
            f"{task} retrieval, every protocol",
            systems,
            specs,
            index,
            [LETTER_NOTE + " MedR = median rank."],
            annex=published_columns,
            annex_note=FLAG_NOTE,
        )
    categorised = {t for t, _, _ in _categories(keys)}
    pair_tasks = {t for t, _, m in keys if m in {"text_score", "image_score", "group_score"}}
    other: list[Table] = []
    for task in dict.fromkeys(t for t, p, _ in keys):
        if (
            task in categorised
            or task in pair_tasks
            or any(t == task and p in PROTOCOL_LABELS for t, p, _ in keys)
        ):
            continue
        specs = [Spec(task, p, m, m, p) for t, p, m in keys if t == task]
        other += metric_table(f"task-{task}", task, systems, specs, index, [LETTER_NOTE])
    out = []
    if breakdown:
        out.append(Section("categories", "Per-category breakdowns", tables=breakdown))
    if other:
        out.append(Section("other", "Zero-shot, text retrieval and other tasks", tables=other))
    if retrieval:
        out.append(Section("retrieval", "Retrieval details", tables=retrieval))
    return out
