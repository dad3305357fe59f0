"""``embedlab speed``: measure throughput, latency, cold start and memory; print the table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

_FLAGS = {
    "batch_sizes": "--batch-size",
    "modalities": "--modality",
    "models": "--model",
    "repeats": "--repeats",
}

ModelOpt = Annotated[
    list[str],
    typer.Option("--model", "-m", help="SOURCE:REF, e.g. arch:openai/clip-vit-base-patch16."),
]


def _config(settings: dict[str, Any]) -> Any:
    from embedlab.cli._settings import build_config
    from embedlab.perf.config import SpeedConfig

    return build_config(SpeedConfig, settings, _FLAGS)


def speed_command(
    model: ModelOpt,
    out: Annotated[Path, typer.Option(help="Folder for results.json and speed_samples.json.")],
    runtime: Annotated[
        list[str] | None, typer.Option(help="torch | onnxruntime | openvino (repeatable).")
    ] = None,
    precision: Annotated[
        list[str] | None, typer.Option(help="fp32 | bf16 | fp16 | int8 (repeatable).")
    ] = None,
    batch_size: Annotated[
        list[int] | None, typer.Option(help="Items per call (repeatable; default 1 and 32).")
    ] = None,
    modality: Annotated[
        list[str] | None, typer.Option(help="image | text (repeatable; default both).")
    ] = None,
    device: Annotated[str, typer.Option(help="Device: cpu, cuda, cuda:1.")] = "cpu",
    threads: Annotated[
        int | None, typer.Option(help="Intra-op threads (default: the runtime's).")
    ] = None,
    warmup_iterations: Annotated[int, typer.Option(help="Warm-up calls, at least.")] = 3,
    warmup_seconds: Annotated[float, typer.Option(help="Warm-up seconds, at least.")] = 2.0,
    min_iterations: Annotated[int, typer.Option(help="Timed calls, at least.")] = 10,
    min_seconds: Annotated[float, typer.Option(help="Timed seconds, at least.")] = 10.0,
    repeats: Annotated[
        int,
        typer.Option(
            help="Timed runs per case after one warm-up (each meets both floors); 2 or more "
            "adds throughput mean ± std over the runs."
        ),
    ] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic inputs.")] = 0,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache of runtime exports (default: embedlab's cache).")
    ] = None,
    trust_remote_code: Annotated[
        bool, typer.Option("--trust-remote-code", help="Allow model repos to run their own code.")
    ] = False,
    quality: Annotated[
        Path | None, typer.Option(help="Run folder whose quality rows go into the Pareto plot.")
    ] = None,
    metric: Annotated[str, typer.Option(help="Quality metric of the Pareto plot.")] = "recall@1",
    task: Annotated[str | None, typer.Option(help="Task of the quality metric.")] = None,
    protocol: Annotated[str | None, typer.Option(help="Protocol of the quality metric.")] = None,
) -> None:
    """Measure the speed of MODEL(s) on synthetic inputs; write results to --out."""
    from embedlab.report.plots import plot_run
    from embedlab.report.speed import cold_start_table, speed_table, split_table
    from embedlab.results.io import read_results
    from embedlab.verbs.speed import speed

    config = _config(
        {
            "models": model,
            "out": out,
            "runtimes": runtime or ["torch"],
            "precisions": precision or ["fp32"],
            "batch_sizes": batch_size or [1, 32],
            "modalities": modality or ["image", "text"],
            "device": device,
            "threads": threads,
            "warmup_iterations": warmup_iterations,
            "warmup_seconds": warmup_seconds,
            "min_iterations": min_iterations,
            "min_seconds": min_seconds,
            "repeats": repeats,
            "seed": seed,
            "cache_dir": cache_dir,
            "trust_remote_code": trust_remote_code,
            "quality": quality,
        }
    )
    # A bad --quality folder fails now, not after minutes of measuring.
    quality_rows = read_results(quality).metrics if quality is not None else None
    log, result = speed(config, notify=lambda message: typer.echo(message, err=True))
    typer.echo(speed_table(result.rows))
    for table in (split_table(result.rows), cold_start_table(result.rows)):
        if table:
            typer.echo(f"\n{table}")
    typer.echo("")
    for note in log.notes:
        if note.startswith("speed: "):
            typer.echo(note.removeprefix("speed: "))
    for error in result.errors:
        typer.echo(error, err=True)
    plot_modality = "image" if "image" in config.modalities else "text"
    options = {"metric": metric, "task": task, "protocol": protocol, "modality": plot_modality}
    typer.echo(plot_run(log, quality_rows, out, options))
    typer.echo(f"wrote {out / 'results.json'}")
    if not any(row.metric == "throughput" for row in result.rows):
        typer.echo("error: nothing could be measured; see the skipped lines above", err=True)
        raise typer.Exit(1)
