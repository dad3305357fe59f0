"""``embedlab compare``: paired significance tests between the models of several runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def compare_command(
    runs: Annotated[
        list[Path],
        typer.Argument(metavar="RUN_DIR...", help="Run folders written by embedlab run."),
    ],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            metavar="METRIC",
            help="recall@K, accuracy@K, mrr, or an outcome column (repeatable).",
        ),
    ] = None,
    task: Annotated[
        list[str] | None,
        typer.Option(metavar="TASK", help="Only this task (repeatable; default: all shared)."),
    ] = None,
    protocol: Annotated[
        list[str] | None,
        typer.Option(
            metavar="PROTOCOL", help="Only this protocol (repeatable; default: all shared)."
        ),
    ] = None,
    resamples: Annotated[int, typer.Option(help="Bootstrap / sign-flip resamples.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the resampling generators.")] = 0,
    alpha: Annotated[float, typer.Option(help="Significance level (after Holm).")] = 0.05,
    test: Annotated[
        str,
        typer.Option(metavar="permutation|bootstrap", help="Test behind the significance flag."),
    ] = "permutation",
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the comparison as JSON here.")
    ] = None,
) -> None:
    """Compare the models of RUN folders pairwise on the same queries; print markdown tables."""
    from embedlab._atomic import write_text_atomic
    from embedlab.report.comparison_tables import comparison_markdown
    from embedlab.verbs.compare import compare

    result = compare(
        runs,
        metric or ["recall@1"],
        tasks=task or [],
        protocols=protocol or [],
        resamples=resamples,
        seed=seed,
        alpha=alpha,
        test=test,  # type: ignore[arg-type]  # validated by compare()
    )
    typer.echo(comparison_markdown(result))
    if json_path is not None:
        write_text_atomic(json_path, result.model_dump_json(indent=2) + "\n")
        typer.echo(f"\nwrote {json_path}", err=True)
