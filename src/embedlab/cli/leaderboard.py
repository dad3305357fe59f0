"""``embedlab leaderboard``: every run under a folder as one set of tables (DuckDB)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def leaderboard_command(
    root: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="Folder searched for results.json files.")
    ] = Path("runs"),
    sql: Annotated[
        str | None,
        typer.Option(
            "--sql",
            help="Run this query instead (tables: runs, metrics, speed, environment, datasets).",
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the report page of every run here.")
    ] = None,
) -> None:
    """Print a pivot of every run under FOLDER, or the result of --sql."""
    from embedlab.verbs.leaderboard import leaderboard, markdown, query

    if sql is not None:
        result = query(root, sql)
        typer.echo(markdown(result.columns, result.rows))
    else:
        board = leaderboard(root)
        for path in board.unfinished:
            typer.echo(f"warning: {path} has no results.json (unfinished run?); left out", err=True)
        typer.echo("\n\n".join(markdown(t.columns, t.rows, t.title) for t in board.tables))
    if html is not None:
        from embedlab._atomic import write_text_atomic
        from embedlab.report.html import render_html
        from embedlab.results.store import find_runs
        from embedlab.verbs.report import build_report

        document = build_report([run.path for run in find_runs(root)])
        write_text_atomic(html, render_html(document))
        typer.echo(f"wrote {html}", err=True)
