"""The report's table of multi-vector (late-interaction) speed figures.

One line per run × model × runtime × precision × threads that has a MaxSim case
(:mod:`embedlab.perf.multivector`): the mean tokens per image and per text of its encode calls
(largest batch measured), and the MaxSim throughput — documents scored per second for one query
of ``Tq`` tokens against ``N`` documents of ``Td`` tokens at width ``D`` — with its p50 latency
per query. ``None`` when no run has such rows.
"""

from __future__ import annotations

from embedlab.report.document import Cell, Column, Table
from embedlab.report.speed import format_number
from embedlab.report.speed_view import SpeedFigure, SpeedRows

MAXSIM = "maxsim"


def _number(figure: SpeedFigure | None, value: float | None = None) -> Cell:
    if figure is None or value is None:
        return Cell("–")
    return Cell(format_number(value), value=value, ref=figure.ref)


def late_interaction_table(rows: SpeedRows) -> Table | None:
    """Tokens per item and MaxSim docs/s per multi-vector system (see the module docstring)."""
    throughputs = [(run, r) for run, r in rows if r.metric == "throughput"]
    cases = [(run, r) for run, r in throughputs if r.modality == MAXSIM]
    if not cases:
        return None
    tokens: dict[tuple[object, ...], SpeedFigure] = {}
    for run, r in throughputs:
        at = (id(run), r.model, r.runtime, r.precision, r.threads, r.modality)
        known = tokens.get(at)
        if r.tokens_per_item is not None and (known is None or r.batch_size > known.row.batch_size):
            tokens[at] = SpeedFigure(run, r)
    latency: dict[tuple[object, ...], SpeedFigure] = {
        (id(run), r.model, r.runtime, r.precision, r.threads): SpeedFigure(run, r)
        for run, r in rows
        if r.modality == MAXSIM and r.metric == "latency_p50"
    }
    columns = [Column(name, numeric=False) for name in ("run", "model", "runtime", "precision")]
    columns += [Column("threads"), Column("image", group="tokens/item")]
    columns += [Column("text", group="tokens/item"), Column("docs x tokens", numeric=False)]
    columns += [Column("query tokens"), Column("D"), Column("docs/s per query", group="MaxSim")]
    columns += [Column("p50 ms/query", group="MaxSim")]
    body = []
    for run, r in cases:
        key: tuple[object, ...] = (id(run), r.model, r.runtime, r.precision, r.threads)
        info = r.maxsim or {}
        image, text = tokens.get((*key, "image")), tokens.get((*key, "text"))
        figure, p50 = SpeedFigure(run, r), latency.get(key)
        body.append([
            Cell(run.name), Cell(r.model), Cell(r.runtime), Cell(r.precision),
            Cell("–" if r.threads is None else str(r.threads)),
            _number(image, image.row.tokens_per_item if image else None),
            _number(text, text.row.tokens_per_item if text else None),
            Cell(f"{info.get('docs', r.batch_size)} x {info.get('doc_tokens', '–')}"),
            Cell(str(info.get("query_tokens", "–"))), Cell(str(info.get("dim", "–"))),
            figure.cell(), _number(p50, p50.row.value if p50 else None),
        ])  # fmt: skip
    note = (
        "Multi-vector models: tokens/item = mean token vectors per item of the encode calls "
        "(largest batch); MaxSim = exact late-interaction scoring of one query against N "
        "documents of random unit float32 tokens with the measured counts, documents scored "
        "per second (the synthetic values do not change the work)."
    )
    return Table("late-interaction-speed", "Late interaction", columns, body, [note])
