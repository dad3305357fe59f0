"""What ``embedlab run`` (and a suite) prints around its tables: the warnings already shown
(so notes do not repeat them), the files written and the report."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer


@contextmanager
def shown_warnings() -> Iterator[list[str]]:
    """Collect the text of every warning printed meanwhile (so notes do not repeat them)."""
    shown: list[str] = []
    original = warnings.showwarning

    def show(message: Warning | str, *args: Any, **kwargs: Any) -> None:
        shown.append(str(message))
        original(message, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield shown
    finally:
        warnings.showwarning = original


def say_written(out: Path) -> None:
    """Write the run's report and say which files the run folder now holds."""
    from embedlab.errors import EmbedlabError
    from embedlab.verbs.report import write_report

    typer.echo(f"wrote {out / 'results.json'} (config, environment, every metric row with its CI)")
    typer.echo(f"      {out / 'results.csv'} (the metric rows), {out / 'outcomes'}/ (per-query)")
    try:
        html, markdown = write_report([out], out)
    except EmbedlabError as exc:  # the results are published; the report is a view of them
        typer.echo(f"warning: report not written: {exc}; try: embedlab report {out}", err=True)
        return
    typer.echo(f"      {html} (report: tables, plots, selection guide; open in a browser)")
    typer.echo(f"      {markdown} (the report's tables as Markdown)")
