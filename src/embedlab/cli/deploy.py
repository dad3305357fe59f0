"""``embedlab deploy``: projected cost of serving N items per model and index configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def deploy_command(
    run: Annotated[
        Path,
        typer.Argument(metavar="RUN", help="A run folder with speed rows (embedlab run/speed)."),
    ],
    index_run: Annotated[
        Path, typer.Argument(metavar="INDEX_RUN", help="An embedlab index study folder.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for deploy.md and deploy.csv.")],
    items: Annotated[int, typer.Option(help="Items to serve.")] = 10_000_000,
    images_per_s: Annotated[
        float | None,
        typer.Option(help="Encode throughput to assume (default: RUN's speed rows)."),
    ] = None,
    embedding_dim: Annotated[
        int | None,
        typer.Option(help="Embedding dimension when RUN does not record it."),
    ] = None,
) -> None:
    """Project storage, embed time, build time, query p99 and RAM for N items.

    Each figure is labelled measured, computed or extrapolated, and from what.
    """
    from embedlab.report.index_deploy import deploy_table
    from embedlab.verbs.deploy import deploy

    figures = deploy(run, index_run, out, items, images_per_s, embedding_dim)
    typer.echo(deploy_table(figures))
    typer.echo(f"wrote {out / 'deploy.md'}, {out / 'deploy.csv'}")
