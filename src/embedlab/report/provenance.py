"""Where the numbers come from: runs, hardware, library versions, dates, data fingerprints, and
the protocol caveats a reader needs to compare them with published figures."""

from __future__ import annotations

import json
from collections.abc import Sequence

from embedlab.report.document import Cell, Column, Table
from embedlab.report.inputs import ReportRun

CAVEATS = (
    "T2I (all captions) ranks every caption as a query (5 per COCO image); T2I (first caption) "
    "uses only each image's first caption, as some papers do — the two are not interchangeable.",
    "I2T counts an image as found at rank K when any of its captions is in the top K.",
    "Retrieval ties count against the positive (pessimistic rank).",
    "Winoground-style and SugarCrepe/ARO scores are strict: a tie between the right and a wrong "
    "pairing counts as wrong.",
    "CIs are cluster bootstrap percentile intervals (the image is the unit for caption queries); "
    "letters come from paired tests with Holm correction within each table column.",
    "Speed figures are from the machine named below and say nothing about other hardware.",
    "Published numbers (report/published/*.csv, each with its source) are compared (Δ, in "
    "points) only when model, dataset, split, protocol, metric and query count agree; any other "
    "pairing is flagged and not compared. Precision and hardware differences are noted: the "
    "reference report ran bf16 on an NVIDIA A40; open_clip's table does not state its precision.",
    "Winoground: embedlab scores text/image/group as the paper defines them (text = the right "
    "caption for each image). The reference report lists image > text for every model, the "
    "opposite of the paper's CLIP results (text 30.75 > image 10.50 for ViT-B/32): its text and "
    "image columns appear swapped, so compare its 'image' with embedlab's text score, and vice "
    "versa; no Winoground number of the reference report is in the published table.",
    "queries/s is images encoded per second during the evaluation (the reference report's QPS: "
    "5,000 COCO images / wall seconds); here it includes image decoding and preprocessing, not "
    "the model load, and is measured on other hardware than published.",
)


def _text(values: Sequence[str]) -> list[Cell]:
    return [Cell(v) for v in values]


def runs_table(runs: Sequence[ReportRun]) -> Table:
    """One line per run: version, status, dates, models, tasks, hardware."""
    columns = [
        Column(name, numeric=False)
        for name in (
            "run",
            "embedlab",
            "status",
            "started",
            "finished",
            "models",
            "tasks",
            "CPU",
            "cores",
            "memory GiB",
            "GPU",
            "threads",
        )
    ]
    rows = []
    for run in runs:
        log, env = run.log, run.log.environment
        models = dict.fromkeys([*(m.model for m in log.metrics), *(s.model for s in log.speed)])
        tasks = dict.fromkeys(m.task for m in log.metrics)
        memory = env.get("memory_mib")
        rows.append(
            _text(
                [
                    run.name,
                    log.embedlab_version,
                    log.status,
                    log.started_at,
                    log.finished_at or "–",
                    ", ".join(models) or "–",
                    ", ".join(tasks) or "–",
                    str(env.get("cpu", "–")),
                    str(env.get("cpu_count", "–")),
                    f"{memory / 1024:.1f}" if isinstance(memory, int | float) else "–",
                    str(env.get("cuda") or "none"),
                    str(env.get("torch_threads", "–")),
                ]
            )
        )
    return Table("runs", "Runs", columns, rows)


def packages_table(runs: Sequence[ReportRun]) -> Table:
    """Library versions: one line per package, one column per run."""
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(run.log.environment.get("packages", {}) or {}))
    columns = [Column("package", numeric=False)]
    columns += [Column(run.name, numeric=False) for run in runs]
    rows = [
        _text(
            [
                name,
                *(str((run.log.environment.get("packages") or {}).get(name, "–")) for run in runs),
            ]
        )
        for name in names
    ]
    rows.insert(0, _text(["python", *(str(r.log.environment.get("python", "–")) for r in runs)]))
    return Table("packages", "Library versions", columns, rows)


def data_table(runs: Sequence[ReportRun]) -> Table:
    """Every dataset of every run, with its fingerprint (runs on other data are never merged)."""
    columns = [
        Column(n, numeric=False) for n in ("run", "dataset", "split", "fingerprint", "source")
    ]
    columns += [Column("images"), Column("captions")]
    rows = []
    for run in runs:
        for d in run.log.datasets:
            rows.append(
                [
                    *_text([run.name, d.name, d.split, d.fingerprint, d.source]),
                    Cell(str(d.n_images), value=float(d.n_images)),
                    Cell(str(d.n_captions), value=float(d.n_captions)),
                ]
            )
    return Table("data", "Data", columns, rows)


def notes_table(runs: Sequence[ReportRun]) -> Table | None:
    """The runs' own notes (e.g. how speed was measured), or ``None``."""
    rows = [_text([run.name, note]) for run in runs for note in run.log.notes]
    if not rows:
        return None
    columns = [Column("run", numeric=False), Column("note", numeric=False)]
    return Table("notes", "Run notes", columns, rows)


def configs(runs: Sequence[ReportRun]) -> dict[str, str]:
    """Each run's resolved config as indented JSON, by run name."""
    return {run.name: json.dumps(run.log.config, indent=2, default=str) for run in runs}
