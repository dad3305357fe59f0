"""``embedlab report``: report.html (self-contained) and report.md for a set of run folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report_command(
    runs: Annotated[
        list[Path],
        typer.Argument(metavar="RUN_DIR...", help="Run folders written by embedlab run / speed."),
    ],
    out: Annotated[Path, typer.Option(help="Folder for report.html and report.md.")] = Path(
        "report"
    ),
    p99_ms: Annotated[
        float | None,
        typer.Option("--p99-ms", help="Latency budget for the guide: p99 ms of one text call."),
    ] = None,
    min_throughput: Annotated[
        float | None,
        typer.Option("--min-throughput", help="Throughput floor for the guide (images/s)."),
    ] = None,
    resamples: Annotated[int, typer.Option(help="Resamples of compare's tests.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of compare's generators.")] = 0,
    alpha: Annotated[float, typer.Option(help="Significance level (after Holm).")] = 0.05,
    title: Annotated[str, typer.Option(help="Title of the report.")] = "embedlab report",
) -> None:
    """Write OUT/report.html and OUT/report.md: headline table, plots, selection guide."""
    from embedlab.verbs.report import ReportOptions, write_report

    options = ReportOptions(
        p99_ms=p99_ms,
        min_throughput=min_throughput,
        resamples=resamples,
        seed=seed,
        alpha=alpha,
        title=title,
    )
    for path in write_report(runs, out, options):
        typer.echo(f"wrote {path}")
